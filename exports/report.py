"""Coverage reports for a communications team: one self-contained HTML file (inline SVG
charts, no network, prints on A4), the same content as Markdown, and every relevant
article as CSV and JSON Lines.

Data comes from `scraper.store` (the only SQL); this module arranges and formats it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from exports import charts
from exports.export import write_csv, write_jsonl
from scraper.analysis.evidence import page_copies
from scraper.store import ArticleFilters, Store

LANGUAGES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "pt": "Portuguese"}
TOP_STORIES = 10


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
    weeks: list[str] = field(default_factory=list)
    weekly: dict[str, dict[str, int]] = field(default_factory=dict)
    clusters: list[dict] = field(default_factory=list)
    first_last: dict[str, tuple[dict | None, dict | None]] = field(default_factory=dict)
    archived: dict[str, str] = field(default_factory=dict)  # article id -> its archived copy, relative to the report

    @property
    def unique_stories(self) -> int:
        """Stories once syndicated, reworded and exact copies are folded into their cluster."""
        return len(self.clusters)

    @property
    def copies(self) -> int:
        return len(self.articles) - self.unique_stories

    @property
    def period(self) -> tuple[str | None, str | None]:
        dates = [a["published_date"] for a in self.articles if a.get("published_date")]
        return (min(dates), max(dates)) if dates else (None, None)

    @property
    def unlisted_outlets(self) -> int:
        """Outlets covering it that sources.toml does not list (found by discovery)."""
        return len({a["outlet"] for a in self.articles if a.get("outlet_kind") == "other"})

    @property
    def kinds(self) -> dict[str, str]:
        return {entry: kind for entry, kind, _n in self.by_entry}

    def colors(self) -> dict[str, str]:
        """One colour per case, the same in the chart and the cases table."""
        return {entry: charts.color(i) for i, (entry, _kind, _n) in enumerate(self.by_entry)}


# ---- gathering ----------------------------------------------------------------------


def gather(store: Store, filters: ArticleFilters, title: str) -> ReportData:
    """Read what the report shows, with the report's own filters always on relevant articles."""
    relevant = ArticleFilters(**{**filters.__dict__, "relevant": True})
    everything = ArticleFilters(**{**filters.__dict__, "relevant": None, "person": None})
    articles = list(store.articles.select(relevant, order="published_date asc"))
    for article in articles:
        article["mentions"] = store.articles.mentions_of(article["id"])
    by_entry = [row for row in store.reports.counts_by_entry(relevant) if row[1] != "supporting"]
    by_entry.sort(key=lambda row: (row[1] != "documentary", -row[2], row[0]))
    data = ReportData(
        title=title,
        generated=datetime.now(UTC).replace(microsecond=0).isoformat(),
        filters=filters,
        articles=articles,
        total_articles=store.reports.count(*everything.sql()),
        by_entry=by_entry,
        by_outlet=store.reports.counts_by("outlet", relevant),
        by_kind=store.reports.counts_by("outlet_kind", relevant),
        by_language=store.reports.counts_by("language", relevant),
        clusters=store.reports.clusters_of_relevant(relevant),
    )
    _add_weekly(data, store.reports.weekly_counts(relevant))
    data.first_last = _first_last(articles, [entry for entry, _kind, _n in by_entry])
    return data


def _add_weekly(data: ReportData, rows: list[tuple[str, str, int]]) -> None:
    """Weekly counts per case on one continuous axis (quiet weeks included), cases in the
    order of the cases table."""
    first, last = data.period
    if not rows or not first or not last:
        return
    data.weeks = charts.week_range(first, last)
    data.weekly = {entry: {} for entry, _kind, _n in data.by_entry}
    for entry, week, n in rows:
        data.weekly.setdefault(entry, {})[week] = n


def _first_last(articles: list[dict], entries: list[str]) -> dict[str, tuple[dict | None, dict | None]]:
    """The first and the latest dated article covering each case (articles come sorted by date)."""
    spans: dict[str, tuple[dict | None, dict | None]] = {}
    for entry in entries:
        dated = [a for a in articles if a.get("published_date") and entry in (a.get("matched") or [])]
        spans[entry] = (dated[0], dated[-1]) if dated else (None, None)
    return spans


