"""The `crawl_runs` table: one row per crawl, written by the run ledger (scraper.runs)."""

from __future__ import annotations

import json

import sqlite_utils

from scraper.store.rows import dumps, now_iso


class Runs:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def mark_interrupted(self) -> int:
        """Runs left 'running' by a crawl that was killed; call only while holding the crawl lock."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update crawl_runs set status = 'interrupted' where status = 'running' and finished is null")
        return cursor.rowcount

    def start(self, spiders: list[str], outlets: list[str]) -> int:
        with self.db.atomic():
            table = self.db["crawl_runs"].insert(
                {
                    "started": now_iso(),
                    "status": "running",
                    "spiders": dumps(spiders),
                    "outlets": dumps(outlets),
                }
            )
        return int(table.last_pk)

    def finish(self, run_id: int, status: str, counters: dict[str, int], errors: dict[str, int],
               details: dict | None = None, skipped: dict[str, int] | None = None) -> None:
        fields = {
            "finished": now_iso(),
            "status": status,
            "errors": json.dumps(errors, sort_keys=True),
            "skipped": json.dumps(skipped or {}, sort_keys=True),
            "details": json.dumps(details or {}, sort_keys=True),
        }
        fields.update({k: int(v) for k, v in counters.items() if k in self.db["crawl_runs"].columns_dict})
        with self.db.atomic():
            self.db["crawl_runs"].update(run_id, fields)

    def recent(self, limit: int = 20) -> list[dict]:
        """The newest runs first, `errors` decoded."""
        rows = self.db.query("select * from crawl_runs order by id desc limit ?", [limit])
        return [{**r, "errors": json.loads(r["errors"] or "{}"), "skipped": json.loads(r.get("skipped") or "{}")}
                for r in rows]

    def count(self) -> int:
        return self.db["crawl_runs"].count
