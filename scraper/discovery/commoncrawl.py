"""Common Crawl: pages the open crawl fetched, read one WARC record at a time.

`collinfo.json` lists the crawls (``id`` such as CC-MAIN-2020-16, ``name``,
``cdx-api``, and ``from``/``to``: when the crawl ran). Each crawl's index
(``{crawl}-index?url=...&output=json``, a pywb CDX server) answers one JSON object
per line with the capture's ``url``, ``timestamp``, ``status``, ``mime`` and where its
record lies: ``filename``, ``offset``, ``length``. A crawl with no capture answers 404
``{"message": "No Captures found for: ..."}``. The record itself is one HTTP Range
request on the data server: the bytes are one gzip member holding one WARC response
record, read here with warcio.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from urllib.parse import quote, urlencode

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson, TruncatedRecord, UnusableRecord, snippet_of
from scraper.discovery.untrusted import clean_url

INDEX_BASE = "https://index.commoncrawl.org"
DATA_BASE = "https://data.commoncrawl.org"
COLLINFO_PATH = "/collinfo.json"
SERVICE = "Common Crawl"
MAX_RECORD_BYTES = 20 * 1024 * 1024       # a record larger than this is not a news page

_CRAWL_ID = re.compile(r"^CC-MAIN-(\d{4})-(\d{2})$")
_SAFE_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")


# --------------------------------------------------------------------------- crawls


@dataclass(frozen=True)
class Crawl:
    """One crawl: when it ran ([start, end], UTC) and its index endpoint.

    `dated_by` is "collinfo" when the dates came from collinfo.json, "id" when they were
    estimated from a CC-MAIN-YYYY-WW id (the three weeks up to the end of that ISO week).
    """

    id: str
    name: str
    start: datetime
    end: datetime
    cdx_api: str
    dated_by: str = "collinfo"


@dataclass(frozen=True)
class CollInfo:
    crawls: tuple[Crawl, ...]
    skipped: int                 # entries without an id or any way to date them


def collinfo_url(index_base: str = INDEX_BASE) -> str:
    return index_base.rstrip("/") + COLLINFO_PATH


def parse_collinfo(body: bytes, index_base: str = INDEX_BASE) -> CollInfo:
    """The crawl list, oldest first; entries that cannot be dated are skipped and counted."""
    data = _json(body)
    if not isinstance(data, list):
        raise MalformedJson(SERVICE, "collinfo.json is not a list")
    crawls, skipped = [], 0
    for entry in data:
        crawl = _crawl(entry, index_base) if isinstance(entry, dict) else None
        if crawl is None:
            skipped += 1
        else:
            crawls.append(crawl)
    return CollInfo(tuple(sorted(crawls, key=lambda c: (c.start, c.id))), skipped)


def _crawl(entry: dict, index_base: str) -> Crawl | None:
    crawl_id = entry.get("id")
    if not isinstance(crawl_id, str) or not re.fullmatch(r"[A-Za-z0-9._\-]+", crawl_id):
        return None
    cdx_api = entry.get("cdx-api")
    if not isinstance(cdx_api, str) or clean_url(cdx_api) is None:
        cdx_api = f"{index_base.rstrip('/')}/{crawl_id}-index"
    name = entry.get("name") if isinstance(entry.get("name"), str) else crawl_id
    start, end = _iso(entry.get("from")), _iso(entry.get("to"))
    if start and end and start <= end:
        return Crawl(crawl_id, name, start, end, cdx_api)
    estimated = _dates_from_id(crawl_id)
    if estimated is None:
        return None
    return Crawl(crawl_id, name, *estimated, cdx_api, dated_by="id")


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _dates_from_id(crawl_id: str) -> tuple[datetime, datetime] | None:
    match = _CRAWL_ID.match(crawl_id)
    if not match:
        return None
    try:
        sunday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 7)
    except ValueError:
        return None
    end = datetime.combine(sunday, datetime.max.time(), UTC).replace(microsecond=0)
    return end - timedelta(weeks=3), end


def crawls_overlapping(crawls: Iterable[Crawl], start: datetime, end: datetime) -> list[Crawl]:
    """The crawls that ran at some time within [start, end], oldest first."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("crawl ranges need aware datetimes")
    return sorted((c for c in crawls if c.start <= end and c.end >= start), key=lambda c: (c.start, c.id))


