"""Retry-After: Scrapy retries 429/503 at once; a server that says how long to wait is
waited for, up to a cap, and a longer wait is not retried at all."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from scraper import stats as stat_keys


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Wait what a 429/503 asks before Scrapy's RetryMiddleware retries it.

    Sits just after RetryMiddleware on the response path (priority 555 > 550), so the
    retry that follows happens after the wait; retries stay bounded by RETRY_TIMES. A
    wait above NEWSWATCH_RETRY_AFTER_MAX seconds is not retried at all (the error counts).
    """

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.max_wait = settings.getfloat("NEWSWATCH_RETRY_AFTER_MAX", 30)
        self.max_retries = settings.getint("RETRY_TIMES")
        self.codes = {int(c) for c in settings.getlist("RETRY_HTTP_CODES")}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response, spider=None):
        if response.status not in (429, 503) or response.status not in self.codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        retries_left = request.meta.get("retry_times", 0) < request.meta.get("max_retry_times", self.max_retries)
        if wait is None or not retries_left:
            return response
        if wait > self.max_wait:
            request.meta["dont_retry"] = True  # the server asked for more than we wait: give up now
            self.stats.inc_value(stat_keys.RETRY_AFTER_TOO_LONG)
            return response
        from twisted.internet import reactor

        self.stats.inc_value(stat_keys.RETRY_AFTER_WAITED)
        await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return response