# ---- shared formatting ----------------------------------------------------------------


def _snippet(article: dict) -> str:
    """The evidence: the first mention of a case, else the description or the opening."""
    for mention in article.get("mentions", []):
        if mention.get("kind") != "supporting" and mention.get("snippet"):
            return mention["snippet"]
    return (article.get("description") or (article.get("text") or "")[:200]).strip()


def _people(article: dict, kinds: dict[str, str]) -> str:
    """The featured people an article covers, then "documentary" when it covers the
    documentary: its full name is long and would repeat on every row."""
    matched = article.get("matched") or []
    people = [name for name in matched if kinds.get(name) != "documentary"]
    documentary = ["documentary"] if any(kinds.get(name) == "documentary" for name in matched) else []
    return ", ".join(people + documentary)


def _filters_line(filters: ArticleFilters) -> str:
    parts = [f"{k}: {v}" for k, v in filters.__dict__.items() if v not in (None, "") and k != "relevant"]
    return "; ".join(parts) or "all dates, all outlets"


def _language(code: str | None) -> str:
    return LANGUAGES.get(code or "", code or "unknown")


def _reach(data: ReportData) -> str:
    return " · ".join(f"{kind or 'other'} {n}" for kind, n in data.by_kind)


def _empty_sentence(data: ReportData) -> str:
    """An empty period is an answer, not an error: say so in words."""
    if not data.total_articles:
        return "No relevant coverage in this period: no articles were stored for it."
    return (f"No relevant coverage in this period. {data.total_articles} articles were stored, "
            "none of them about the watchlist.")