# --------------------------------------------------------------------------- index


def index_query_url(cdx_api: str, url: str, match_type: str | None = None, start: datetime | None = None,
                    end: datetime | None = None, page: int | None = None) -> str:
    """``{cdx_api}?url=...&output=json``; `url` may end in ``/*`` (prefix) or start with ``*.`` (domain).

    `cdx_api` is a crawl's endpoint (`Crawl.cdx_api`, or ``{index_base}/{crawl_id}-index``).
    """
    params: list[tuple[str, str]] = [("url", url), ("output", "json")]
    if match_type:
        params.append(("matchType", match_type))
    if start:
        params.append(("from", _cdx_time(start)))
    if end:
        params.append(("to", _cdx_time(end)))
    if page is not None:
        params.append(("page", str(page)))
    return f"{cdx_api}?{urlencode(params, quote_via=quote, safe='*')}"


def num_pages_url(cdx_api: str, url: str, match_type: str | None = None) -> str:
    """How many index pages a (prefix) query has: ``showNumPages=true``."""
    params = [("url", url), ("output", "json"), ("showNumPages", "true")]
    if match_type:
        params.append(("matchType", match_type))
    return f"{cdx_api}?{urlencode(params, quote_via=quote, safe='*')}"


def parse_num_pages(body: bytes) -> int:
    """The ``pages`` of a showNumPages answer (``{"pages": 3, "pageSize": 5, "blocks": 12}``, or a bare number)."""
    if body.strip().isdigit():
        return int(body.strip())
    data = _json(body)
    pages = data.get("pages") if isinstance(data, dict) else data
    if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
        raise MalformedJson(SERVICE, f"no page count in {str(data)[:80]!r}")
    return pages


def _cdx_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("index times need an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


@dataclass(frozen=True)
class IndexRecord:
    """Where one capture's WARC record lies, and what the index says it is."""

    url: str
    timestamp: str
    filename: str
    offset: int
    length: int
    status: int | None
    mime: str
    digest: str

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    def range_header(self) -> str:
        return range_header(self.offset, self.length)

    def data_url(self, data_base: str = DATA_BASE) -> str:
        return f"{data_base.rstrip('/')}/{quote(self.filename)}"


@dataclass(frozen=True)
class IndexPage:
    records: tuple[IndexRecord, ...]
    skipped: int                 # lines that are not JSON objects or lack a usable field


def parse_index_lines(body: bytes, status: int = 200) -> IndexPage:
    """An index answer (JSON lines) as records; unusable lines are skipped and counted.

    A 404 carrying ``{"message": ...}`` is the index saying "no captures": an empty
    page, not an error. Raises EmptyBody, NotJson (an HTML error page) or MalformedJson.
    """
    text = body.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        raise EmptyBody(SERVICE, "empty index answer")
    if not text.startswith("{"):
        raise NotJson(SERVICE, "index answer is not JSON lines", snippet_of(body))
    if status == 404:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict) and "message" in message:
            return IndexPage((), 0)
    records, skipped = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            skipped += 1
            continue
        record = _record(entry) if isinstance(entry, dict) else None
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return IndexPage(tuple(records), skipped)


