"""A Common Crawl-like service: ``/collinfo.json``, per-crawl indexes, and WARC files read by Range.

Index (``/{crawl}-index?url=...&output=json``, pywb's CDX API): one JSON object per line
(urlkey, timestamp, url, mime, status, digest, length, offset, filename), matched
exactly, by prefix (``url=host/2020/*`` or ``matchType=prefix``) or by domain
(``*.host`` or ``matchType=domain``), within ``from``/``to``; ``page`` and
``showNumPages`` page it by `page_size` lines. No capture: 404 and
``{"message": "No Captures found for: ..."}``.

Data (``/crawl-data/...``): each crawl's WARC file, written with warcio; a ``Range:
bytes=a-b`` request gets 206 with Content-Range, an unsatisfiable one 416.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, unquote, urlsplit

from scraper.demoweb.archive.base import Faults, ReplicaServer, Reply
from scraper.demoweb.archive.dataset import CrawlSpec, scope, timestamp, url_matches
from scraper.demoweb.archive.warc import Placed, build_warc

_INDEX = re.compile(r"^/(?P<crawl>[A-Za-z0-9._\-]+)-index$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class CommonCrawlReplica(ReplicaServer):
    """``index_base`` (collinfo and indexes) and ``data_base`` (WARC files) over `crawls`, on one port."""

    name = "commoncrawl"

    def __init__(self, crawls: Iterable[CrawlSpec], page_size: int = 50, index_faults: Faults | None = None,
                 data_faults: Faults | None = None, host: str = "127.0.0.1", max_seconds: float = 600) -> None:
        self.crawls = list(crawls)
        self.page_size = page_size
        self.index_faults = index_faults if index_faults is not None else Faults()
        self.data_faults = data_faults if data_faults is not None else Faults()
        self.files: dict[str, bytes] = {}
        self.placed: dict[str, list[tuple[str, Placed]]] = {}
        for crawl in self.crawls:
            filename = f"crawl-data/{crawl.id}/segments/0000000000000.0/warc/{crawl.id}-00000.warc.gz"
            ordered = sorted(crawl.captures, key=lambda c: (c.urlkey, c.timestamp))
            data, placed = build_warc(ordered, self.data_faults.truncated)
            self.files[filename] = data
            self.placed[crawl.id] = [(filename, p) for p in placed]
        super().__init__(None, host, max_seconds)

    @property
    def index_base(self) -> str:
        return self.base_url

    @property
    def data_base(self) -> str:
        return self.base_url

    @property
    def collinfo_url(self) -> str:
        return self.base_url + "/collinfo.json"

    def fault_for(self, path: str) -> Reply | None:
        if path.startswith("/crawl-data/"):
            return self.data_faults.take()
        return self.index_faults.take()

    def route(self, path: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(path)
        if parts.path == "/collinfo.json":
            return self._collinfo()
        match = _INDEX.match(parts.path)
        if match and match.group("crawl") in self.placed:
            return self._index(match.group("crawl"), parse_qs(parts.query, keep_blank_values=True))
        filename = unquote(parts.path).lstrip("/")
        if filename in self.files:
            return _ranged(self.files[filename], headers.get("range"))
        return Reply(404, b"Not Found\n")

    def _collinfo(self) -> Reply:
        newest_first = sorted(self.crawls, key=lambda c: c.start, reverse=True)
        data = [{
            "id": c.id, "name": c.name or f"{c.id} Index", "timegate": f"{self.base_url}/{c.id}/",
            "cdx-api": f"{self.base_url}/{c.id}-index",
            "from": c.start.strftime("%Y-%m-%dT%H:%M:%S"), "to": c.end.strftime("%Y-%m-%dT%H:%M:%S"),
        } for c in newest_first]
        return Reply(200, json.dumps(data, indent=1).encode(), "application/json")

    def _index(self, crawl: str, params: dict[str, list[str]]) -> Reply:
        def one(name: str, default: str = "") -> str:
            return params.get(name, [default])[-1]

        target = one("url")
        if not target:
            return Reply(400, b'{"message": "The \\"url\\" param is required"}', "application/json")
        target, match_type = scope(target, one("matchType"))
        low, high = one("from").ljust(14, "0"), one("to").ljust(14, "9") if one("to") else "9" * 14
        rows = [(f, p) for f, p in self.placed[crawl]
                if url_matches(p.capture.url, target, match_type) and low <= p.capture.timestamp <= high]
        pages = max(1, math.ceil(len(rows) / self.page_size)) if rows else 0
        if one("showNumPages") == "true":
            return Reply(200, json.dumps({"pages": pages, "pageSize": self.page_size, "blocks": pages}).encode(),
                         "application/json")
        if one("page"):
            page = int(one("page")) if one("page").isdigit() else 0
            rows = rows[page * self.page_size:(page + 1) * self.page_size]
        if not rows:
            message = {"message": f"No Captures found for: {one('url')}"}
            return Reply(404, json.dumps(message).encode(), "application/json")
        lines = [json.dumps(_line(f, p)) for f, p in rows]
        if self.index_faults.take_broken_row():
            broken = _line(*rows[0])
            for name in ("offset", "filename"):
                broken.pop(name)
            lines.insert(1, json.dumps(broken))
        return Reply(200, ("\n".join(lines) + "\n").encode(), "text/x-ndjson")


def _line(filename: str, placed: Placed) -> dict[str, str]:
    capture = placed.capture
    return {
        "urlkey": capture.urlkey, "timestamp": timestamp(capture.moment), "url": capture.url,
        "mime": capture.mime, "mime-detected": capture.mime, "status": str(capture.status),
        "digest": capture.digest, "length": str(placed.length), "offset": str(placed.offset), "filename": filename,
    }


def _ranged(data: bytes, header: str | None) -> Reply:
    size = len(data)
    kind = "application/octet-stream"
    if header is None:
        return Reply(200, data, kind, {"Accept-Ranges": "bytes"})
    match = _RANGE.match(header.strip())
    unsatisfiable = Reply(416, b"", kind, {"Content-Range": f"bytes */{size}"})
    if not match or match.groups() == ("", ""):
        return unsatisfiable
    first_text, last_text = match.groups()
    if first_text:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
    else:  # a suffix range: the last N bytes
        first, last = max(0, size - int(last_text)), size - 1
    if first >= size or first > last:
        return unsatisfiable
    return Reply(206, data[first:last + 1], kind, {"Content-Range": f"bytes {first}-{last}/{size}",
                                                   "Accept-Ranges": "bytes"})
