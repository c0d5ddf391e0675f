"""The evidence archive: every stored page as fetched, in gzip-per-record WARC files.

A pure library (no SQL, no Scrapy at import): `WarcArchive` writes captures and returns
where each record is, `read_record`/`verify` read one back with one seek, `export_warc`
copies chosen records into one file, `prune` removes old files no row needs. The store
keeps each record's `Location` (`warc_file`, `warc_offset`, `warc_length`).
"""

from __future__ import annotations

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

__all__ = [
    "ArchiveError",
    "DamagedArchive",
    "IndexEntry",
    "Location",
    "Record",
    "TailCheck",
    "Verification",
    "archive_files",
    "check_tail",
    "index_file",
    "iter_records",
    "read_record",
    "truncate_tail",
    "verify",
    "verify_many",
]
