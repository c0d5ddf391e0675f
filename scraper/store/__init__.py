"""The article database: the only package that speaks SQL.

Built on sqlite-utils: named migrations (schema), upserts keyed by the canonical URL's
identity (articles), validators for conditional GET (http_cache), the run rows
(runs), full-text search (search), report and stats aggregates (reports), the
near-duplicate index (clusters), the alert queue (alerts), the backfill's cursors
(discovery), where the WARC archive is (meta) and the progress of re-extraction runs
(reextract). WAL, so readers (search,
report, Datasette) work while a crawl writes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from scraper.archive import default_folder
from scraper.errors import NewswatchError
from scraper.store.alerts import AlertQueue
from scraper.store.articles import Articles, SaveResult
from scraper.store.clusters import ClusterIndex
from scraper.store.discovery import DiscoveryLedger
from scraper.store.filters import ArticleFilters
from scraper.store.http_cache import HttpCache
from scraper.store.meta import Meta
from scraper.store.reextract import ReextractRuns
from scraper.store.reports import Reports
from scraper.store.runs import Runs
from scraper.store.schema import migrations
from scraper.store.search import Search

__all__ = ["ArticleFilters", "SaveResult", "Store", "archive_folder_of"]

READER_MMAP_BYTES = 1 << 30


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    else:
        # readers (search, report, export) read pages in place instead of copying them
        # through read() into a 2 MB cache: the FTS index of 200,000 articles does not fit.
        # Not for the crawl's writer: touched pages would count in its resident memory.
        conn.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Store:
    """An article database file; opening it for writing applies any pending migrations.

    Its parts, one job each: `articles`, `http_cache`, `runs`, `search` (callable),
    `reports`, `clusters`, `alerts`, `discovery`, `meta`, `reextract`.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly and not self.path.exists():
            raise NewswatchError(f"{self.path}: database not found (run a crawl first)")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite_utils.Database(_connect(self.path, readonly))
            if not readonly:
                migrations.apply(self.db)
            elif not self.db["articles"].exists():
                raise NewswatchError(f"{self.path}: not a newswatch database (no articles table)")
        except sqlite3.DatabaseError as exc:
            raise NewswatchError(f"{self.path}: cannot open database: {exc}") from None
        self.http_cache = HttpCache(self.db)
        self.articles = Articles(self.db, self.http_cache, str(self.path))
        self.runs = Runs(self.db)
        self.search = Search(self.db)
        self.reports = Reports(self.db, self.runs, str(self.path))
        self.clusters = ClusterIndex(self.db.conn)
        self.alerts = AlertQueue(self.db)
        self.discovery = DiscoveryLedger(self.db)
        self.meta = Meta(self.db, self.path)
        self.reextract = ReextractRuns(self.db)

    def archive_folder(self, override: str | Path | None = None) -> Path:
        """The WARC folder of this database: `override` (--archive-dir), else the one its
        crawls recorded, else `warc/` beside it."""
        return Path(override) if override else self.meta.archive_folder()

    def close(self) -> None:
        self.db.conn.close()


def archive_folder_of(db: str | Path, override: str | Path | None = None) -> Path:
    """`Store.archive_folder` for a caller without an open store (a database that does not
    exist yet archives into `warc/` beside it)."""
    if override:
        return Path(override)
    if not Path(db).exists():
        return default_folder(db)
    try:
        store = Store(db, readonly=True)
    except NewswatchError:  # not a newswatch database (yet): the crawl that creates it decides
        return default_folder(db)
    try:
        return store.archive_folder()
    finally:
        store.close()
