"""A Capture from a Scrapy response, for the pipeline that will archive what it stores.

Kept apart from the writer so that the archive imports no Scrapy. Scrapy has already
undone chunking and any Content-Encoding it knows (and removed that header) by the time
a response reaches the pipeline; its `Content-Length` still counts the bytes on the
wire, which `archived_headers` keeps as `X-Archive-Orig-Content-Length` when it differs.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scraper.archive.files import Location
from scraper.archive.writer import Capture

if TYPE_CHECKING:  # pragma: no cover
    from scrapy.http import Headers, Response


def _header_list(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Scrapy's headers as (name, value) pairs, in the order received, one pair per value."""
    return [(name, value) for name, values in headers.items() for value in values]


def capture_from_response(response: Response, fetched_at: datetime | None = None,
                          revisit_of: Location | None = None) -> Capture:
    """The Capture of a Scrapy response and the request that fetched it.

    `fetched_at` defaults to now; pass the time the item records so the WARC-Date and the
    row agree. `revisit_of`: the stored location of this URL's previous capture.
    """
    request = response.request
    return Capture(
        url=response.url,
        status=response.status,
        headers=_header_list(response.headers),
        body=response.body,
        fetched_at=fetched_at or datetime.now(UTC),
        protocol=response.protocol or "HTTP/1.1",
        method=request.method if request is not None else "GET",
        request_headers=_header_list(request.headers) if request is not None else (),
        request_body=request.body if request is not None else b"",
        ip_address=str(response.ip_address) if response.ip_address is not None else None,
        revisit_of=revisit_of,
    )


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def capture_to_json(capture: Capture) -> dict:
    """A capture as JSON-ready data (the body in base64; headers as Latin-1 text, byte
    for byte), for a distributed worker to hand its pages to the writer that archives."""
    return {
        "url": capture.url, "status": capture.status, "reason": capture.reason, "protocol": capture.protocol,
        "headers": [[_text(n), _text(v)] for n, v in capture.headers],
        "body": base64.b64encode(capture.body).decode("ascii"),
        "fetched_at": capture.fetched_at.isoformat(), "method": capture.method,
        "request_headers": [[_text(n), _text(v)] for n, v in capture.request_headers],
        "request_body": base64.b64encode(capture.request_body).decode("ascii"),
        "ip_address": capture.ip_address, "content_decoded": capture.content_decoded,
    }


def capture_from_json(data: dict, revisit_of: Location | None = None) -> Capture:
    """Inverse of `capture_to_json`; ValueError/KeyError/TypeError on anything else."""
    return Capture(
        url=str(data["url"]), status=int(data["status"]), reason=data.get("reason"),
        protocol=str(data.get("protocol") or "HTTP/1.1"),
        headers=[(str(n).encode("latin-1"), str(v).encode("latin-1")) for n, v in data["headers"]],
        body=base64.b64decode(data["body"], validate=True),
        fetched_at=datetime.fromisoformat(data["fetched_at"]), method=str(data.get("method") or "GET"),
        request_headers=[(str(n).encode("latin-1"), str(v).encode("latin-1"))
                         for n, v in data.get("request_headers") or []],
        request_body=base64.b64decode(data.get("request_body") or "", validate=True),
        ip_address=data.get("ip_address"), content_decoded=bool(data.get("content_decoded")),
        revisit_of=revisit_of,
    )
