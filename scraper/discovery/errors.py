"""What a service answered instead of data, as types the caller can act on.

Archive and search services fail in ways an HTTP status does not show: GDELT answers
a bad query with a 200 and a line of text, a CDX server under load sends an HTML error
page or nothing at all. Each parser raises one of these, so a caller can tell "retry
later" (`retryable`) from "this request will never work" without reading messages.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A service's answer could not be used; `snippet` is the start of what came back."""

    retryable = True

    def __init__(self, service: str, message: str, snippet: str = "") -> None:
        super().__init__(f"{service}: {message}" + (f": {snippet!r}" if snippet else ""))
        self.service = service
        self.snippet = snippet


class EmptyBody(ServiceError):
    """Nothing came back where data was due (an overloaded server or a cut connection)."""


class NotJson(ServiceError):
    """An HTML error page or a line of text where JSON was due."""


class MalformedJson(ServiceError):
    """JSON that does not parse, or does not have the documented shape."""


class RateLimited(ServiceError):
    """The service asked us to slow down (429, or its rate-limit text under another status)."""


class QueryRejected(ServiceError):
    """The service refused the query itself: retrying it unchanged can never work."""

    retryable = False


class UnusableRecord(ServiceError):
    """A WARC record that is not one complete HTTP response (another record type, too large)."""

    retryable = False


class TruncatedRecord(UnusableRecord):
    """A WARC record (one gzip member) that ends before its declared length."""


def snippet_of(body: bytes, limit: int = 160) -> str:
    """The start of a body as one line of text, for error messages and reports."""
    text = body[: limit * 4].decode("utf-8", "replace")
    return " ".join(text.split())[:limit]
