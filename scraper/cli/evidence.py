"""Commands on the evidence archive: verify, reextract, show (export --format warc is with export)."""

from __future__ import annotations

import json

import click

from scraper.cli import printing
from scraper.cli.options import (
    archive_dir_option,
    article_filters,
    db_option,
    filter_options,
    json_option,
    watchlist_option,
    watchlist_path,
)
from scraper.errors import NewswatchError
from scraper.store import Store


@click.command()
@db_option()
@archive_dir_option
@json_option
def verify(db, archive_dir, as_json) -> None:
    """Read every article and revision row's record in the WARC archive and check it
    (complete, digests, the row's page); exit status 1 on any problem."""
    from scraper.analysis.evidence import verify as run_verify

    store = Store(db, readonly=True)
    try:
        folder = store.archive_folder(archive_dir)
        report = run_verify(store, folder)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"database": str(db), **report.as_dict()}, ensure_ascii=False, indent=2))
    else:
        printing.verify_report(report, db)
    if not report.passed:
        raise NewswatchError(f"{len(report.problems)} row(s) without a good record in {folder}", exit_code=1)


@click.command()
@db_option()
@watchlist_option
@archive_dir_option
@filter_options
@click.option("--relevant/--all", "relevant", default=None, help="Only relevant articles (or all).")
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@click.option("--restart", is_flag=True,
              help="Start from the first article, even when a stopped run of the same selection could continue.")
@click.option("--workers", type=click.IntRange(0), default=None,
              help="Extraction worker processes (default: one per core; 0: in this process).")
@json_option
def reextract(db, watchlist, archive_dir, person, outlet, kind, language, since, until, relevant, dry_run, restart,
              workers, as_json) -> None:
    """Extract stored articles again from their archived pages (no request is sent) and
    store what changed: text (a new revision), fields, verdict, mentions, clusters.
    A stopped run, started again with the same filters, continues where it stopped."""
    from scraper.analysis.reextract import reextract as run_reextract
    from scraper.crawling.extraction_pool import BatchExtractor
    from scraper.match import load_watchlist

    watchlist = watchlist_path(watchlist)
    load_watchlist(watchlist)  # a bad watchlist fails here, not in every worker
    filters = article_filters(person, outlet, kind, language, since, until, relevant or None, watchlist)
    Store(db, readonly=True).close()  # a missing or foreign file is an error, never a new database
    store = Store(db, readonly=dry_run)
    try:
        folder = store.archive_folder(archive_dir)
        with BatchExtractor(str(watchlist), workers) as pool:
            summary = run_reextract(store, folder, pool, filters=filters, dry_run=dry_run, restart=restart)
            summary.workers = pool.workers
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"database": str(db), "archive": str(folder), "watchlist": str(watchlist),
                               **summary.as_dict()}, ensure_ascii=False, indent=2, default=str))
    else:
        printing.reextract_summary(summary, db, folder)


@click.command()
@click.argument("article")
@db_option()
@archive_dir_option
@click.option("--raw", is_flag=True,
              help="The page as fetched: the archived HTTP response (status line, headers, body), as bytes.")
@click.option("--revision", type=click.IntRange(1), help="An earlier version of the article (see its revisions).")
@json_option
def show(article, db, archive_dir, raw, revision, as_json) -> None:
    """Print one article (an id, as search --json gives it, or a URL): its stored fields
    and text, or with --raw the page as it was fetched."""
    from scraper.analysis.evidence import archived_page, find_article

    store = Store(db, readonly=True)
    try:
        article_id = find_article(store, article)
        if raw:
            record = archived_page(store, store.archive_folder(archive_dir), article_id, revision)
            out = click.get_binary_stream("stdout")
            out.write(record.http_message)
            out.flush()
            return
        row = store.articles.get(article_id)
        row.pop("signature", None)
        row["mentions"] = store.articles.mentions_of(article_id)
        row["revision_list"] = store.articles.revisions_of(article_id)
        if revision is not None:
            version = store.articles.revision(article_id, revision)
            if version is None:
                raise NewswatchError(f"article {article_id} has no revision {revision} "
                                     f"(it has {len(row['revision_list'])})")
            row["shown_revision"] = version
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2, default=str))
    else:
        printing.article_fields(row)
