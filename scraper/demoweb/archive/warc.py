"""WARC files written with warcio, one gzip member per record, as Common Crawl stores them."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper.demoweb.archive.dataset import Capture

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 410: "Gone", 500: "Error"}


@dataclass(frozen=True)
class Placed:
    """Where one capture's record lies in the file (what the index line tells a reader)."""

    capture: Capture
    offset: int
    length: int


def build_warc(captures: Iterable[Capture], truncated: Iterable[str] = ()) -> tuple[bytes, list[Placed]]:
    """A .warc.gz (warcinfo, then one response record per capture) and where each record lies.

    A capture whose URL is in `truncated` is written cut in half -- a damaged file -- and
    its index entry covers just the bytes that are there.
    """
    cut = set(truncated)
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("replica.warc.gz", {"software": "newswatch archive replica"}))
    placed: list[Placed] = []
    for capture in captures:
        member = io.BytesIO()
        WARCWriter(member, gzip=True).write_record(_record(writer, capture))
        data = member.getvalue()
        if capture.url in cut:
            data = data[: len(data) // 2]
        placed.append(Placed(capture, out.tell(), len(data)))
        out.write(data)
    return out.getvalue(), placed


def _record(writer: WARCWriter, capture: Capture):  # noqa: ANN202 - warcio's record type is untyped
    headers = [(k, v) for k, v in capture.headers if k.lower() not in ("content-length", "transfer-encoding")]
    headers.append(("Content-Length", str(len(capture.body))))
    status = f"{capture.status} {_REASONS.get(capture.status, 'Status')}"
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    date = capture.moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return writer.create_warc_record(capture.url, "response", payload=io.BytesIO(capture.body), http_headers=http,
                                     warc_headers_dict={"WARC-Date": date})