# ---- HTML -----------------------------------------------------------------------------

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:58rem;margin:1.5rem auto;
padding:0 1rem;color:#1d1d1f;line-height:1.45;font-size:15px}
h1{font-size:1.6rem;margin:0 0 .2rem} h2{font-size:1.2rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #ddd;
padding-bottom:.2rem} .meta,.note{color:#555;font-size:.9rem;margin:.2rem 0}
a{color:#1f5b99} .numbers{display:grid;grid-template-columns:repeat(auto-fit,minmax(7rem,1fr));gap:.6rem;
margin-top:1rem} .numbers div{border:1px solid #ddd;border-radius:6px;padding:.5rem .6rem;font-size:.85rem}
.numbers b{display:block;font-size:1.6rem;line-height:1.2} .numbers small{color:#555}
svg.chart{display:block;max-width:100%;height:auto;margin:.4rem 0}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.88rem}
th,td{border-bottom:1px solid #e6e6e6;padding:.3rem .35rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere} th{font-weight:600;border-bottom:1px solid #bbb} td.n,th.n{text-align:right}
table.articles td:first-child{white-space:nowrap}
.swatch{-webkit-print-color-adjust:exact;print-color-adjust:exact;display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.35rem;vertical-align:baseline}
.snippet{color:#444;font-size:.82rem} .story{margin:.7rem 0;padding:.4rem .7rem;border-left:3px solid #3b6ea5}
a.a{font-size:.78rem;color:#555}
.story p{margin:.1rem 0} .story ul{margin:.2rem 0 0;padding-left:1.1rem;font-size:.88rem} .tag{color:#555}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt} a{color:inherit;text-decoration:none}
h2{break-after:avoid} svg.chart,.story,.numbers,figure{break-inside:avoid} tr{break-inside:avoid}
thead{display:table-header-group} section.every{break-before:page}}
"""


def _table(headers: list[str], rows: list[list[str]], widths: list[str], numeric: frozenset[int] = frozenset(),
           css_class: str = "") -> str:
    """A fixed-layout table: column widths are set, long words wrap, nothing overflows A4."""
    cols = "".join(f"<col style='width:{w}'>" for w in widths)
    head = "".join(f"<th class='n'>{h}</th>" if i in numeric else f"<th>{h}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f"<td class='n'>{c}</td>" if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>" for r in rows)
    return (f"<table class='{css_class}'><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _link(article: dict) -> str:
    e = html.escape
    return f"<a href='{e(article['url'])}'>{e(article.get('title') or article['url'])}</a>"


def _html_numbers(data: ReportData) -> str:
    outlets = len({a["outlet"] for a in data.articles})
    cards = [
        ("articles", len(data.articles), "relevant articles"),
        ("stories", data.unique_stories, "unique stories"),
        ("copies", data.copies, "copies <small>(syndicated or reworded)</small>"),
        ("outlets", outlets, "outlets covering it"),
    ]
    if data.unlisted_outlets:
        cards.append(("unlisted", data.unlisted_outlets, "of them not in sources.toml <small>(found by discovery)"
                                                         "</small>"))
    cards += [(f"kind-{kind}", n, f"in {html.escape(kind or 'other')} outlets") for kind, n in data.by_kind]
    parts = [f"<div data-number='{html.escape(key)}'><b>{n}</b>{label}</div>" for key, n, label in cards]
    return f"<div class='numbers'>{''.join(parts)}</div>"


def _html_time(data: ReportData) -> str:
    chart = charts.weekly_small_multiples(data.weeks, data.weekly, colors=data.colors())
    if not chart:
        return ""
    busiest = max((n for counts in data.weekly.values() for n in counts.values()), default=0)
    return ("<section><h2>Coverage over time, per week</h2>"
            "<p class='note'>Relevant articles per week for each case, on one scale: the dotted line is the "
            f"busiest week ({busiest} articles). An article covering two cases counts in both.</p>"
            + chart + "</section>")


def _html_cases(data: ReportData) -> str:
    e, colors = html.escape, data.colors()
    rows = []
    for entry, kind, n in data.by_entry:
        first, last = data.first_last[entry]
        rows.append([
            f"<span class='swatch' style='background:{colors[entry]}'></span>{e(entry)} <span class='tag'>"
            f"({e(kind)})</span>", str(n), _mention_cell(first), _mention_cell(last)])
    return ("<section><h2>Cases: first and latest mention</h2>"
            + _table(["Case", "Articles", "First mention", "Latest mention"], rows,
                     ["28%", "12%", "30%", "30%"], frozenset({1})) + "</section>")


def _mention_cell(article: dict | None) -> str:
    if article is None:
        return "–"
    e = html.escape
    return f"{e(article['published_date'])} · {e(article['outlet'])}<br>{_link(article)}"


def _html_breakdowns(data: ReportData) -> str:
    outlets = charts.hbar_chart(data.by_outlet, name="outlets", title="Relevant articles by outlet")
    languages = charts.hbar_chart([(_language(code), n) for code, n in data.by_language], name="languages",
                                  title="Relevant articles by language")
    return (f"<section><h2>By outlet</h2>{outlets}</section>"
            f"<section><h2>By language</h2>{languages}</section>")


def _html_stories(data: ReportData) -> str:
    e = html.escape
    blocks = []
    for group in data.clusters[:TOP_STORIES]:
        lead, copies = group["articles"][0], group["articles"][1:]
        items = "".join(
            f"<li>{e(c['published_date'] or 'undated')} · {e(c['outlet'])}: {_link(c)}"
            f" <span class='tag'>({_copy_kind(c)})</span></li>" for c in copies)
        label = "original" if lead.get("is_original") else "earliest relevant copy"
        blocks.append(
            f"<div class='story'><p>{_link(lead)}</p><p class='meta'>{e(lead['published_date'] or 'undated')} · "
            f"{e(lead['outlet'])} · {label} · {e(_people(lead, data.kinds))}</p>"
            + (f"<ul>{items}</ul>" if items else "") + "</div>")
    with_copies = sum(1 for g in data.clusters if len(g["articles"]) > 1)
    return (f"<section><h2>Top stories</h2><p class='note'>{data.unique_stories} unique stories; {with_copies} "
            "of them were syndicated or reworded: their copies are listed under the original.</p>"
            + "".join(blocks) + "</section>")


def _copy_kind(article: dict) -> str:
    """How close a copy is to its original, in words a reader can use."""
    similarity = article.get("similarity_to_original")
    if similarity is None:
        return "copy"
    return f"{'syndicated copy' if similarity >= 0.8 else 'reworded copy'}, {similarity:.0%} similar"


def _archived_link(article: dict, data: ReportData) -> str:
    """A link to the article's archived copy beside the report, when it has one."""
    copy = data.archived.get(article["id"])
    if not copy:
        return ""
    return f" <a class=a href='{html.escape(copy)}'>[archived]</a>"


def _html_articles(data: ReportData) -> str:
    e = html.escape
    rows = [[e(a.get("published_date") or "undated"), e(a["outlet"]), _link(a) + _archived_link(a, data),
             e(_people(a, data.kinds)), f"<span class='snippet'>{e(_snippet(a))}</span>"] for a in data.articles]
    note = ("<p class='note'>[archived]: the page as it was fetched, byte for byte, kept beside this report "
            "(archive/; its SHA-1 is the article's html_sha1): it opens without the outlet's site.</p>"
            if data.archived else "")
    return ("<section class='every'><h2>Every relevant article</h2>" + note
            + _table(["Date", "Outlet", "Title", "People", "Snippet"], rows, ["12%", "13%", "28%", "17%", "30%"],
                     css_class="articles") + "</section>")


def render_html(data: ReportData) -> str:
    """The whole report as one HTML file: inline CSS and SVG, no script, no external resource."""
    e = html.escape
    first, last = data.period
    period = f" · published {first} to {last}" if first else ""
    head = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(data.title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>"
            f"<h1>{e(data.title)}</h1><p class='meta'>Generated {e(data.generated)} · "
            f"{e(_filters_line(data.filters))}{e(period)} · {data.total_articles} articles stored</p>")
    if not data.articles:
        return head + f"<p class='empty'><strong>{e(_empty_sentence(data))}</strong></p></body></html>"
    sections = [_html_numbers(data), _html_time(data), _html_cases(data), _html_breakdowns(data),
                _html_stories(data), _html_articles(data)]
    return head + "".join(sections) + "</body></html>"


# ---- Markdown -------------------------------------------------------------------------


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _md_link(article: dict) -> str:
    title = (article.get("title") or article["url"]).replace("[", "(").replace("]", ")")
    return f"[{_md(title)}]({article['url']})"


def _md_numbers(data: ReportData) -> list[str]:
    return [
        f"- **{len(data.articles)}** relevant articles",
        f"- **{data.unique_stories}** unique stories ({data.copies} syndicated or reworded copies folded in)",
        f"- **{len({a['outlet'] for a in data.articles})}** outlets covering it"
        + (f", {data.unlisted_outlets} of them not in sources.toml (found by discovery)" if data.unlisted_outlets
           else ""),
        f"- reach by kind of outlet: {_reach(data)}", ""]


def _md_weekly(data: ReportData) -> list[str]:
    """The weekly chart as a table: only weeks with coverage, one column per case."""
    if not data.weeks:
        return []
    entries = list(data.weekly)
    lines = ["## Coverage over time, per week", "", "| Week of | " + " | ".join(map(_md, entries)) + " |",
             "|---|" + "---:|" * len(entries)]
    for week in data.weeks:
        counts = [data.weekly[entry].get(week, 0) for entry in entries]
        if any(counts):
            lines.append(f"| {week} | " + " | ".join(str(n) if n else "" for n in counts) + " |")
    return [*lines, ""]


def _md_cases(data: ReportData) -> list[str]:
    lines = ["## Cases: first and latest mention", "", "| Case | Articles | First mention | Latest mention |",
             "|---|---:|---|---|"]
    for entry, kind, n in data.by_entry:
        first, last = data.first_last[entry]
        cells = [f"{a['published_date']} · {_md(a['outlet'])}: {_md_link(a)}" if a else "–" for a in (first, last)]
        lines.append(f"| {_md(entry)} ({kind}) | {n} | {cells[0]} | {cells[1]} |")
    return [*lines, ""]


def _md_breakdowns(data: ReportData) -> list[str]:
    lines = ["## By outlet", "", "| Outlet | Articles |", "|---|---:|"]
    lines += [f"| {_md(o)} | {n} |" for o, n in data.by_outlet]
    lines += ["", "## By language", "", "| Language | Articles |", "|---|---:|"]
    lines += [f"| {_language(code)} | {n} |" for code, n in data.by_language]
    return [*lines, ""]


def _md_stories(data: ReportData) -> list[str]:
    lines = ["## Top stories", ""]
    for group in data.clusters[:TOP_STORIES]:
        lead = group["articles"][0]
        lines.append(f"- {lead['published_date'] or 'undated'} · {_md(lead['outlet'])}: {_md_link(lead)}")
        lines += [f"  - copy: {c['published_date'] or 'undated'} · {_md(c['outlet'])}: {_md_link(c)} "
                  f"({_copy_kind(c)})" for c in group["articles"][1:]]
    return [*lines, ""]


def _md_articles(data: ReportData) -> list[str]:
    lines = ["## Every relevant article", "", "| Date | Outlet | Title | People | Snippet |", "|---|---|---|---|---|"]
    lines += [f"| {a.get('published_date') or 'undated'} | {_md(a['outlet'])} | {_md_link(a)}"
              + (f" ([archived]({data.archived[a['id']]}))" if a["id"] in data.archived else "")
              + f" | {_md(_people(a, data.kinds))} | {_md(_snippet(a))} |" for a in data.articles]
    return lines


def render_markdown(data: ReportData) -> str:
    """The same content as the HTML, for e-mail, wikis and diffs."""
    first, last = data.period
    period = f" · published {first} to {last}" if first else ""
    lines = [f"# {data.title}", "", f"Generated {data.generated} · {_filters_line(data.filters)}{period} · "
             f"{data.total_articles} articles stored", ""]
    if not data.articles:
        return "\n".join([*lines, f"**{_empty_sentence(data)}**"]) + "\n"
    lines += _md_numbers(data) + _md_weekly(data) + _md_cases(data) + _md_breakdowns(data) + _md_stories(data)
    lines += _md_articles(data)
    return "\n".join(lines) + "\n"


# ---- files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    articles: int
    csv: Path | None = None
    jsonl: Path | None = None
    archived: int = 0  # relevant articles whose archived copy is in archive/ beside the report


ARCHIVE_FOLDER = "archive"
_COPY_NAME = re.compile(r"^[0-9a-f]{20}\.html$")


def write_archived_copies(store: Store, out_dir: Path, articles: list[dict],
                          archive_dir: Path | None = None) -> dict[str, str]:
    """Each article's page as fetched, from its WARC record, as `archive/<id>.html` beside
    the report (the bytes as served: the file's SHA-1 is the row's html_sha1); returns the
    relative link of each. Copies a previous report left there are replaced."""
    folder = out_dir / ARCHIVE_FOLDER
    if folder.is_dir():
        for old in folder.iterdir():
            if _COPY_NAME.match(old.name):
                old.unlink()
    links: dict[str, str] = {}
    for article_id, body in page_copies(store, store.archive_folder(archive_dir), articles):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{article_id}.html").write_bytes(body)
        links[article_id] = f"{ARCHIVE_FOLDER}/{article_id}.html"
    return links


def write_report(store: Store, out_dir: Path, filters: ArticleFilters | None = None,
                 title: str = "Coverage report", *, archive_dir: Path | None = None,
                 archived_copies: bool = True) -> ReportFiles:
    """Write report.html, report.md, report.csv and report.jsonl into `out_dir`, and with
    `archived_copies` each relevant article's page as fetched into `out_dir/archive/`
    (when the evidence archive has it), linked from both reports."""
    filters = filters or ArticleFilters()
    data = gather(store, filters, title)
    out_dir.mkdir(parents=True, exist_ok=True)
    if archived_copies:
        data.archived = write_archived_copies(store, out_dir, data.articles, archive_dir)
    paths = {suffix: out_dir / f"report.{suffix}" for suffix in ("html", "md", "csv", "jsonl")}
    paths["html"].write_text(render_html(data), encoding="utf-8")
    paths["md"].write_text(render_markdown(data), encoding="utf-8")
    relevant = ArticleFilters(**{**filters.__dict__, "relevant": True})
    for suffix, writer in (("csv", write_csv), ("jsonl", write_jsonl)):
        with paths[suffix].open("w", encoding="utf-8", newline="") as handle:
            writer(store.articles.select(relevant, order="published_date asc"), handle)
    return ReportFiles(paths["html"], paths["md"], len(data.articles), paths["csv"], paths["jsonl"],
                       len(data.archived))
