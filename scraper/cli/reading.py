"""Commands that read the database: search, export, report, stats, serve."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from scraper.cli import printing
from scraper.cli.options import (
    archive_dir_option,
    article_filters,
    db_option,
    filter_options,
    json_option,
    since_until_options,
    watchlist_option,
)
from scraper.errors import NewswatchError
from scraper.store import Store


@click.command()
@click.argument("query")
@db_option()
@watchlist_option
@filter_options
@click.option("--relevant/--all", "relevant", default=None, help="Only relevant articles (or all).")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table (rank, date, outlet, title, url, ...).")
def search(query, db, watchlist, person, outlet, kind, language, since, until, relevant, limit, as_json,
           as_csv) -> None:
    """Full-text search, best match first (SQLite FTS5 syntax: "a phrase", a OR b, a NOT b,
    NEAR(a b, 10), prefix*, title:word)."""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    # --all (relevant False) means no filter
    filters = article_filters(person, outlet, kind, language, since, until, relevant or None, watchlist)
    store = Store(db, readonly=True)
    rows = store.search(query, filters, limit=limit)
    if as_json:
        for row in rows:
            for bulky in ("text", "signature", "signature_of"):
                row.pop(bulky, None)
            click.echo(json.dumps(row, ensure_ascii=False))
    elif as_csv:
        printing.search_csv(rows, sys.stdout)
    else:
        printing.search_table(query, rows)


@click.command()
@db_option()
@watchlist_option
@filter_options
@click.option("--relevant/--all", "relevant", default=None, help="Only relevant articles (or all).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True,
              help="warc: the articles' pages as fetched, one WARC file (needs -o).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="File to write (default: stdout).")
@archive_dir_option
@click.option("--revisions", is_flag=True, help="With --format warc: every stored version's page, not only the "
                                                "current one.")
def export(db, watchlist, person, outlet, kind, language, since, until, relevant, fmt, output, archive_dir,
           revisions) -> None:
    """Write every matching article as JSON Lines or CSV, streaming; or their archived
    pages as one WARC file (for a client, or replay in pywb)."""
    from exports.export import write_csv, write_jsonl

    # --all (relevant False) means no filter
    filters = article_filters(person, outlet, kind, language, since, until, relevant or None, watchlist)
    if revisions and fmt != "warc":
        raise click.UsageError("--revisions goes with --format warc")
    store = Store(db, readonly=True)
    if fmt == "warc":
        _export_warc(store, filters, output, archive_dir, revisions)
        return
    writer = write_jsonl if fmt == "jsonl" else write_csv
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as handle:
            n = writer(store.articles.select(filters), handle)
        click.echo(f"wrote {n} articles to {output}", err=True)
    else:
        writer(store.articles.select(filters), sys.stdout)


def _export_warc(store: Store, filters, output: Path | None, archive_dir: Path | None, revisions: bool) -> None:
    from scraper.analysis.evidence import export_selection

    if output is None:
        raise click.UsageError("--format warc writes a file: give -o FILE.warc.gz")
    try:
        result = export_selection(store, store.archive_folder(archive_dir), filters, output, revisions=revisions)
    finally:
        store.close()
    click.echo(f"wrote {result.records} records ({result.bytes / 1e6:.1f} MB) to {output}", err=True)
    for location, why in result.missing:
        click.echo(f"  not exported: {location.warc_file} at {location.offset}: {why}", err=True)
    if result.missing:
        raise NewswatchError(f"{len(result.missing)} record(s) could not be read (see `newswatch verify`)",
                             exit_code=1)


@click.command()
@db_option()
@watchlist_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports/latest"), show_default=True)
@click.option("--person", help="Only coverage of this watchlist entry.")
@since_until_options
@click.option("--title", default="Coverage report", show_default=True)
@archive_dir_option
@click.option("--archived-copies/--no-archived-copies", default=True, show_default=True,
              help="Put each relevant article's page as fetched (from the archive) in archive/ beside the report, "
                   "linked from it.")
def report(db, watchlist, out, person, since, until, title, archive_dir, archived_copies) -> None:
    """Write the coverage report of the relevant articles: report.html (self-contained,
    prints on A4), report.md, every relevant article as report.csv and report.jsonl, and
    the archived copy of each page in archive/ (linked from the report)."""
    from exports.report import write_report

    filters = article_filters(person, None, None, None, since, until, True, watchlist)
    store = Store(db, readonly=True)
    started = time.monotonic()
    files = write_report(store, out, filters, title=title, archive_dir=archive_dir, archived_copies=archived_copies)
    store.close()
    copies = f", {files.archived} archived copies in {out / 'archive'}" if files.archived else ""
    click.echo(f"report: {files.html}, {files.markdown}, {files.csv} and {files.jsonl} "
               f"({files.articles} relevant articles{copies}, {time.monotonic() - started:.2f}s)")


@click.command()
@db_option()
@json_option
def stats(db, as_json) -> None:
    """Numbers about the database and the last crawl run."""
    numbers = Store(db, readonly=True).reports.stats()
    if as_json:
        click.echo(json.dumps(numbers, ensure_ascii=False, indent=2, default=str))
    else:
        printing.database_stats(numbers)


@click.command()
@db_option()
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--title", default="newswatch: press coverage", show_default=True, help="Title of the home page.")
def serve(db, port, host, title) -> None:
    """Browse the database in Datasette, read-only, with table and column descriptions,
    facets and canned queries (coverage by case, by outlet, new this week, syndicated copies)."""
    from exports.datasette import serve as serve_datasette

    Store(db, readonly=True).close()
    raise SystemExit(serve_datasette(db, host=host, port=port, title=title))
