"""Read records back: one record by its location (one seek), every record of a file, and their digests.

The HTTP part of a record is split here rather than by warcio's parser, so that headers
come back exactly as they were stored (Latin-1 text of their bytes, in order, repeated
names repeated) instead of re-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, TypeVar

from warcio.statusandheaders import StatusAndHeadersParser, StatusAndHeadersParserException
from warcio.timeutils import iso_date_to_datetime

from scraper.archive.files import ArchiveError, DamagedArchive, Location, iter_members, read_member

K = TypeVar("K")
HTTP_TYPES = ("response", "revisit", "request")
_WARC_PARSER = StatusAndHeadersParser(["WARC/1.0", "WARC/1.1"], verify=True)


@dataclass(frozen=True)
class Record:
    """One WARC record as stored: WARC headers, and for HTTP records the start line, headers and body.

    `http_head` is the raw HTTP header block (start line to the blank line) and `body` the
    payload; for other records `http_head` is empty and `body` is the whole block.
    """

    location: Location
    rec_type: str
    warc_headers: tuple[tuple[str, str], ...]
    http_head: bytes
    start_line: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def warc(self, name: str) -> str | None:
        """A WARC header's value (case-insensitive name), or None."""
        return _get(self.warc_headers, name)

    def header(self, name: str) -> str | None:
        """An HTTP header's first value (case-insensitive name), or None."""
        return _get(self.headers, name)

    @property
    def record_id(self) -> str:
        return self.warc("WARC-Record-ID") or ""

    @property
    def target_uri(self) -> str:
        return self.warc("WARC-Target-URI") or ""

    @property
    def date(self) -> str:
        return self.warc("WARC-Date") or ""

    @property
    def fetched_at(self) -> datetime | None:
        """The WARC-Date as an aware UTC datetime (when the page was fetched), or None if it is unreadable."""
        try:
            return iso_date_to_datetime(self.date, tz_aware=True)
        except (ValueError, TypeError, IndexError):
            return None

    @property
    def http_message(self) -> bytes:
        """The HTTP message as stored (status line, headers, blank line, body): what `show --raw` prints."""
        return self.http_head + self.body

    @property
    def payload_digest(self) -> str | None:
        return self.warc("WARC-Payload-Digest")

    @property
    def protocol(self) -> str:
        """`HTTP/1.1` for a response or revisit (the first word of the status line), else ''."""
        if self.rec_type in ("response", "revisit"):
            return self.start_line.split(" ", 1)[0]
        return ""

    @property
    def status(self) -> int | None:
        """The HTTP status of a response or revisit record."""
        if self.rec_type not in ("response", "revisit"):
            return None
        parts = self.start_line.split(" ", 2)
        try:
            return int(parts[1])
        except (IndexError, ValueError):
            return None

    @property
    def reason(self) -> str:
        parts = self.start_line.split(" ", 2)
        return parts[2] if self.rec_type in ("response", "revisit") and len(parts) > 2 else ""


class IndexEntry(NamedTuple):
    """One line of a file's index, the fields `warcio index` and a CDX line are made of."""

    rec_type: str
    url: str
    date: str
    status: int | None
    digest: str | None
    mime: str | None
    location: Location


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one record: `problems` is empty when it reads back intact."""

    location: Location
    problems: tuple[str, ...]
    payload_digest: str | None = None
    target_uri: str | None = None  # the record's WARC-Target-URI, for a caller that checks it names the right page

    @property
    def ok(self) -> bool:
        return not self.problems


def _get(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    for n, v in headers:
        if n.lower() == lower:
            return v
    return None


def _safe_path(folder: str | os.PathLike[str], warc_file: str) -> Path:
    """The file's path in `folder`; a name with a directory part is refused (rows name files, not paths)."""
    if not warc_file or Path(warc_file).name != warc_file or warc_file in (".", ".."):
        raise ArchiveError(f"not a WARC file name: {warc_file!r}")
    return Path(folder) / warc_file


def _split_http(block: bytes) -> tuple[bytes, str, list[tuple[str, str]], bytes]:
    """(raw head, start line, headers, body) of an HTTP message; headers as Latin-1 text, continuations joined."""
    end = block.find(b"\r\n\r\n")
    if end < 0:
        head, body = block, b""
    else:
        head, body = block[: end + 4], block[end + 4:]
    lines = head.decode("latin-1").split("\r\n")
    start_line = lines[0]
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return head, start_line, headers, body


def parse_record(data: bytes, location: Location, path: str = "?") -> Record:
    """A Record from the decompressed bytes of one gzip member. Raises ArchiveError if it is not one WARC record."""
    stream = io.BytesIO(data)
    try:
        warc = _WARC_PARSER.parse(stream)
    except (StatusAndHeadersParserException, EOFError, UnicodeDecodeError) as e:
        raise DamagedArchive(path, location.offset, f"not a WARC record ({str(e)[:80]})") from None
    try:
        length = int(warc.get_header("Content-Length", ""))
    except ValueError:
        raise DamagedArchive(path, location.offset, "no valid Content-Length") from None
    start = warc.total_len
    block = data[start: start + length]
    if len(block) < length:
        raise DamagedArchive(path, location.offset, f"record block is {length - len(block)} bytes short")
    if data[start + length:] != b"\r\n\r\n":
        raise DamagedArchive(path, location.offset, "record does not end with CRLF CRLF")
    rec_type = warc.get_header("WARC-Type") or ""
    content_type = (warc.get_header("Content-Type") or "").lower()
    if rec_type in HTTP_TYPES and content_type.startswith("application/http"):
        head, start_line, headers, body = _split_http(block)
    else:
        head, start_line, headers, body = b"", "", [], block
    return Record(location, rec_type, tuple(warc.headers), head, start_line, tuple(headers), body)


