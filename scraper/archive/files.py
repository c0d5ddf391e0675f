"""WARC file names, gzip members and the check for a crashed write, shared by the rest of the package.

Every record is its own gzip member (as `warcio` and pywb expect), so a record's location
is (file, offset, length) of one member: it is read with one seek, copied byte for byte,
and a process killed mid-write leaves at most one incomplete member at the end of a file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

try:  # zlib-ng writes the same gzip at zlib's level-6 size three to four times faster (benchmarks/archive.py)
    from zlib_ng import zlib_ng as _compressor
except ImportError:  # pragma: no cover - it is a pinned dependency; stdlib zlib is the slower stand-in
    _compressor = zlib  # type: ignore[assignment]

PREFIX = "newswatch"
NAME_RE = re.compile(r"^(?P<prefix>[A-Za-z0-9_.]+)-(?P<stamp>\d{14})-(?P<serial>\d{5,})\.warc\.gz$")
GZIP_MAGIC = b"\x1f\x8b\x08"
GZIP_WBITS = zlib.MAX_WBITS | 16  # gzip header and trailer (CRC32, size), checked by zlib on reading
READ_CHUNK = 1 << 20
TAIL_WINDOW = 1 << 20


class ArchiveError(Exception):
    """A WARC file or record that cannot be read as written (damaged, truncated, or not ours)."""


class DamagedArchive(ArchiveError):
    """The bytes at `offset` of `path` are not one complete gzip member."""

    def __init__(self, path: str | os.PathLike[str], offset: int, why: str) -> None:
        super().__init__(f"{path}: offset {offset}: {why}")
        self.path = str(path)
        self.offset = offset
        self.why = why


class Location(NamedTuple):
    """Where one record is: the file's name (relative to the archive folder), its offset and length in bytes.

    The three values are what a database row keeps (`warc_file`, `warc_offset`, `warc_length`).
    """

    warc_file: str
    offset: int
    length: int


def file_name(when: datetime, serial: int, prefix: str = PREFIX) -> str:
    """`newswatch-YYYYmmddHHMMSS-NNNNN.warc.gz` (UTC): names sort by creation time, then serial."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{prefix}-{when:%Y%m%d%H%M%S}-{serial:05d}.warc.gz"


