"""The discovery ledger: how far each backfill source got, so a backfill killed at any
moment (kill -9) resumes without asking a finished window again and without losing the
URLs a finished window found.

A cursor per (source, query, window): `complete`, `split`, `truncated`, `failed`, or
`partial` with the resume key of the next page. The URLs a window handed to the crawl are
written in the same transaction as its cursor (`discovered_urls`, with the `lead` the
crawl needs to ask for them again) and marked settled once their fetch ended (stored,
skipped or failed): the unsettled ones are asked for again on resume.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlite_utils

from scraper.store.rows import now_iso

SETTLED_STATUSES = ("complete", "split", "truncated")  # a window with one of these is never asked again


class DiscoveryLedger:
    """The `discovery_cursors` and `discovered_urls` tables."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn

    def cursors(self, source: str, query: str) -> dict[str, tuple[str, str | None]]:
        """{window: (status, resume_key)} of one source's query."""
        rows = self.conn.execute("select window, status, resume_key from discovery_cursors "
                                 "where source = ? and query = ?", [source, query])
        return {window: (status, resume_key) for window, status, resume_key in rows}

    def record_window(self, source: str, query: str, window: str, status: str, *, resume_key: str | None = None,
                      returned: int = 0, leads: Iterable[tuple[str, dict]] = ()) -> int:
        """One answered window (or page of one) and the URLs it found, in one transaction.
        A URL already in the ledger keeps its first lead. Returns the URLs new to the ledger."""
        stamp = now_iso()
        added = 0
        with self.db.atomic():
            self.conn.execute(
                "insert into discovery_cursors (source, query, window, status, resume_key, returned, updated) "
                "values (?, ?, ?, ?, ?, ?, ?) on conflict(source, query, window) do update set "
                "status = excluded.status, resume_key = excluded.resume_key, "
                "returned = coalesce(returned, 0) + excluded.returned, updated = excluded.updated",
                [source, query, window, status, resume_key, returned, stamp])
            for url, lead in leads:
                cursor = self.conn.execute(
                    "insert or ignore into discovered_urls (url, source, query, window, lead, found, settled) "
                    "values (?, ?, ?, ?, ?, ?, 0)",
                    [url, source, query, window, json.dumps(lead, ensure_ascii=False, sort_keys=True), stamp])
                added += cursor.rowcount
        return added

    def unsettled(self, sources: Iterable[str]) -> list[tuple[str, str, dict]]:
        """(source, url, lead) of every URL found by these sources whose fetch never settled."""
        chosen = list(sources)
        if not chosen:
            return []
        marks = ", ".join("?" for _ in chosen)
        rows = self.conn.execute(f"select source, url, lead from discovered_urls where settled = 0 "
                                 f"and source in ({marks}) order by found, url", chosen)
        return [(source, url, json.loads(lead)) for source, url, lead in rows]

    def settle(self, urls: Iterable[str]) -> int:
        """Mark fetches as settled (their article stored, or the page skipped or failed)."""
        batch = [[url] for url in dict.fromkeys(urls)]
        if not batch:
            return 0
        with self.db.atomic():
            self.conn.executemany("update discovered_urls set settled = 1 where url = ? and settled = 0", batch)
        return len(batch)

    def summary(self) -> dict[str, dict[str, int]]:
        """{source: {window status: count, "urls": n, "unsettled": n}} for `stats`."""
        result: dict[str, dict[str, int]] = {}
        for source, status, n in self.conn.execute(
                "select source, status, count(*) from discovery_cursors group by source, status"):
            result.setdefault(source, {})[status] = n
        for source, total, unsettled in self.conn.execute(
                "select source, count(*), sum(settled = 0) from discovered_urls group by source"):
            result.setdefault(source, {}).update(urls=total, unsettled=int(unsettled or 0))
        return result
