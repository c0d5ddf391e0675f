"""Append fetched pages to WARC files: one `response` (or `revisit`) and one `request` record per capture.

Records are built by warcio and compressed here, one gzip member each, so that the
writer knows each record's offset and length without reading the file back, and picks
the compression level (warcio's own writer always uses level 9, three times slower for
1-2% smaller files). Files are WARC/1.0 by default, which every reader accepts
(`warcio check`/`index`, pywb, older Heritrix-era tools); WARC/1.1 is one argument away.

Bodies are stored as the crawler received them after transfer and content decoding:
Scrapy has already undone chunking and gzip/br/zstd by the time a response reaches a
spider, and that is the text that was extracted. So that the record stays a valid HTTP
message for replay, the headers that describe the undone framing are kept under an
`X-Archive-Orig-` name (pywb's convention) and `Content-Length` is set to the stored
body's length (see `archived_headers`). Everything else is kept byte for byte, in order.

Durability: `write_many` writes a batch, then flushes and fsyncs once; only then does it
return the locations, so a caller that writes its database rows afterwards never has a
row pointing at a record that is not on disk. Each run writes new files (never appends
to an old one), so a file a killed run left with a cut-off record stays as it is.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from scraper.archive.files import (
    PREFIX,
    ArchiveError,
    Location,
    TailCheck,
    archive_files,
    check_tail,
    file_name,
    fsync_dir,
    gzip_member,
    is_locked,
    parse_name,
)
from scraper.archive.reader import Record, read_record

log = logging.getLogger("newswatch.archive")

DEFAULT_MAX_BYTES = 1_000_000_000  # 1 GB, the usual size of a crawler's WARC file
DEFAULT_LEVEL = 6  # zlib's default: within 2% of level 9's size at a third of its time
ORIG = "X-Archive-Orig-"
REFERS_OFFSET = "Newswatch-Refers-To-Offset"  # where the original of a revisit is, for a one-seek read
REFERS_LENGTH = "Newswatch-Refers-To-Length"
REFERS_CONTAINER = "WARC-Refers-To-Container"  # the file holding the original (iipc/warc-specifications#111)

HeaderList = Sequence[tuple[str | bytes, str | bytes]]


@dataclass(frozen=True)
class Capture:
    """One fetched page as the crawler got it.

    `headers`: response headers as received, in order, repeated names repeated; bytes are
    kept exactly (str values are taken as Latin-1, or UTF-8 beyond it). `body`: after
    transfer and content decoding (see the module docstring); set `content_decoded` when
    the headers still carry the `Content-Encoding` that was undone. `revisit_of`: the
    location of this URL's last stored capture; when the body's digest equals that
    record's, a `revisit` record (no body) is written instead of a `response`.
    """

    url: str
    status: int
    headers: HeaderList
    body: bytes
    fetched_at: datetime
    reason: str | None = None
    protocol: str = "HTTP/1.1"
    method: str = "GET"
    request_headers: HeaderList = ()
    request_body: bytes = b""
    ip_address: str | None = None
    content_decoded: bool = False
    revisit_of: Location | None = None


@dataclass(frozen=True)
class Archived:
    """What the database keeps of one written capture.

    `location` is the response (or revisit) record's; `request` the request record's (it
    follows the response in the same file). For a revisit, `refers_to` is the location of
    the response that holds the body: a row pointing at the revisit needs that file too.
    """

    location: Location
    kind: str  # "response" | "revisit"
    payload_digest: str  # "sha1:BASE32", the WARC-Payload-Digest
    record_id: str
    warc_date: str
    request: Location
    refers_to: Location | None = None

    @property
    def warc_file(self) -> str:
        return self.location.warc_file

    @property
    def warc_offset(self) -> int:
        return self.location.offset

    @property
    def warc_length(self) -> int:
        return self.location.length


@dataclass(frozen=True)
class _Original:
    """The response record a revisit refers to."""

    record_id: str
    uri: str
    date: str
    digest: str
    location: Location


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of a body: `sha1:` and the SHA-1 in base 32, as warcio and pywb write it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _text(value: str | bytes) -> str:
    """A header name or value as the Latin-1 text of its bytes, with CR/LF (which would end the header) as spaces."""
    if isinstance(value, bytes):
        text = value.decode("latin-1")
    else:
        try:
            value.encode("latin-1")
            text = value
        except UnicodeEncodeError:
            text = value.encode("utf-8").decode("latin-1")
    if "\r" in text or "\n" in text:
        text = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return text


def archived_headers(headers: HeaderList, body_length: int, content_decoded: bool = False) -> list[tuple[str, str]]:
    """The response headers to store with a body of `body_length` bytes, as Latin-1 text.

    `Transfer-Encoding` (the body is stored de-chunked), a `Content-Encoding` that was
    undone and a `Content-Length` that differs from the stored body keep their values under
    `X-Archive-Orig-<name>`; a correct `Content-Length` is added where it is missing or
    renamed. Every other header is kept as received, in order.
    """
    out: list[tuple[str, str]] = []
    length_ok = False
    for raw_name, raw_value in headers:
        name, value = _text(raw_name).strip(), _text(raw_value)
        lower = name.lower()
        if lower == "transfer-encoding" or (lower == "content-encoding" and content_decoded):
            out.append((ORIG + name, value))
        elif lower == "content-length":
            if value.strip() == str(body_length) and not length_ok:
                length_ok = True
                out.append((name, value))
            else:
                out.append((ORIG + name, value))
        else:
            out.append((name, value))
    if not length_ok:
        out.append(("Content-Length", str(body_length)))
    return out


class _RawHeaders(StatusAndHeaders):
    """HTTP headers written as the Latin-1 bytes they came as (warcio would %-encode non-ASCII values)."""

    def compute_headers_buffer(self, header_filter=None) -> None:  # noqa: ARG002 - warcio's signature
        self.headers_buff = self.to_str().encode("latin-1") + b"\r\n"


def _warc_date(when: datetime, version: str) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(when, use_micros=version >= "WARC/1.1")


def _request_target(url: str) -> tuple[str, str]:
    """(request-target, host) of a URL, for the request record's request line and Host header."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target, parts.netloc


