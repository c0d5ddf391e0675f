"""Commands that work on pages and rows without crawling: rematch, extract."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scraper.cli import printing
from scraper.cli.options import db_option, json_option, watchlist_option, watchlist_path
from scraper.store import Store


@click.command()
@db_option()
@watchlist_option
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@json_option
def rematch(db, watchlist, dry_run, as_json) -> None:
    """Match every stored article again after a watchlist change (no crawling)."""
    from scraper.analysis.rematch import rematch as run_rematch
    from scraper.match import load_watchlist

    watchlist = watchlist_path(watchlist)
    watch = load_watchlist(watchlist)
    Store(db, readonly=True).close()  # a missing or foreign file is an error, never a new database
    store = Store(db, readonly=dry_run)
    try:
        summary = run_rematch(store, watch, dry_run=dry_run)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"database": str(db), "watchlist": str(watchlist), **summary.as_dict()},
                              ensure_ascii=False, indent=2))
    else:
        printing.rematch_summary(summary, watchlist, db)


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--url", help="The URL the page was fetched from.")
@click.option("--fetched-at", help="When the page was fetched (ISO 8601 with offset).")
@click.option("--manifest", type=click.Path(path_type=Path), help="JSON Lines of {id, path, url, fetched_at?}.")
@watchlist_option
def extract(file, url, fetched_at, manifest, watchlist) -> None:
    """Extract saved pages and print one JSON object per page (JSON Lines)."""
    if bool(file) == bool(manifest):
        raise click.UsageError("give either FILE or --manifest M.jsonl")
    from scraper.analysis.saved import extract_saved, manifest_pages, one_page
    from scraper.match import load_watchlist

    watch = load_watchlist(watchlist_path(watchlist))
    jobs = one_page(file, url, fetched_at) if file else manifest_pages(manifest)
    for row in extract_saved(jobs, watch):
        click.echo(json.dumps(row, ensure_ascii=False))
