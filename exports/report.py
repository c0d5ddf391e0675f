"""Coverage reports: one self-contained HTML file (inline SVG chart, no network) and the
same content as Markdown. Data comes from the store; this module only formats."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scraper.store import ArticleFilters, Store


@dataclass
class ReportData:
    """Everything a report shows, gathered once from the database."""

    title: str
    generated: str
    filters: ArticleFilters
    articles: list[dict] = field(default_factory=list)
    total_articles: int = 0
    by_entry: list[tuple[str, str, int]] = field(default_factory=list)
    by_outlet: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_language: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    first_last: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def unique_stories(self) -> int:
        """Stories once syndicated, reworded and exact copies are folded into their cluster."""
        return len({a.get("cluster_id") or a["id"] for a in self.articles})


def gather(store: Store, filters: ArticleFilters, title: str) -> ReportData:
    relevant = ArticleFilters(**{**filters.__dict__, "relevant": True})
    articles = list(store.articles(relevant, order="published_date asc"))
    for article in articles:
        article["mentions"] = store.mentions_for(article["id"])
    everything = ArticleFilters(**{**filters.__dict__, "relevant": None, "person": None})
    data = ReportData(
        title=title,
        generated=datetime.now(UTC).replace(microsecond=0).isoformat(),
        filters=filters,
        articles=articles,
        total_articles=store.count(*everything.sql()),
        by_entry=[row for row in store.counts_by_entry(relevant) if row[1] != "supporting"],
        by_outlet=store.counts_by("outlet", relevant),
        by_kind=store.counts_by("outlet_kind", relevant),
        by_language=store.counts_by("language", relevant),
    )
    months = Counter((a.get("published_date") or "undated")[:7] for a in articles)
    data.by_month = sorted(months.items())
    for entry, _kind, _n in data.by_entry:
        dates = sorted(
            a["published_date"] for a in articles
            if a.get("published_date") and entry in (a.get("matched") or [])
        )
        data.first_last[entry] = (dates[0], dates[-1]) if dates else (None, None)
    return data


def _snippet(article: dict) -> str:
    for mention in article.get("mentions", []):
        if mention.get("kind") != "supporting" and mention.get("snippet"):
            return mention["snippet"]
    return (article.get("description") or (article.get("text") or "")[:200]).strip()


def _filters_line(filters: ArticleFilters) -> str:
    parts = [f"{k}: {v}" for k, v in filters.__dict__.items() if v not in (None, "") and k != "relevant"]
    return "; ".join(parts) or "all dates, all outlets"


def bar_chart_svg(series: list[tuple[str, int]], width: int = 720, height: int = 220) -> str:
    """A plain SVG bar chart (months on x, articles on y) that needs no script or network."""
    if not series:
        return ""
    top = max(n for _, n in series) or 1
    margin, bottom = 30, 40
    slot = (width - margin) / len(series)
    bars = []
    for i, (label, n) in enumerate(series):
        h = (height - bottom - 10) * n / top
        x = margin + i * slot + slot * 0.15
        y = height - bottom - h
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#3b6ea5">'
            f"<title>{html.escape(label)}: {n}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="11" text-anchor="middle">{n}</text>'
            f'<text x="{x + slot * 0.35:.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle" '
            f'transform="rotate(35 {x + slot * 0.35:.1f} {height - bottom + 14})">{html.escape(label)}</text>'
        )
    axis = f'<line x1="{margin}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#444"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Relevant articles per month" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">{axis}{"".join(bars)}</svg>'
    )


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1d1d1f;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#666} .numbers{display:flex;gap:1rem;flex-wrap:wrap}
.numbers div{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:8rem}
.numbers b{display:block;font-size:1.6rem} table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #eee;padding:.35rem .4rem;text-align:left;vertical-align:top}
td.n{text-align:right} .snippet{color:#444;font-size:.85rem} svg{max-width:100%;height:auto}
@media print{@page{size:A4;margin:15mm} body{max-width:none;margin:0} a{color:inherit}
tr{page-break-inside:avoid}}
"""


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: ReportData) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(data.title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>",
        f"<h1>{e(data.title)}</h1><p class='meta'>Generated {e(data.generated)} · {e(_filters_line(data.filters))}</p>",
    ]
    if not data.articles:
        parts.append("<p><strong>No relevant coverage in this period.</strong> "
                     f"{data.total_articles} articles were stored, none of them about the watchlist.</p>")
        return "".join(parts) + "</body></html>"
    kinds = ", ".join(f"{e(k or '?')}: {n}" for k, n in data.by_kind)
    parts.append(
        "<div class='numbers'>"
        f"<div><b>{len(data.articles)}</b>relevant articles</div>"
        f"<div><b>{data.unique_stories}</b>unique stories</div>"
        f"<div><b>{len(data.articles) - data.unique_stories}</b>copies</div>"
        f"<div><b>{len(data.by_outlet)}</b>outlets</div>"
        f"<div><b>{data.total_articles}</b>articles stored</div></div>"
        f"<p>By kind of outlet: {kinds}</p>"
    )
    parts.append("<h2>Coverage per month</h2>" + bar_chart_svg(data.by_month))
    rows = [[e(entry), e(kind), str(n), e(data.first_last[entry][0] or "–"), e(data.first_last[entry][1] or "–")]
            for entry, kind, n in data.by_entry]
    parts.append("<h2>By documentary and person</h2>"
                 + _table(["Entry", "Kind", "Articles", "First", "Latest"], rows, {2}))
    outlet_rows = [[e(o), str(n)] for o, n in data.by_outlet]
    parts.append("<h2>By outlet</h2>" + _table(["Outlet", "Articles"], outlet_rows, {1}))
    parts.append("<h2>By language</h2>"
                 + _table(["Language", "Articles"], [[e(k or "?"), str(n)] for k, n in data.by_language], {1}))
    rows = [
        [
            e(a.get("published_date") or "undated"),
            e(a["outlet"]),
            f"<a href='{e(a['url'])}'>{e(a.get('title') or a['url'])}</a>"
            f"<div class='snippet'>{e(_snippet(a))}</div>",
            e(", ".join(m for m in a.get("matched") or [])),
            f"{a.get('relevance', 0):.2f}",
        ]
        for a in data.articles
    ]
    parts.append("<h2>Every relevant article</h2>"
                 + _table(["Date", "Outlet", "Article", "Covers", "Relevance"], rows, {4}))
    return "".join(parts) + "</body></html>"