def _software() -> str:
    try:
        version = metadata.version("newswatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout without install
        version = "unknown"
    try:
        warcio_version = metadata.version("warcio")
    except metadata.PackageNotFoundError:  # pragma: no cover
        warcio_version = "unknown"
    return f"newswatch/{version} (warcio/{warcio_version})"


CONFORMS_TO = {
    "WARC/1.0": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
    "WARC/1.1": "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
}


class RecordMaker:
    """Builds WARC records with warcio and returns each as the bytes of one gzip member."""

    def __init__(self, warc_version: str = "1.0", level: int = DEFAULT_LEVEL) -> None:
        self._buf = io.BytesIO()
        self._writer = WARCWriter(self._buf, gzip=False, warc_version=warc_version)
        self.version = self._writer.warc_version
        if self.version not in CONFORMS_TO:
            raise ValueError(f"unsupported WARC version {warc_version!r} (1.0 or 1.1)")
        self.level = level

    def member(self, record) -> bytes:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.write_record(record)
        return gzip_member(self._buf.getvalue(), self.level)

    def warcinfo(self, filename: str, info: Mapping[str, str] | None = None) -> bytes:
        fields: dict[str, str] = {
            "software": _software(),
            "format": f"WARC File Format {self.version.split('/')[1]}",
            "conformsTo": CONFORMS_TO[self.version],
        }
        fields.update(info or {})
        return self.member(self._writer.create_warcinfo_record(filename, fields))

    def capture(self, cap: Capture, original: _Original | None) -> tuple[bytes, bytes, str, str, str, str]:
        """(response-or-revisit member, request member, kind, record id, WARC-Date, payload digest)."""
        w = self._writer
        date = _warc_date(cap.fetched_at, self.version)
        digest = payload_digest(cap.body)
        protocol = cap.protocol if cap.protocol.upper().startswith("HTTP/1.") else "HTTP/1.1"
        reason = cap.reason
        if reason is None:
            try:
                reason = HTTPStatus(cap.status).phrase
            except ValueError:
                reason = ""
        http = _RawHeaders(f"{cap.status} {_text(reason)}".rstrip(),
                           archived_headers(cap.headers, len(cap.body), cap.content_decoded), protocol=protocol)
        kind = "revisit" if original is not None and original.digest == digest else "response"
        record_id = StatusAndHeadersParser.make_warc_id()
        # The usual order (type, id, date, URI first); warcio would append its own type and id after these.
        warc_headers: dict[str, str] = {"WARC-Type": kind, "WARC-Record-ID": record_id, "WARC-Date": date,
                                        "WARC-Target-URI": cap.url}
        if cap.ip_address:
            warc_headers["WARC-IP-Address"] = cap.ip_address
        if protocol != cap.protocol:
            warc_headers["WARC-Protocol"] = cap.protocol.lower()

        if kind == "revisit":
            assert original is not None
            warc_headers.update({
                "WARC-Refers-To": original.record_id,
                REFERS_CONTAINER: "file://" + original.location.warc_file,
                REFERS_OFFSET: str(original.location.offset),
                REFERS_LENGTH: str(original.location.length),
            })
            record = w.create_revisit_record(cap.url, digest, original.uri, original.date,
                                             http_headers=http, warc_headers_dict=warc_headers)
        else:
            warc_headers["WARC-Payload-Digest"] = digest  # computed once here; warcio would hash the body again
            record = w.create_warc_record(cap.url, "response", payload=io.BytesIO(cap.body), length=len(cap.body),
                                          http_headers=http, warc_headers_dict=warc_headers)
        main = self.member(record)

        target, host = _request_target(cap.url)
        req_headers = [(_text(n), _text(v)) for n, v in cap.request_headers]
        if not any(n.lower() == "host" for n, _ in req_headers) and host:
            req_headers.insert(0, ("Host", host))
        req_http = _RawHeaders(f"{_text(cap.method)} {_text(target)} {protocol}", req_headers, is_http_request=True)
        req_warc = {"WARC-Type": "request", "WARC-Record-ID": StatusAndHeadersParser.make_warc_id(), "WARC-Date": date,
                    "WARC-Target-URI": cap.url, "WARC-Concurrent-To": record_id}
        if cap.ip_address:
            req_warc["WARC-IP-Address"] = cap.ip_address
        request = w.create_warc_record(cap.url, "request", payload=io.BytesIO(cap.request_body),
                                       length=len(cap.request_body), http_headers=req_http,
                                       warc_headers_dict=req_warc)
        return main, self.member(request), kind, record_id, date, digest


@dataclass
class _OpenFile:
    name: str
    fd: int
    size: int
    synced: int = 0
    members: int = 0


@dataclass
class WarcArchive:
    """Appends captures to gzip-per-record WARC files in `folder`, rotating at `max_bytes`.

    Not a file per call: one file is kept open (and locked, so retention and other
    processes leave it alone) until it reaches `max_bytes` or `close()`. The first write
    creates the folder and the file; a run that archives nothing leaves nothing behind.
    Safe to call from several threads (one lock around each batch).
    """

    folder: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    level: int = DEFAULT_LEVEL
    warc_version: str = "1.0"
    info: Mapping[str, str] = field(default_factory=dict)
    fsync: bool = True
    prefix: str = PREFIX
    damaged: list[TailCheck] = field(default_factory=list, init=False)
    _file: _OpenFile | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if self.max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if "/" in self.prefix or not self.prefix:
            raise ValueError(f"bad file prefix {self.prefix!r}")
        self._maker = RecordMaker(self.warc_version, self.level)
        self._lock = threading.Lock()
        self._originals: OrderedDict[Location, _Original | None] = OrderedDict()
        self.damaged = self._check_last_file()

    # ---- public ----------------------------------------------------------------------

    @property
    def current_file(self) -> str | None:
        """The name of the file being written, or None between files."""
        return self._file.name if self._file else None

    def write(self, capture: Capture) -> Archived:
        """Archive one capture durably (a batch of one: flush and fsync before returning)."""
        return self.write_many([capture])[0]

    def write_many(self, captures: Iterable[Capture]) -> list[Archived]:
        """Archive captures in order, then flush and fsync once; returns their locations, in order.

        Only after this returns are the records durable: write the rows that point at them
        afterwards. On an error nothing of the batch is returned and the file is cut back to
        its last durable size (see `_abandon`): none of the batch's records stays behind.
        """
        with self._lock:
            out: list[Archived] = []
            try:
                for cap in captures:
                    out.append(self._write_one(cap))
                self._sync()
            except BaseException as e:
                self._abandon(e)
                raise
            return out

    def close(self) -> None:
        """Flush, fsync and close the current file; the next write starts a new one."""
        with self._lock:
            if self._file is not None:
                try:
                    self._sync()
                finally:
                    os.close(self._file.fd)
                    self._file = None

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing ---------------------------------------------------------------------

    def _write_one(self, cap: Capture) -> Archived:
        original = self._original(cap.revisit_of) if cap.revisit_of is not None else None
        main, request, kind, record_id, date, digest = self._maker.capture(cap, original)
        f = self._file_for(len(main) + len(request))
        offset = f.size
        self._write(f, main + request)
        f.members += 2
        return Archived(
            location=Location(f.name, offset, len(main)),
            kind=kind,
            payload_digest=digest,
            record_id=record_id,
            warc_date=date,
            request=Location(f.name, offset + len(main), len(request)),
            refers_to=original.location if kind == "revisit" and original else None,
        )

    def _write(self, f: _OpenFile, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(f.fd, view)
            view = view[n:]
        f.size += len(data)

    def _sync(self) -> None:
        f = self._file
        if f is None or f.synced == f.size:
            return
        if self.fsync:
            os.fsync(f.fd)
        f.synced = f.size

    def _file_for(self, nbytes: int) -> _OpenFile:
        """The open file, or a new one when there is none or this capture would take it past max_bytes."""
        f = self._file
        if f is not None and f.members > 0 and f.size + nbytes > self.max_bytes:
            self._sync()
            os.close(f.fd)
            self._file = f = None
        if f is None:
            f = self._file = self._new_file()
        return f

    def _new_file(self) -> _OpenFile:
        self.folder.mkdir(parents=True, exist_ok=True)
        serial = 1 + max((parse_name(n)[2] for n in archive_files(self.folder)  # type: ignore[index]
                          if parse_name(n)[0] == self.prefix), default=-1)  # type: ignore[index]
        while True:
            name = file_name(datetime.now(UTC), serial, self.prefix)
            try:
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                fd = os.open(self.folder / name, flags, 0o644)
                break
            except FileExistsError:
                serial += 1
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks only while a retention check holds it for a moment
            f = _OpenFile(name, fd, 0)
            self._write(f, self._maker.warcinfo(name, self.info))
            if self.fsync:
                fsync_dir(self.folder)
        except BaseException:
            os.close(fd)
            raise
        log.info("archive: writing %s", self.folder / name)
        return f

    def _abandon(self, error: BaseException) -> None:
        """After a failed batch: cut the file back to its durable part, so nothing follows a half-written record.

        A failed write or sync (disk full, I/O error) also closes the file, and the next
        batch starts a new one; a bad capture (an exception before its bytes were written)
        leaves the file in use.
        """
        f = self._file
        if f is None:
            return
        keep = not isinstance(error, OSError)
        try:
            if f.size != f.synced:
                os.ftruncate(f.fd, f.synced)  # O_APPEND: the next write goes to the new end
                if self.fsync:
                    os.fsync(f.fd)
                f.size = f.synced
        except OSError as e:
            keep = False
            log.warning("archive: could not cut %s back to %d bytes: %s", f.name, f.synced, e)
        if not keep:
            self._file = None
            os.close(f.fd)

    # ---- revisits --------------------------------------------------------------------

    def _original(self, loc: Location) -> _Original | None:
        """The response a new capture may revisit: the record at `loc`, or the one it revisits.

        None when it cannot be read or its body does not match its digest: then the new
        capture is stored in full rather than pointing at evidence that is gone.
        """
        loc = Location(*loc)
        if loc in self._originals:
            self._originals.move_to_end(loc)
            return self._originals[loc]
        found: _Original | None = None
        self._originals[loc] = None  # a revisit that (in a damaged file) refers to itself ends here
        try:
            rec = read_record(self.folder, *loc)
            found = self._original_of(rec)
        except (ArchiveError, OSError) as e:
            log.warning("archive: %s cannot be revisited (%s); storing the page in full", loc, e)
        self._originals[loc] = found
        if len(self._originals) > 4096:
            self._originals.popitem(last=False)
        return found

    def _original_of(self, rec: Record) -> _Original | None:
        if rec.rec_type == "response":
            digest = rec.warc("WARC-Payload-Digest")
            if not digest or payload_digest(rec.body) != digest:
                return None
            return _Original(rec.record_id, rec.target_uri, rec.date, digest, rec.location)
        if rec.rec_type == "revisit":
            ref = revisit_original(rec)
            if ref is None:
                return None
            return self._original(ref)
        return None

    def _check_last_file(self) -> list[TailCheck]:
        """Report a cut-off write at the end of the newest file (a killed run); writing goes to a new file anyway."""
        names = [n for n in archive_files(self.folder) if parse_name(n)[0] == self.prefix]  # type: ignore[index]
        if not names:
            return []
        path = self.folder / names[-1]
        if is_locked(path):
            return []  # another live writer's file, in the middle of its work
        check = check_tail(path)
        if check.complete:
            return []
        log.warning("archive: %s ends in %d bytes of an incomplete record (a write was cut off); "
                    "its %d complete bytes stay readable, writing goes to a new file",
                    path, check.incomplete_bytes, check.good_end)
        return [check]


def revisit_original(rec: Record) -> Location | None:
    """Where the response a revisit record refers to is, from the headers this writer adds."""
    container = rec.warc(REFERS_CONTAINER) or ""
    offset, length = rec.warc(REFERS_OFFSET), rec.warc(REFERS_LENGTH)
    if not container.startswith("file://") or offset is None or length is None:
        return None
    try:
        return Location(container[len("file://"):], int(offset), int(length))
    except ValueError:
        return None

