"""HTTP validators per fetched URL (ETag, Last-Modified, body hash), for conditional GET."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlite_utils

from scraper.store.rows import now_iso, one

REMEMBER_URL = """
    insert into http_cache (url, etag, last_modified, body_sha1, article_id, updated, warc_file, warc_offset,
                            warc_length) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict(url) do update set etag = excluded.etag, last_modified = excluded.last_modified,
        body_sha1 = excluded.body_sha1, article_id = excluded.article_id, updated = excluded.updated,
        warc_file = coalesce(excluded.warc_file, warc_file), warc_offset = coalesce(excluded.warc_offset, warc_offset),
        warc_length = coalesce(excluded.warc_length, warc_length)
"""


class HttpCache:
    """The `http_cache` table."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def validators(self, url: str) -> dict | None:
        """ETag / Last-Modified / body hash last seen for a URL, for conditional GET."""
        return one(self.db.conn, "select * from http_cache where url = ?", [url])

    def rows(self) -> Iterator[dict]:
        """Every URL's validators (streamed)."""
        yield from self.db.query("select url, etag, last_modified, body_sha1, article_id, warc_file, warc_offset, "
                                 "warc_length from http_cache")

    def remember_article(self, record: dict, seen_at: str) -> None:
        """The fetched URL's validators, written with the article itself (inside its
        transaction): a crawl killed right after this commit does not fetch the page in
        full again."""
        validators = record.get("validators") or {}
        self.db.conn.execute(REMEMBER_URL, [record["url"], validators.get("etag"), validators.get("last_modified"),
                                            record.get("html_sha1"), record["id"], seen_at, record.get("warc_file"),
                                            record.get("warc_offset"), record.get("warc_length")])

    def remember(self, rows: Iterable[dict]) -> int:
        """Store validators of navigation pages (feeds, sitemaps, listings) in one go;
        called only when a run finished, so a killed run re-walks them next time."""
        stamp = now_iso()
        batch = [{**row, "updated": stamp} for row in rows]
        if batch:
            with self.db.atomic():
                self.db["http_cache"].upsert_all(batch, pk="url", alter=False)
        return len(batch)
