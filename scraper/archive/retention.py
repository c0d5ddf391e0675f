"""Retention: which old WARC files no row needs any more, and removing them.

A file goes when all of these hold: it is one of ours (by its name), no row points into
it, it was last written more than `keep_days` ago, and no live writer holds it (a
writer locks the file it appends to, and the kernel drops that lock when the writer
dies). Rows name the files they need; a row that points at a revisit record needs the
file of the response it refers to as well (`Archived.refers_to`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scraper.archive.files import Location, archive_files, fsync_dir, is_locked

log = logging.getLogger("newswatch.archive")


@dataclass
class PruneResult:
    """Files removed (or, in a dry run, that would be) and their bytes; files kept because a row needs them."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0
    kept_referenced: int = 0
    kept_recent: int = 0


def referenced_files(locations: Iterable[Location | tuple[str, int, int] | None]) -> set[str]:
    """The set of file names a collection of row locations needs (None entries, rows without a record, skipped)."""
    return {loc[0] for loc in locations if loc is not None and loc[0]}


def prunable(folder: str | os.PathLike[str], referenced: Iterable[str], keep_days: float, *,
             now: datetime | None = None, in_use: Iterable[str] = ()) -> PruneResult:
    """The files `prune` would remove (nothing is touched)."""
    return _select(Path(folder), set(referenced), keep_days, now, set(in_use))


def prune(folder: str | os.PathLike[str], referenced: Iterable[str], keep_days: float, *,
          now: datetime | None = None, in_use: Iterable[str] = (), dry_run: bool = False) -> PruneResult:
    """Remove our WARC files in `folder` older than `keep_days` that no row references.

    `referenced`: the names rows point at (include revisits' originals); `in_use`: files
    to leave alone whatever their age (the caller's current file; other writers' are
    found by their lock). Run it while no crawl stores rows, so that none starts
    pointing into a file being removed.
    """
    folder = Path(folder)
    result = _select(folder, set(referenced), keep_days, now, set(in_use))
    if dry_run or not result.removed:
        return result
    removed = []
    for name in result.removed:
        try:
            os.unlink(folder / name)
            removed.append(name)
        except FileNotFoundError:
            continue
        log.info("archive: removed %s (older than %g days, no row needs it)", name, keep_days)
    fsync_dir(folder)
    result.removed = removed
    return result


def _select(folder: Path, referenced: set[str], keep_days: float, now: datetime | None,
            in_use: set[str]) -> PruneResult:
    if keep_days < 0:
        raise ValueError("keep_days must be 0 or more")
    now = now or datetime.now(UTC)
    cutoff = (now - timedelta(days=keep_days)).timestamp()
    result = PruneResult()
    for name in archive_files(folder):
        path = folder / name
        if name in referenced:
            result.kept_referenced += 1
            continue
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if name in in_use or st.st_mtime > cutoff or is_locked(path):
            result.kept_recent += 1
            continue
        result.removed.append(name)
        result.bytes += st.st_size
    return result
