"""Charts for the coverage report as inline SVG strings.

Inline SVG because the report must open offline and print: no script, no web font, no
chart library. Each chart has fixed `width`/`height` and a `viewBox`, so a stylesheet can
shrink it to the page (`max-width: 100%`) without distorting it, and a `data-chart` name
so tests (and readers of the source) can find it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

PALETTE = ("#3b6ea5", "#c8553d", "#4f9d69", "#8e6bb8", "#b8862c", "#4a8fa0", "#a34d7a", "#6b6b6b")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
INK, MUTED, RULE = "#1d1d1f", "#666", "#bbb"


def color(index: int) -> str:
    """The series colour for position `index`: the same case keeps its colour in every chart."""
    return PALETTE[index % len(PALETTE)]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shorten(label: str, limit: int) -> str:
    """Long outlet names are cut with an ellipsis; the full name stays in the tooltip."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _svg(name: str, title: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{_e(name)}" role="img" '
        f'aria-label="{_e(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{_e(FONT)}"><title>{_e(title)}</title>{body}</svg>'
    )


def week_start(day: str) -> date:
    """The Monday of the week holding `day` (YYYY-MM-DD)."""
    d = date.fromisoformat(day)
    return d - timedelta(days=d.weekday())


def week_range(first: str, last: str) -> list[str]:
    """Every week (its Monday) from `first`'s week to `last`'s, so quiet weeks show as gaps."""
    start, end = week_start(first), week_start(last)
    weeks = []
    while start <= end:
        weeks.append(start.isoformat())
        start += timedelta(days=7)
    return weeks


def hbar_chart(series: Sequence[tuple[str, int]], *, name: str, title: str, width: int = 760,
               row: int = 24, label_width: int = 200) -> str:
    """Horizontal bars, one per label: long names (outlets) stay readable, unlike rotated
    labels under columns. Each bar carries its number at its end."""
    if not series:
        return ""
    top = max(n for _, n in series) or 1
    plot = width - label_width - 40
    height = row * len(series) + 8
    parts = []
    for i, (label, n) in enumerate(series):
        y = 4 + i * row
        w = max(plot * n / top, 1.5)
        parts.append(
            f'<g><title>{_e(label)}: {n}</title>'
            f'<text x="{label_width - 8}" y="{y + row * 0.66:.1f}" font-size="13" text-anchor="end" '
            f'fill="{INK}">{_e(_shorten(label, 28))}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 7}" rx="2" fill="{color(0)}"/>'
            f'<text x="{label_width + w + 5:.1f}" y="{y + row * 0.66:.1f}" font-size="12" fill="{INK}">{n}</text></g>'
        )
    axis = f'<line x1="{label_width}" y1="2" x2="{label_width}" y2="{height - 2}" stroke="{RULE}"/>'
    return _svg(name, title, width, height, axis + "".join(parts))


def _tick_weeks(weeks: Sequence[str], most: int = 9) -> list[int]:
    """Indexes of the weeks that get a date label: the first week of a month, thinned out
    to at most `most` labels so they never overlap."""
    starts = [i for i, w in enumerate(weeks) if i == 0 or w[:7] != weeks[i - 1][:7]]
    step = max(1, -(-len(starts) // most))
    return starts[::step]


def weekly_small_multiples(weeks: Sequence[str], series: Mapping[str, Mapping[str, int]], *,
                           name: str = "weekly", title: str = "Relevant articles per week",
                           width: int = 760, panel: int = 62, colors: Mapping[str, str] | None = None) -> str:
    """One panel per case (documentary, featured person) on a shared weekly time axis and a
    shared scale: small multiples compare cases without the tangle of overlapping lines."""
    if not weeks or not series:
        return ""
    top = max((n for counts in series.values() for n in counts.values()), default=0) or 1
    left, right = 8, 36
    slot = (width - left - right) / len(weeks)
    bar = max(slot * 0.72, 1.0)
    parts = []
    for p, (entry, counts) in enumerate(series.items()):
        y0 = p * panel
        base = y0 + panel - 6
        h_max = panel - 26
        fill = (colors or {}).get(entry, color(p))
        total = sum(counts.values())
        parts.append(f'<text x="{left}" y="{y0 + 14}" font-size="13" font-weight="600" fill="{INK}">{_e(entry)}'
                     f'<tspan font-weight="400" fill="{MUTED}"> · {total}</tspan></text>')
        parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{RULE}"/>')
        parts.append(f'<line x1="{left}" y1="{base - h_max}" x2="{width - right}" y2="{base - h_max}" '
                     f'stroke="#e4e4e4" stroke-dasharray="3 3"/><text x="{width - right + 4}" y="{base - h_max + 4}" '
                     f'font-size="10" fill="{MUTED}">{top}</text>')
        for i, week in enumerate(weeks):
            n = counts.get(week, 0)
            if n:
                h = h_max * n / top
                x = left + i * slot + (slot - bar) / 2
                parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{fill}"><title>{_e(entry)}, week of {week}: {n}</title></rect>')
    axis_y = len(series) * panel
    for i in _tick_weeks(weeks):
        x = left + i * slot + slot / 2
        anchor = "start" if x < left + 30 else "end" if x > width - right - 30 else "middle"
        parts.append(f'<line x1="{x:.1f}" y1="{axis_y - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="{MUTED}"/>'
                     f'<text x="{x:.1f}" y="{axis_y + 14}" font-size="11" text-anchor="{anchor}" fill="{MUTED}">'
                     f'{_e(_month_label(weeks[i]))}</text>')
    return _svg(name, title, width, axis_y + 20, "".join(parts))


def _month_label(week: str) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{months[int(week[5:7]) - 1]} {week[:4]}"
