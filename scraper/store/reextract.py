"""The progress of `reextract` runs: a cursor per run, committed with each batch's updates.

A run goes through the selected articles in id order, a batch at a time. Each batch's
article updates, the run's cursor (the last id done), its counters and the batch's
changes are one transaction, so a run killed at any moment, started again with the same
selection, continues after the last committed batch and still reports every change it
made (`changes`), as one run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import sqlite_utils

from scraper.store.rows import now_iso, one


@dataclass
class ReextractRun:
    """One run: its row id, where it stands, its counters so far, and whether it resumed a killed run."""

    id: int
    cursor: str = ""
    counts: dict = field(default_factory=dict)
    resumed: bool = False


class ReextractRuns:
    """The `reextract_runs` and `reextract_changes` tables (migration 0012)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.conn = db.conn

    def open(self, selection: str, *, restart: bool = False) -> ReextractRun:
        """The unfinished run of this selection (a killed one) to continue, else a new one.
        `restart`: abandon an unfinished one and start from the first article."""
        with self.db.atomic():
            if restart:
                self.conn.execute("update reextract_runs set status = 'abandoned', finished = ? "
                                  "where status = 'running' and selection = ?", [now_iso(), selection])
            row = one(self.conn, "select id, cursor, counts from reextract_runs where status = 'running' "
                                 "and selection = ? order by id desc limit 1", [selection])
            if row is not None:
                return ReextractRun(row["id"], row["cursor"], json.loads(row["counts"] or "{}"), resumed=True)
            cursor = self.conn.execute("insert into reextract_runs (started, status, selection) values (?, ?, ?)",
                                       [now_iso(), "running", selection])
            return ReextractRun(cursor.lastrowid)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for a batch: its article updates and `checkpoint`."""
        with self.db.atomic():
            yield

    def checkpoint(self, run: ReextractRun, changes: Iterable[tuple[str, dict]]) -> None:
        """Record where the run stands (`run.cursor`, `run.counts`) and the batch's changes;
        call it inside `batch()`, after the batch's updates."""
        self.conn.execute("update reextract_runs set cursor = ?, counts = ? where id = ?",
                          [run.cursor, json.dumps(run.counts), run.id])
        self.conn.executemany("insert or replace into reextract_changes (run_id, article_id, change) values (?, ?, ?)",
                              [(run.id, article_id, json.dumps(change, ensure_ascii=False))
                               for article_id, change in changes])

    def finish(self, run: ReextractRun) -> None:
        with self.db.atomic():
            self.conn.execute("update reextract_runs set status = 'finished', finished = ?, cursor = ?, counts = ? "
                              "where id = ?", [now_iso(), run.cursor, json.dumps(run.counts), run.id])

    def changes(self, run_id: int) -> Iterator[dict]:
        """The run's changes, by article id (the order it went through them)."""
        for (change,) in self.conn.execute("select change from reextract_changes where run_id = ? "
                                           "order by article_id", [run_id]):
            yield json.loads(change)
