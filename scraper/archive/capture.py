"""A Capture from a Scrapy response, for the pipeline that will archive what it stores.

Kept apart from the writer so that the archive imports no Scrapy. Scrapy has already
undone chunking and any Content-Encoding it knows (and removed that header) by the time
a response reaches the pipeline; its `Content-Length` still counts the bytes on the
wire, which `archived_headers` keeps as `X-Archive-Orig-Content-Length` when it differs.
"""

from __future__ import annotations

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
