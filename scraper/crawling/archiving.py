"""The crawl's evidence archive: which WARC folder a crawl writes, and how a row names
its record (scraper.archive does the writing)."""

from __future__ import annotations

from pathlib import Path

from scraper.archive import Archived, Location, WarcArchive, default_folder


def archive_folder(settings) -> Path:
    """NEWSWATCH_ARCHIVE_DIR, else warc/ beside the database."""
    return Path(settings.get("NEWSWATCH_ARCHIVE_DIR") or default_folder(settings.get("NEWSWATCH_DB")))


def archive_for(settings) -> WarcArchive | None:
    """The crawl's archive, None when NEWSWATCH_ARCHIVE is off (`--no-archive`)."""
    if not settings.getbool("NEWSWATCH_ARCHIVE"):
        return None
    return WarcArchive(archive_folder(settings), max_bytes=settings.getint("NEWSWATCH_ARCHIVE_MAX_BYTES"))


def last_capture(known: dict | None) -> Location | None:
    """Where a URL's last stored capture is (from its http_cache row), to revisit."""
    if known and known.get("warc_file") and known.get("warc_length"):
        return Location(known["warc_file"], int(known["warc_offset"]), int(known["warc_length"]))
    return None


def place(record: dict, archived: Archived) -> dict:
    """Name the record of the page a row was extracted from: a response holds the body; a
    revisit (same body as before) points at the response that does."""
    where = archived.refers_to if archived.kind == "revisit" and archived.refers_to else archived.location
    record.update(warc_file=where.warc_file, warc_offset=where.offset, warc_length=where.length)
    return record