def _md_escape(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(data: ReportData) -> str:
    lines = [f"# {data.title}", "", f"Generated {data.generated} · {_filters_line(data.filters)}", ""]
    if not data.articles:
        lines.append(f"**No relevant coverage in this period.** {data.total_articles} articles were stored, "
                     "none of them about the watchlist.")
        return "\n".join(lines) + "\n"
    lines += [
        f"- **{len(data.articles)}** relevant articles: {data.unique_stories} unique stories and "
        f"{len(data.articles) - data.unique_stories} copies (syndicated or reworded)",
        f"- **{len(data.by_outlet)}** outlets, {data.total_articles} articles stored",
        "- by kind: " + ", ".join(f"{k}: {n}" for k, n in data.by_kind),
        "",
        "## By documentary and person",
        "",
        "| Entry | Kind | Articles | First | Latest |",
        "|---|---|---:|---|---|",
    ]
    for entry, kind, n in data.by_entry:
        first, last = data.first_last[entry]
        lines.append(f"| {_md_escape(entry)} | {kind} | {n} | {first or '–'} | {last or '–'} |")
    lines += ["", "## Per month", "", "| Month | Articles |", "|---|---:|"]
    lines += [f"| {month} | {n} |" for month, n in data.by_month]
    lines += ["", "## By outlet", "", "| Outlet | Articles |", "|---|---:|"]
    lines += [f"| {_md_escape(o)} | {n} |" for o, n in data.by_outlet]
    lines += ["", "## Every relevant article", "", "| Date | Outlet | Article | Covers |", "|---|---|---|---|"]
    for a in data.articles:
        title = _md_escape(a.get("title") or a["url"])
        lines.append(f"| {a.get('published_date') or 'undated'} | {_md_escape(a['outlet'])} | [{title}]({a['url']}) "
                     f"| {_md_escape(', '.join(a.get('matched') or []))} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    articles: int


def write_report(store: Store, out_dir: Path, filters: ArticleFilters | None = None,
                 title: str = "Coverage report") -> ReportFiles:
    data = gather(store, filters or ArticleFilters(), title)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out_dir / "report.html", out_dir / "report.md"
    html_path.write_text(render_html(data), encoding="utf-8")
    md_path.write_text(render_markdown(data), encoding="utf-8")
    return ReportFiles(html_path, md_path, len(data.articles))
