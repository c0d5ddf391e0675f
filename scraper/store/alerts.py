"""The alert queue in SQLite: which new relevant articles still have to be announced, per channel.

An alert row per article (unique), with one flag per channel: 0 pending, 1 sent. The
table is created by the schema (migration 0009); delivery lives in scraper.runs.alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import sqlite_utils

CHANNELS = ("webhook", "email", "atom")
PAYLOAD_KEYS = ("url", "title", "outlet", "published", "matched", "summary", "authors")
SUMMARY_CHARS = 300


def _now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _json_list(value: object) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return [value]
    return list(value) if isinstance(value, list | tuple) else []


def payload_of(article: dict) -> dict:
    """What an alert says about an article (stored once, so a later edit of the article does not change it)."""
    summary = (article.get("description") or "").strip()
    if not summary:
        text = " ".join((article.get("text") or "").split())
        summary = text[:SUMMARY_CHARS] + ("…" if len(text) > SUMMARY_CHARS else "")
    return {
        "url": article.get("canonical_url") or article.get("url"),
        "title": article.get("title") or "",
        "outlet": article.get("outlet") or "",
        "published": article.get("published"),
        "matched": _json_list(article.get("matched")),
        "summary": summary,
        "authors": _json_list(article.get("authors")),
    }


class AlertQueue:
    """Pending alerts per channel; `enqueue` ignores articles already queued once."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.table = db.table("alerts")

    @staticmethod
    def _flag(channel: str) -> str:
        if channel not in CHANNELS:
            raise ValueError(f"unknown alert channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        return "atom_written" if channel == "atom" else f"{channel}_sent"

    def enqueue(self, articles: Iterable[dict], run_id: int | None, *, created: str | None = None) -> int:
        """Queue article rows (from the articles table); returns how many were new to the queue."""
        created = created or _now_iso()
        rows = [
            {"article_id": a["id"], "run_id": run_id, "created": created,
             "payload": json.dumps(payload_of(a), ensure_ascii=False)}
            for a in articles
        ]
        before = self.table.count
        with self.db.atomic():
            self.table.insert_all(rows, ignore=True)
        return self.table.count - before

    def new_relevant_since(self, since: str) -> list[dict]:
        """Relevant articles first seen at or after `since` (ISO, UTC) that were never queued."""
        return list(self.db.query(
            "select * from articles where relevant = 1 and first_seen >= ? "
            "and id not in (select article_id from alerts) order by first_seen, rowid",
            [since],
        ))

    def enqueue_run(self, run_id: int) -> int:
        """Queue the relevant articles a crawl run found first (its start from crawl_runs)."""
        rows = list(self.db.query("select started from crawl_runs where id = ?", [run_id]))
        if not rows or not rows[0]["started"]:
            return 0
        return self.enqueue(self.new_relevant_since(rows[0]["started"]), run_id)

    def _decode(self, row: dict) -> dict:
        return {**row, "payload": json.loads(row["payload"])}

    def pending(self, channel: str) -> list[dict]:
        """Alerts not yet delivered on `channel`, oldest first, payload decoded."""
        flag = self._flag(channel)
        rows = self.db.query(f"select * from alerts where coalesce({flag}, 0) = 0 order by id", [])
        return [self._decode(r) for r in rows]

    def recent(self, limit: int) -> list[dict]:
        """The newest `limit` alerts, newest first (what the Atom feed shows)."""
        rows = self.db.query("select * from alerts order by created desc, id desc limit ?", [limit])
        return [self._decode(r) for r in rows]

    def mark_sent(self, ids: Iterable[int], channel: str) -> None:
        flag = self._flag(channel)
        ids = list(ids)
        with self.db.atomic():
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                self.db.execute(f"update alerts set {flag} = 1 where id in ({marks})", chunk)