def read_record(folder: str | os.PathLike[str], warc_file: str, offset: int, length: int) -> Record:
    """The record a row points at: one open, one seek, one read. Raises ArchiveError if it is damaged."""
    path = _safe_path(folder, warc_file)
    loc = Location(warc_file, offset, length)
    try:
        with open(path, "rb") as fh:
            data = read_member(fh, offset, length, path)
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such WARC file") from None
    return parse_record(data, loc, str(path))


def iter_records(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Every record of one file, in order; raises DamagedArchive at a damaged or cut-off record."""
    path = Path(path)
    with open(path, "rb") as fh:
        for offset, length, data in iter_members(fh, 0, path):
            yield parse_record(data, Location(path.name, offset, length), str(path))


def index_file(path: str | os.PathLike[str]) -> Iterator[IndexEntry]:
    """An index line per record (type, URL, date, status, digest, MIME type, location), like `warcio index`."""
    for rec in iter_records(path):
        yield IndexEntry(rec.rec_type, rec.target_uri, rec.date, rec.status, rec.payload_digest,
                         (rec.header("Content-Type") or "").split(";")[0].strip() or None, rec.location)


# ---- digests -----------------------------------------------------------------------------

_ALGORITHMS = {"sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256", "md5": "md5"}


def digest_matches(recorded: str, *parts: bytes) -> bool:
    """Whether `recorded` (`sha1:BASE32`, or base 16 / base 64 as other writers use) is the digest of the parts."""
    algo, sep, value = recorded.partition(":")
    name = _ALGORITHMS.get(algo.strip().lower())
    if not sep or name is None:
        return False
    h = hashlib.new(name)
    for part in parts:
        h.update(part)
    raw = h.digest()
    value = value.strip()
    return value.upper() in (base64.b32encode(raw).decode(), raw.hex().upper()) or value == base64.b64encode(
        raw).decode()


def check_record(rec: Record, expected_digest: str | None = None) -> list[str]:
    """What is wrong with a record that parsed: its block digest, its payload digest, or the digest a row expects."""
    problems: list[str] = []
    block_digest = rec.warc("WARC-Block-Digest")
    if block_digest and not digest_matches(block_digest, rec.http_head, rec.body):
        problems.append(f"block digest mismatch (recorded {block_digest})")
    recorded = rec.payload_digest
    if rec.rec_type == "response":
        if not recorded:
            problems.append("no WARC-Payload-Digest")
        elif not digest_matches(recorded, rec.body):
            problems.append(f"payload digest mismatch (recorded {recorded})")
    if expected_digest is not None and recorded != expected_digest:
        problems.append(f"payload digest {recorded} is not the expected {expected_digest}")
    return problems


def verify(folder: str | os.PathLike[str], location: Location, expected_digest: str | None = None) -> Verification:
    """Read the record at `location` and check it: a complete gzip member, one WARC record, both digests."""
    loc = Location(*location)
    try:
        rec = read_record(folder, *loc)
    except ArchiveError as e:
        return Verification(loc, (str(e),))
    except OSError as e:
        return Verification(loc, (f"{loc.warc_file}: {e.strerror or e}",))
    return Verification(loc, tuple(check_record(rec, expected_digest)), rec.payload_digest, rec.target_uri)


def verify_many(folder: str | os.PathLike[str],
                items: Iterable[tuple[K, Location, str | None]]) -> Iterator[tuple[K, Verification]]:
    """`verify` for many rows: (key, location, expected digest or None) in, (key, Verification) out.

    Sorted by file and offset so each file is opened once and read front to back.
    """
    ordered = sorted(items, key=lambda it: (it[1][0], it[1][1]))
    fh = None
    open_name: str | None = None
    try:
        for key, location, expected in ordered:
            loc = Location(*location)
            if loc.warc_file != open_name:
                if fh is not None:
                    fh.close()
                    fh = None
                open_name = loc.warc_file
                try:
                    fh = open(_safe_path(folder, loc.warc_file), "rb")  # noqa: SIM115 - kept open across rows
                except (ArchiveError, OSError) as e:
                    why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
                    open_error = f"{loc.warc_file}: {why}"
            if fh is None:
                yield key, Verification(loc, (open_error,))
                continue
            try:
                rec = parse_record(read_member(fh, loc.offset, loc.length, loc.warc_file), loc, loc.warc_file)
            except ArchiveError as e:
                yield key, Verification(loc, (str(e),))
                continue
            yield key, Verification(loc, tuple(check_record(rec, expected)), rec.payload_digest, rec.target_uri)
    finally:
        if fh is not None:
            fh.close()