def _record(entry: dict) -> IndexRecord | None:
    url = clean_url(entry.get("url"))
    timestamp = entry.get("timestamp")
    filename = entry.get("filename")
    offset, length = _whole(entry.get("offset")), _whole(entry.get("length"))
    if url is None or not isinstance(timestamp, str) or not re.fullmatch(r"\d{14}", timestamp):
        return None
    if not isinstance(filename, str) or not _SAFE_FILENAME.match(filename) or ".." in filename.split("/"):
        return None
    if offset is None or length is None or not 0 < length <= MAX_RECORD_BYTES:
        return None
    status = _whole(entry.get("status"))
    mime = entry.get("mime") if isinstance(entry.get("mime"), str) else ""
    digest = entry.get("digest") if isinstance(entry.get("digest"), str) else ""
    return IndexRecord(url, timestamp, filename, offset, length, status, mime, digest)


def _whole(value: object) -> int | None:
    """Index numbers come as strings ("350044700"); None for anything but a non-negative integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _json(body: bytes) -> object:
    text = body.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        raise EmptyBody(SERVICE, "empty answer")
    if not text.startswith(("{", "[")):
        raise NotJson(SERVICE, "not JSON", snippet_of(body))
    try:
        return json.loads(text)
    except ValueError as exc:
        raise MalformedJson(SERVICE, f"invalid JSON: {exc}", snippet_of(body)) from None


# --------------------------------------------------------------------------- records


def range_header(offset: int, length: int) -> str:
    """``bytes=first-last`` for `length` bytes from `offset` (HTTP ranges are inclusive)."""
    if offset < 0 or length <= 0:
        raise ValueError("a range needs offset >= 0 and length > 0")
    return f"bytes={offset}-{offset + length - 1}"


class WarcCapture(NamedTuple):
    """An HTTP response as the crawler recorded it; unpacks as (status, headers, body, target_uri, date)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    target_uri: str
    date: datetime | None


def read_range_record(data: bytes) -> WarcCapture:
    """The HTTP response inside one gzip member (one WARC response record).

    The body is decoded of chunked and gzip/deflate/br content encodings. Raises
    TruncatedRecord when the gzip member or the record ends before its declared
    length (warcio alone would quietly return fewer bytes, or no record at all), and
    UnusableRecord for anything else that is not one readable HTTP response.
    """
    raw = _gunzip_member(data)
    header_end = raw.find(b"\r\n\r\n")
    declared = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", raw[: max(header_end, 0)])
    if header_end < 0 or declared is None:
        raise TruncatedRecord(SERVICE, "WARC record header incomplete")
    if len(raw) - (header_end + 4) < int(declared.group(1)):
        raise TruncatedRecord(SERVICE, f"WARC record shorter than its Content-Length ({declared.group(1)})")
    try:
        for record in ArchiveIterator(io.BytesIO(raw)):
            if record.rec_type != "response" or record.http_headers is None:
                raise UnusableRecord(SERVICE, f"not an HTTP response record ({record.rec_type})")
            body = record.content_stream().read()
            status_text = record.http_headers.get_statuscode()
            return WarcCapture(
                status=int(status_text) if status_text and status_text.isdigit() else 0,
                headers=list(record.http_headers.headers),
                body=body,
                target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
                date=_iso(record.rec_headers.get_header("WARC-Date")),
            )
    except (ArchiveLoadFailed, ValueError, OSError, EOFError, zlib.error) as exc:
        raise UnusableRecord(SERVICE, f"unreadable WARC record: {exc}") from None
    raise UnusableRecord(SERVICE, "no WARC record in the range")


def _gunzip_member(data: bytes) -> bytes:
    """Exactly one complete gzip member (what a Range request for one record returns)."""
    if not data:
        raise TruncatedRecord(SERVICE, "empty range")
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(data, MAX_RECORD_BYTES * 4)
    except zlib.error as exc:
        raise UnusableRecord(SERVICE, f"not a gzip member: {exc}") from None
    if inflater.unconsumed_tail:
        raise UnusableRecord(SERVICE, f"record larger than {MAX_RECORD_BYTES * 4} bytes unpacked")
    if not inflater.eof:
        raise TruncatedRecord(SERVICE, "gzip member ends early (truncated record)")
    return raw
