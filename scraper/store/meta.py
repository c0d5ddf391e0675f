"""Facts about the database itself, as (key, value) rows: where its WARC archive is.

A crawl records the folder it archives into, so every command that reads the archive
(verify, show, export --format warc, reextract, report) finds the same folder without
being told: `warc/` beside the database by default, the demo's `data/demo-warc/`, or
whatever NEWSWATCH_ARCHIVE_DIR said. A folder inside the database's own folder is kept
relative to it, so moving the two together keeps them paired.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from scraper.archive import default_folder
from scraper.store.rows import now_iso, one

ARCHIVE_FOLDER = "archive_folder"


class Meta:
    """The `meta` table (migration 0012)."""

    def __init__(self, db: sqlite_utils.Database, path: Path) -> None:
        self.db = db
        self.path = path

    def get(self, key: str) -> str | None:
        try:
            row = one(self.db.conn, "select value from meta where key = ?", [key])
        except sqlite3.OperationalError:  # opened read-only before migration 0012 ran: nothing recorded
            return None
        return row["value"] if row else None

    def set(self, key: str, value: str) -> None:
        with self.db.atomic():
            self.db.conn.execute("insert into meta (key, value, updated) values (?, ?, ?) on conflict(key) do update "
                                 "set value = excluded.value, updated = excluded.updated", [key, value, now_iso()])

    def remember_archive_folder(self, folder: str | Path) -> None:
        """Record the folder a crawl archives into (relative to the database's folder when inside it)."""
        folder = Path(folder).resolve()
        base = self.path.resolve().parent
        try:
            value = folder.relative_to(base).as_posix() or "."
        except ValueError:
            value = str(folder)
        if self.get(ARCHIVE_FOLDER) != value:
            self.set(ARCHIVE_FOLDER, value)

    def archive_folder(self) -> Path:
        """The folder recorded by the last crawl that archived, else `warc/` beside the database."""
        value = self.get(ARCHIVE_FOLDER)
        if not value:
            return default_folder(self.path)
        return self.path.resolve().parent / value
