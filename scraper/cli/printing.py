"""What the commands print: summaries, tables and CSV (rich for the terminal)."""

from __future__ import annotations

import csv
import re
from typing import TextIO

import click

from scraper.store import Store

SEARCH_CSV_COLUMNS = ("rank", "published_date", "outlet", "outlet_kind", "language", "title", "url", "relevant",
                      "relevance", "matched", "snippet")


def crawl_summary(summary, store: Store) -> None:
    """After a crawl (local or distributed): what it fetched and stored, and what the
    database now holds."""
    stats = store.reports.stats()
    out = click.echo
    out(f"crawl run #{summary.run_id} {summary.status} in {summary.seconds:.1f}s")
    out(f"  pages fetched:     {summary.pages_fetched} ({summary.pages_downloaded} in full, "
        f"{summary.not_modified} not modified)")
    out(f"  articles seen:     {summary.articles_seen} ({summary.articles_new} new, "
        f"{summary.articles_updated} updated)")
    out(f"  articles stored:   {stats['articles']} in {stats['database']}")
    out(f"  unique stories:    {stats['unique_stories']} ({stats['duplicates']} copies folded into them)")
    out(f"  relevant articles: {stats['relevant']}")
    if stats["by_entry"]:
        out("  relevant articles per documentary / featured person:")
        for entry, n in stats["by_entry"].items():
            out(f"    {n:4d}  {entry}")
    if stats["by_supporting"]:
        out("  supporting entities named in relevant articles: "
            + ", ".join(f"{entry} ({n})" for entry, n in stats["by_supporting"].items()))
    if stats["relevant_by_outlet"]:
        out("  relevant articles per outlet (of all stored):")
        for outlet, n in stats["outlets"].items():
            out(f"    {stats['relevant_by_outlet'].get(outlet, 0):4d} / {n:<4d} {outlet}")
    if getattr(summary, "discovery", None):
        discovery_summary(summary.discovery, stats)
    if summary.errors:
        out("  errors: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.errors.items())))
    if summary.alerts is not None:
        report = summary.alerts
        sent = ", ".join(f"{channel} {n}" for channel, n in sorted(report.sent.items())) or "nothing to send"
        waiting = ", ".join(f"{channel} {n}" for channel, n in sorted(report.pending.items()) if n)
        out(f"  alerts: {report.queued} new relevant articles queued; sent: {sent}"
            + (f"; still pending: {waiting}" if waiting else ""))


def discovery_summary(discovery: dict, stats: dict) -> None:
    """What a run's discovery sources did and added (a backfill, `crawl --discover`)."""
    out = click.echo
    windows = discovery["windows"]
    out(f"  discovery windows: {windows['answered']} answered, {windows['resumed']} finished before, "
        f"{windows['failed']} failed, {windows['truncated']} truncated; {discovery['urls_found']} URLs found, "
        f"{discovery['service_retries']} service retries")
    if discovery["gone"]:
        out(f"  gone from their site: {discovery['gone']} articles, {discovery['rescued']} rescued from the archive")
    out("  added by this run, by source (new articles / relevant / of them from an archive):")
    for way, added in sorted(discovery["added"].items()):
        extra = f", {added['copies_of_live']} archived copies of live articles" if added.get("copies_of_live") else ""
        out(f"    {way:<12} {added['articles']:4d} / {added['relevant']:4d} / {added['archived']:4d}{extra}")
    unlisted = stats.get("unlisted_outlets") or {}
    if unlisted.get("outlets"):
        out(f"  outlets not in sources.toml: {unlisted['outlets']} ({unlisted['outlets_with_relevant']} with relevant "
            f"articles, {unlisted['relevant']} relevant of {unlisted['articles']})")


def frontier_report(report: dict) -> None:
    out = click.echo
    out(f"frontier {report['prefix']}: {'crawling' if report['crawling'] else 'idle'}"
        + (f" (seeded {report['seeded_at']}, {report['strategies']})" if report["seeded_at"] else ""))
    out(f"  requests queued:     {report['queued']}")
    out(f"  requests in flight:  {report['in_flight']}")
    out(f"  workers alive:       {report['workers']}")
    out(f"  URLs seen:           {report['urls_seen']}")
    out(f"  records for ingest:  {report['records_waiting']}"
        + ("" if report["writer_running"] else " (no `newswatch ingest` running)"))


def one_line(text: str | None) -> str:
    """Snippets span paragraphs; a table cell or a CSV field reads better on one line."""
    return " ".join((text or "").split())


def _highlighted(snippet: str):
    """FTS5 marks each hit as [word]; show it in bold yellow instead of brackets."""
    from rich.text import Text

    text = Text()
    for i, piece in enumerate(re.split(r"\[([^\[\]]*)\]", snippet)):
        text.append(piece, style="bold yellow" if i % 2 else None)
    return text


def search_table(query: str, rows: list[dict]) -> None:
    """A table that stays readable in an 80-column terminal: the snippet gets the room."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print(f"no results for {query!r}")
        return
    table = Table(title=f"{len(rows)} result(s) for {query!r}, best first", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", ratio=1, overflow="fold")
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3, overflow="fold")
    table.add_column("rel.", no_wrap=True)
    for n, row in enumerate(rows, 1):
        table.add_row(str(n), row.get("published_date") or "", row["outlet"], row.get("title") or row["url"],
                      _highlighted(one_line(row.get("snippet"))), "yes" if row.get("relevant") else "")
    console.print(table)


def search_csv(rows: list[dict], out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(SEARCH_CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        values = {**row, "rank": n, "matched": "; ".join(row.get("matched") or []),
                  "relevant": int(bool(row.get("relevant"))), "snippet": one_line(row.get("snippet"))}
        writer.writerow([values.get(column) for column in SEARCH_CSV_COLUMNS])


def database_stats(numbers: dict) -> None:
    click.echo(f"{numbers['articles']} articles ({numbers['relevant']} relevant) in {numbers['database']}")
    click.echo(f"published {numbers['first_published']} .. {numbers['last_published']}, "
               f"{numbers['undated']} undated")
    for title, key in (("by entry", "by_entry"), ("by outlet", "outlets"), ("by language", "by_language")):
        click.echo(f"{title}:")
        for name, n in numbers[key].items():
            click.echo(f"  {n:5d}  {name}")
    run = numbers["last_run"]
    if run:
        click.echo(f"last run #{run['id']} {run['status']}: started {run['started']}, "
                   f"{run['pages_fetched'] or 0} pages, {run['articles_new'] or 0} new articles")


def rematch_summary(summary, watchlist, db) -> None:
    out = click.echo
    out(f"rematched {summary.articles} articles in {db} with {watchlist}: "
        f"{summary.relevant_before} relevant before, {summary.relevant_after} after")
    counts = summary.counts()
    out("  " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + ("; dry run, nothing stored" if summary.dry_run else f"; {summary.updated} rows updated"))
    if summary.skipped:
        out(f"  {summary.skipped} article(s) changed by a crawl meanwhile were left alone; run rematch again")
    marks = {"became relevant": "+", "no longer relevant": "-", "entries changed": "~"}
    for kind, mark in marks.items():
        if counts[kind]:
            out(f"{kind}:")
        for change in summary.of_kind(kind):
            entries = [f"+{e}" for e in change.added] + [f"-{e}" for e in change.removed]
            out(f"  {mark} [{change.outlet}] {change.title or change.url}")
            out(f"      {change.url}  relevance {change.relevance_before or 0:.2f} -> "
                f"{change.relevance_after:.2f}" + (f"  ({', '.join(entries)})" if entries else ""))
