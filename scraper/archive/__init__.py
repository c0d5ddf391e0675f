"""The evidence archive: every stored page as fetched, in gzip-per-record WARC files.

A pure library (no SQL, no Scrapy at import): `WarcArchive` writes captures and returns
where each record is, `read_record`/`verify` read one back with one seek, `export_warc`
copies chosen records into one file, `prune` removes old files no row needs. The store
keeps each record's `Location` (`warc_file`, `warc_offset`, `warc_length`).
"""

from __future__ import annotations

import os
from pathlib import Path

from scraper.archive.export import ExportResult, export_warc
from scraper.archive.files import (
    ArchiveError,
    DamagedArchive,
    Location,
    TailCheck,
    archive_files,
    check_tail,
    truncate_tail,
)
from scraper.archive.reader import (
    IndexEntry,
    Record,
    Verification,
    index_file,
    iter_records,
    read_record,
    verify,
    verify_many,
)
from scraper.archive.retention import PruneResult, prunable, prune, referenced_files
from scraper.archive.writer import (
    DEFAULT_MAX_BYTES,
    Archived,
    Capture,
    WarcArchive,
    archived_headers,
    payload_digest,
)


def default_folder(db_path: str | os.PathLike[str]) -> Path:
    """`warc/` beside the database: `data/demo.db` archives into `data/warc/`."""
    return Path(db_path).resolve().parent / "warc"


__all__ = [
    "DEFAULT_MAX_BYTES",
    "ArchiveError",
    "Archived",
    "Capture",
    "DamagedArchive",
    "ExportResult",
    "IndexEntry",
    "Location",
    "PruneResult",
    "Record",
    "TailCheck",
    "Verification",
    "WarcArchive",
    "archive_files",
    "archived_headers",
    "check_tail",
    "default_folder",
    "export_warc",
    "index_file",
    "iter_records",
    "payload_digest",
    "prunable",
    "prune",
    "read_record",
    "referenced_files",
    "truncate_tail",
    "verify",
    "verify_many",
]