def parse_name(name: str) -> tuple[str, datetime, int] | None:
    """(prefix, creation time, serial) of one of our file names, or None for any other file."""
    m = NAME_RE.match(name)
    if not m:
        return None
    try:
        stamp = datetime.strptime(m["stamp"], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return m["prefix"], stamp, int(m["serial"])


def archive_files(folder: str | os.PathLike[str]) -> list[str]:
    """Names of the WARC files this package wrote in `folder`, oldest first (other files are ignored)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_file() and parse_name(p.name)]
    return sorted(names, key=lambda n: (parse_name(n)[1], parse_name(n)[2], n))  # type: ignore[index]


def gzip_member(data: bytes, level: int = 6) -> bytes:
    """`data` as one gzip member (header with mtime 0, so equal records compress to equal bytes).

    Any gzip reader reads it (stdlib zlib does, below); only the writing goes through zlib-ng.
    """
    c = _compressor.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    return c.compress(data) + c.flush()


def read_member(fh: BinaryIO, offset: int, length: int, path: str | os.PathLike[str] = "?") -> bytes:
    """Decompressed content of the one gzip member at `offset` (one seek, one read).

    Raises DamagedArchive unless the `length` bytes are exactly one complete member with a good CRC.
    """
    if offset < 0 or length <= 0:
        raise DamagedArchive(path, offset, f"bad location (length {length})")
    fh.seek(offset)
    raw = fh.read(length)
    if len(raw) < length:
        raise DamagedArchive(path, offset, f"file ends {length - len(raw)} bytes before the record does")
    return decode_member(raw, offset, path)


def decode_member(raw: bytes, offset: int = 0, path: str | os.PathLike[str] = "?") -> bytes:
    """Decompressed content of `raw`, which must be exactly one complete gzip member (else DamagedArchive)."""
    d = zlib.decompressobj(GZIP_WBITS)
    try:
        data = d.decompress(raw)
    except zlib.error as e:
        raise DamagedArchive(path, offset, f"not a valid gzip member ({e})") from None
    if not d.eof:
        raise DamagedArchive(path, offset, "incomplete gzip member")
    if d.unused_data:
        raise DamagedArchive(path, offset, f"{len(d.unused_data)} bytes after the gzip member")
    return data


def iter_members(fh: BinaryIO, start: int = 0, path: str | os.PathLike[str] = "?",
                 chunk: int = READ_CHUNK) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed content) of each gzip member from `start` to the end of the file.

    Raises DamagedArchive at the first member that is invalid or cut short (after yielding the good ones).
    """
    fh.seek(start)
    offset = start
    pending = b""
    while True:
        data = pending or fh.read(chunk)
        if not data:
            return
        d = zlib.decompressobj(GZIP_WBITS)
        parts: list[bytes] = []
        consumed = 0
        while True:
            try:
                parts.append(d.decompress(data))
            except zlib.error as e:
                raise DamagedArchive(path, offset, f"not a valid gzip member ({e})") from None
            if d.eof:
                consumed += len(data) - len(d.unused_data)
                pending = d.unused_data
                break
            consumed += len(data)
            data = fh.read(chunk)
            if not data:
                raise DamagedArchive(path, offset, f"incomplete gzip member ({consumed} bytes, file ends)")
        yield offset, consumed, b"".join(parts)
        offset += consumed


@dataclass(frozen=True)
class TailCheck:
    """How a WARC file ends: its complete members run up to `good_end`; anything after is a cut-off write."""

    path: str
    size: int
    good_end: int

    @property
    def complete(self) -> bool:
        return self.good_end == self.size

    @property
    def incomplete_bytes(self) -> int:
        return self.size - self.good_end


def _complete_run_end(fh: BinaryIO, start: int, path: str) -> int | None:
    """End of the run of complete members starting at `start`, or None when no complete member starts there."""
    end = None
    try:
        for offset, length, _ in iter_members(fh, start, path, chunk=64 * 1024):
            end = offset + length
    except DamagedArchive:
        pass
    return end


def check_tail(path: str | os.PathLike[str]) -> TailCheck:
    """Whether the file ends with a complete gzip member, without reading the whole file.

    Looks backward from the end for the last offset where a complete member starts (a gzip
    header whose deflate stream and CRC check out), then follows the complete members from
    there. A file written to the end reaches its size; one whose writer was killed stops
    before a partial member, whose bytes are `incomplete_bytes`.
    """
    path = str(path)
    size = os.path.getsize(path)
    if size == 0:
        return TailCheck(path, 0, 0)
    with open(path, "rb") as fh:
        window_end = size
        while window_end > 0:
            start = max(0, window_end - TAIL_WINDOW)
            fh.seek(start)
            buf = fh.read(window_end - start + len(GZIP_MAGIC) - 1)
            limit = window_end - start
            hit = buf.rfind(GZIP_MAGIC)
            while hit >= 0:
                if hit < limit:
                    end = _complete_run_end(fh, start + hit, path)
                    if end is not None:
                        return TailCheck(path, size, end)
                hit = buf.rfind(GZIP_MAGIC, 0, hit)
            window_end = start
    return TailCheck(path, size, 0)


def truncate_tail(path: str | os.PathLike[str]) -> TailCheck:
    """Cut a cut-off write off the end of the file (its complete records stay); returns the check made before."""
    check = check_tail(path)
    if not check.complete:
        with open(path, "r+b") as fh:
            fh.truncate(check.good_end)
            fh.flush()
            os.fsync(fh.fileno())
    return check


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a file's creation or removal in `folder` durable (a new file's name survives a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_locked(path: str | os.PathLike[str]) -> bool:
    """Whether a live writer holds its lock on `path` (the kernel drops it when the writer dies, even by kill -9)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
