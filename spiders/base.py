"""What every newswatch spider shares: the outlets it visits and how it hands a page on.

Spiders only navigate. They decide which URLs to fetch and pass each candidate
article page, with how it was found, to the pipeline, which extracts and stores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from scraper.config import Outlet, load_sources, select_outlets
from scraper.items import PageItem
from scraper.links import same_site

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


def error_kind(failure: Failure) -> str:
    """A short, countable name for why a request failed."""
    from scrapy.spidermiddlewares.httperror import HttpError

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DNSLookupError):
        return "dns"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(ConnectionRefusedError):
        return "connection_refused"
    return failure.type.__name__ if failure.type else "unknown"


class NewsSpider(scrapy.Spider):
    """Base class: loads outlets from sources.toml (setting NEWSWATCH_SOURCES or -a sources=)."""

    found_via = "link"

    def __init__(self, *args: Any, sources: str | None = None, outlets: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sources_arg = sources
        self._outlet_names = [n.strip() for n in outlets.split(",")] if outlets else None
        self.outlets: list[Outlet] = []
        self.outlets_by_name: dict[str, Outlet] = {}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = spider._sources_arg or crawler.settings.get("NEWSWATCH_SOURCES")
        spider.outlets = select_outlets(load_sources(path), spider._outlet_names)
        spider.outlets_by_name = {o.name: o for o in spider.outlets}
        return spider

    def outlet_for(self, response: Response) -> Outlet:
        return self.outlets_by_name[response.meta["outlet"]]

    def request(self, url: str, outlet: Outlet, callback, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta={"outlet": outlet.name, **meta})

    def article_request(self, url: str, outlet: Outlet, hints: dict[str, str] | None = None) -> scrapy.Request | None:
        """A request for a candidate article page, or None when it is off the outlet's site."""
        if not same_site(url, outlet.host):
            self.crawler.stats.inc_value("newswatch/offsite_skipped")
            return None
        return self.request(url, outlet, self.parse_article, hints={k: v for k, v in (hints or {}).items() if v})

    def unchanged(self, response: Response) -> bool:
        """A 304: nothing changed since the last crawl, so nothing to do."""
        return response.status == 304

    def too_old(self, published: str | None) -> bool:
        """Entries published before NEWSWATCH_SINCE are not fetched at all."""
        since = self.settings.get("NEWSWATCH_SINCE")
        if not since or not published:
            return False
        if published[:10] < since:
            self.crawler.stats.inc_value("newswatch/skipped/older_than_since")
            return True
        return False

    def parse_article(self, response: Response) -> Iterable[PageItem]:
        if self.unchanged(response):
            return
        if not self.is_html(response):
            self.crawler.stats.inc_value("newswatch/not_html")
            return
        yield self.page_item(response)

    def page_item(self, response: Response) -> PageItem:
        outlet = self.outlet_for(response)
        return PageItem(
            url=response.url,
            body=response.body,
            headers={k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v},
            fetched_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            outlet=outlet.name,
            outlet_kind=outlet.kind,
            found_via=self.found_via,
            status=response.status,
            hints=dict(response.meta.get("hints") or {}),
        )

    @staticmethod
    def is_html(response: Response) -> bool:
        content_type = (response.headers.get(b"Content-Type") or b"text/html").lower()
        return any(t in content_type for t in HTML_TYPES)

    def on_error(self, failure: Failure) -> None:
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # robots.txt said no (counted by Scrapy as robotstxt/forbidden): a rule, not an error
            self.crawler.stats.inc_value("newswatch/skipped/ignored")
            return
        kind = error_kind(failure)
        self.crawler.stats.inc_value(f"newswatch/errors/{kind}")
        self.logger.warning("%s: %s", kind, getattr(failure.request, "url", "?"))
