"""The HTTP download handler: Scrapy's, without Twisted's hidden retry.

Twisted's connection pool sends a request a second time, silently, when it fails on a
reused keep-alive connection. Scrapy's RetryMiddleware already retries failures, counted
and bounded by RETRY_TIMES; with both, a server that resets every connection was asked
up to twice as often as RETRY_TIMES says. Here only the counted retries happen.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class CountedRetriesHandler(HTTP11DownloadHandler):
    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self._pool.retryAutomatically = False
