"""Datasette metadata for `newswatch serve`: titles and descriptions of the tables and
columns, default facets and canned queries, so a communications team can browse the
database without knowing its schema.

Pure: `build_metadata()` returns a dict that `newswatch serve` writes to a temporary JSON
file for `datasette --metadata`. The canned queries are Datasette configuration (read-only
SQL a user runs from the browser); their SQL lives with the rest in `scraper.store.canned`.
Column descriptions come from the article record (`scraper.record`).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from scraper.record import MENTION_FIELDS, descriptions
from scraper.store.canned import (
    COVERAGE_BY_CASE,
    COVERAGE_BY_MONTH,
    COVERAGE_BY_OUTLET,
    NEW_THIS_WEEK,
    SYNDICATED_COPIES,
)

QUERIES = {
    "coverage_by_case": ("Coverage by case", COVERAGE_BY_CASE,
                         "Relevant articles, unique stories and outlets per documentary and featured person, "
                         "with the first and the latest mention."),
    "coverage_by_outlet": ("Coverage by outlet", COVERAGE_BY_OUTLET,
                           "Articles stored and relevant articles per outlet."),
    "coverage_by_month": ("Coverage by month", COVERAGE_BY_MONTH,
                          "Articles stored and relevant articles per month of publication."),
    "new_this_week": ("New this week", NEW_THIS_WEEK,
                      "Relevant articles first stored in the last 7 days, newest first."),
    "syndicated_copies": ("Syndicated copies of a story", SYNDICATED_COPIES,
                          "Stories published more than once (syndicated or reworded copies), the original first. "
                          "Type words of the original's title, or its id, to see one story; leave empty for all."),
}


def _query(title: str, sql: str, description: str) -> dict:
    return {"title": title, "sql": sql.strip(), "description": description, "hide_sql": True}


def build_metadata(database: str, title: str = "newswatch: press coverage") -> dict:
    """Datasette metadata for the database file whose stem is `database` (Datasette names
    a database after its file)."""
    return {
        "title": title,
        "description": "Articles crawled from the outlets of sources.toml and matched against the watchlist "
                       "(read-only). Open the database for its canned queries: coverage by case, by outlet, "
                       "by month, new this week, syndicated copies; or the articles table with its facets.",
        "databases": {
            database: {
                "description": "Stored news articles, the watchlist mentions found in them, and crawl runs.",
                "tables": _tables(),
                "queries": {name: _query(*spec) for name, spec in QUERIES.items()},
            }
        },
    }


def _tables() -> dict:
    return {
        "articles": {
            "title": "Articles",
            "description": "One row per article (canonical URL). relevant = 1 marks coverage of the watchlist; "
                           "copies of one story share cluster_id.",
            "columns": dict(descriptions()),
            "facets": ["outlet", {"array": "matched"}, "language", "published_month", "outlet_kind",
                       "relevant"],
            "sort_desc": "published_date",
            "label_column": "title",
        },
        "mentions": {
            "title": "Mentions",
            "description": "One row per article and watchlist entry it mentions, with the evidence.",
            "columns": {f.name: f.description for f in MENTION_FIELDS},
            "facets": ["entry", "kind"],
        },
        "revisions": {"title": "Revisions", "description": "Every stored version of an article's text."},
        "crawl_runs": {"title": "Crawl runs", "description": "One row per crawl: counters and errors by kind.",
                       "sort_desc": "id"},
        "http_cache": {"title": "HTTP validators",
                       "description": "ETag / Last-Modified per fetched URL, for conditional GET on re-crawls."},
        "alerts": {"title": "Alerts", "description": "New relevant articles queued for each alert channel."},
        "meta": {"title": "About this database", "description": "Facts about the database itself: archive_folder is "
                                                                 "where its WARC archive (each page as fetched) is."},
        "reextract_runs": {"title": "Re-extraction runs",
                           "description": "One row per `newswatch reextract` run: its filters, where it stands "
                                          "(the last article done) and its counts.", "sort_desc": "id"},
        "reextract_changes": {"hidden": True},  # each run's per-article changes (its --json output)
        "_sqlite_migrations": {"hidden": True},
        "article_filters": {"hidden": True},  # search's narrow copy of the filter columns (kept by triggers)
        "lsh_bands": {"hidden": True},  # the near-duplicate index (scraper.store.clusters)
        "cluster_nodes": {"hidden": True},  # its narrow copy of each clustered article
    }


def _run_until_stopped(args: list[str]) -> int:
    """Run a child until it exits; SIGTERM (and Ctrl-C) stop it too, so the caller's
    clean-up runs and no orphan server is left behind."""
    child = subprocess.Popen(args)
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: child.terminate())
    try:
        code = child.wait()
    except KeyboardInterrupt:
        child.terminate()
        code = child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if code < 0 else code


def serve(db: Path, *, host: str, port: int, title: str) -> int:
    """Datasette on the database, read-only, with this metadata, until stopped; its exit status."""
    with tempfile.TemporaryDirectory(prefix="newswatch-serve-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(build_metadata(Path(db).stem, title), indent=2), encoding="utf-8")
        # Not --immutable: an immutable database ignores its WAL, so a crawl's recent commits
        # would be invisible. Datasette opens a mutable file with mode=ro: read-only all the same.
        return _run_until_stopped([sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(metadata),
                                   "--setting", "truncate_cells_html", "200", "--host", host, "--port", str(port)])
