"""How values travel between records and rows: JSON lists, 0/1 booleans, UTC stamps, and
the plain statements the per-article write path uses (no sqlite-utils introspection per
call: the caller's transaction already covers them)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from scraper.record import JSON_FIELDS, WRITTEN

WARC_COLUMNS = ("warc_file", "warc_offset", "warc_length")  # a record's place in the archive
PROVENANCE_COLUMNS = ("fetched_from", "archive_url", "archived_at")  # where a stored text came from


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def dumps(value: Any) -> str:
    """A list as stored: JSON text, `[]` for None."""
    return json.dumps(value if value is not None else [], ensure_ascii=False)


def decode_row(row: dict) -> dict:
    """A row as a record: JSON lists decoded, `relevant` a bool."""
    for column in JSON_FIELDS:
        if column in row and isinstance(row[column], str):
            with contextlib.suppress(json.JSONDecodeError):
                row[column] = json.loads(row[column])
    if "relevant" in row and row["relevant"] is not None:
        row["relevant"] = bool(row["relevant"])
    return row


def row_from_record(record: dict, **extra: Any) -> dict:
    """The `articles` columns a record carries, encoded for SQLite, plus `extra`."""
    row = {column: record.get(column) for column in WRITTEN if column in record}
    for column in JSON_FIELDS:
        if column in row:
            row[column] = dumps(row[column])
    if "relevant" in row:
        row["relevant"] = int(bool(row["relevant"]))
    row.update(extra)
    return row


def one(conn: sqlite3.Connection, sql: str, params: list) -> dict | None:
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


def write(conn: sqlite3.Connection, verb: str, table: str, row: dict) -> None:
    """`verb` is "insert into" or "insert or replace into"."""
    columns = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"{verb} [{table}] ({columns}) values ({marks})", list(row.values()))
