"""How an outlet's answer goes on the wire: shared by the per-port servers and the proxy."""

from __future__ import annotations

import contextlib
from email.message import Message
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Protocol

from scraper.demoweb.dates import http_date
from scraper.demoweb.site import Response, etag_for


class Routable(Protocol):
    def handle(self, raw_path: str) -> Response: ...


def site_response(site: Routable, raw_path: str, headers: Message) -> Response:
    """What an outlet answers to a GET of `raw_path` (its own port or through the proxy alike):
    a body-hash ETag and Last-Modified on pages, 304 to a matching conditional request."""
    try:
        response = site.handle(raw_path)
    except Exception as exc:  # a template bug must show up as a 500, not a dropped connection
        return Response(500, "text/plain; charset=utf-8", f"Internal error: {exc!r}\n".encode())
    if response.status == 200 and (response.cache or response.content_type.startswith("text/html")):
        # like most CMS caches: every page carries a body-hash ETag (listings too)
        response.headers["ETag"] = etag_for(response.body)
    if response.status == 200 and response.last_modified:
        response.headers["Last-Modified"] = http_date(response.last_modified)
    if response.status == 200 and _not_modified(response, headers):
        response = Response(304, response.content_type, b"", headers=response.headers)
    return response


def _not_modified(response: Response, headers: Message) -> bool:
    etag = response.headers.get("ETag")
    inm = headers.get("If-None-Match")
    if inm is not None:
        if not etag:
            return False
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims and response.last_modified:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return int(response.last_modified.timestamp()) <= int(since.timestamp())
    return False


def write_response(handler: BaseHTTPRequestHandler, response: Response, head: bool = False) -> None:
    handler.send_response(response.status)
    handler.send_header("Content-Type", response.content_type)
    for name, value in response.headers.items():
        handler.send_header(name, value)
    body = b"" if response.status == 304 else response.body
    if response.status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    if not head and body:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)
