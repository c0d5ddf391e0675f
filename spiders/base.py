"""What every newswatch spider shares: the outlets it visits and how it hands a page on.

Spiders only navigate. They decide which URLs to fetch and pass each candidate
article page, with how it was found, to the pipeline, which extracts and stores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import exceptions as scrapy_errors
from scrapy.http import Response, TextResponse
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from scraper import stats as stat_keys
from scraper.archive.capture import capture_from_response
from scraper.config import Outlet, load_sources, select_outlets
from scraper.crawling.discovery_book import DiscoveryBook
from scraper.crawling.frontier import FOUND_VIA, LEAD, ORIGINAL_URL, PROVENANCE
from scraper.crawling.items import PageItem
from scraper.crawling.middlewares.offsite_guard import DISCOVERED
from scraper.crawling.parsers.links import same_site
from scraper.discovery.outlets import DiscoveryPolicy, discovery_policy, known_outlet
from scraper.discovery.untrusted import clean_url
from scraper.discovery.wayback import GONE_STATUSES, needs_rescue

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
UNLISTED_KIND = "unlisted_kind"  # request.meta key: the kind [discovery] gives a site nobody listed

# Scrapy 2.13+ wraps Twisted's errors in its own; both are listed so the names stay stable.
ERROR_KINDS: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("dns", (scrapy_errors.CannotResolveHostError, net.DNSLookupError)),
    ("timeout", (scrapy_errors.DownloadTimeoutError, net.TimeoutError, net.TCPTimedOutError)),
    ("connection_refused", (scrapy_errors.DownloadConnectionRefusedError, net.ConnectionRefusedError)),
    ("too_large", (scrapy_errors.DownloadCancelledError,)),  # DOWNLOAD_MAXSIZE reached while downloading
    ("truncated", (scrapy_errors.ResponseDataLossError,)),  # body shorter than its Content-Length
    ("connection_lost", (scrapy_errors.DownloadFailedError, net.ConnectionLost, net.ConnectionDone,
                         ResponseFailed, ResponseNeverReceived)),
)


def error_kind(failure: Failure) -> str:
    """A short, countable name for why a request failed (the key of crawl_runs.errors)."""
    from scrapy.spidermiddlewares.httperror import HttpError

    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    for kind, types in ERROR_KINDS:
        if failure.check(*types):
            return kind
    if failure.check(scrapy_errors.IgnoreRequest):
        message = str(failure.value)
        if "max redirections" in message:
            return "redirect_loop"
        if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a decompression bomb
            return "too_large"
    return failure.type.__name__ if failure.type else "unknown"


class NewsSpider(scrapy.Spider):
    """Base class: loads outlets from sources.toml (setting NEWSWATCH_SOURCES or -a sources=)."""

    found_via = "link"
    # Scrapy processes each response's output with this many concurrent tasks, created
    # afresh for every response (100 by default: most of the reactor's time per article
    # page, which yields one item). Our callbacks yield one item or plain requests.
    # (The Referer stays: without its middleware Scrapy's redirect middlewares warn on every crawl.)
    custom_settings = {"CONCURRENT_ITEMS": 4}

    def __init__(self, *args: Any, sources: str | None = None, outlets: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sources_arg = sources
        self._outlet_names = [n.strip() for n in outlets.split(",")] if outlets else None
        self.outlets: list[Outlet] = []  # the ones this crawl visits
        self.outlets_by_name: dict[str, Outlet] = {}  # every listed outlet (discovery may land on any)
        self.listed_hosts: dict[str, str] = {}  # homepage -> outlet name, for discovered URLs

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        path = spider._sources_arg or crawler.settings.get("NEWSWATCH_SOURCES")
        listed = load_sources(path)
        spider.outlets = select_outlets(listed, spider._outlet_names)
        spider.outlets_by_name = {o.name: o for o in listed}
        spider.listed_hosts = {o.homepage: o.name for o in listed}
        return spider

    def outlet_for(self, response: Response) -> Outlet | None:
        """The listed outlet of the page; None for a site found by discovery that nobody listed."""
        name = response.meta.get("outlet")
        return self.outlets_by_name.get(name) if name else None

    def request(self, url: str, outlet: Outlet, callback, **meta: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta={"outlet": outlet.name, **meta})

    def article_request(self, url: str, outlet: Outlet, hints: dict[str, str] | None = None) -> scrapy.Request | None:
        """A request for a candidate article page, or None when it is off the outlet's site."""
        if not same_site(url, outlet.host):
            self.crawler.stats.inc_value(stat_keys.OFFSITE_SKIPPED)
            return None
        return self.request(url, outlet, self.parse_article, hints={k: v for k, v in (hints or {}).items() if v})

    def discovered_request(self, raw_url: object, found_via: str, *, discovered_at: str | None = None,
                           **meta: Any) -> scrapy.Request | None:
        """A request for an article URL that a discovery service named (untrusted input):
        None when it is malformed. It is fetched from its own site, with robots.txt; on a
        host that sources.toml does not list, the guard checks it against [discovery]
        and refuses internal hosts."""
        url = clean_url(raw_url)
        if url is None:
            self.crawler.stats.inc_value(stat_keys.skipped("bad_discovered_url"))
            return None
        outlet = known_outlet(url, self.listed_hosts)
        provenance = {"discovered_at": discovered_at} if discovered_at else {}
        meta = {"outlet": outlet or "", FOUND_VIA: found_via, PROVENANCE: provenance, LEAD: meta.pop(LEAD, None)
                or url, "depth_reset": True, **meta}
        if outlet is None:
            meta[DISCOVERED] = True
            meta[UNLISTED_KIND] = self.discovery_policy.kind_for(url)
        self.crawler.stats.inc_value(stat_keys.found(found_via))
        return scrapy.Request(url, callback=self.parse_article, errback=self.on_error, meta=meta)

    def unchanged(self, response: Response) -> bool:
        """A 304: nothing changed since the last crawl, so nothing to do."""
        return response.status == 304

    def too_old(self, published: str | None) -> bool:
        """Entries published before NEWSWATCH_SINCE are not fetched at all."""
        since = self.settings.get("NEWSWATCH_SINCE")
        if not since or not published:
            return False
        if published[:10] < since:
            self.crawler.stats.inc_value(stat_keys.SKIPPED_OLDER_THAN_SINCE)
            return True
        return False

    def parse_article(self, response: Response) -> Iterable[Any]:
        if self.unchanged(response):
            return
        redirects = response.meta.get("redirect_urls")
        if self.rescuing and redirects and needs_rescue(response.status, redirects[0], response.url):
            self.crawler.stats.inc_value(stat_keys.GONE)  # sent to the home page or a section: removed
            yield from self.rescue(redirects[0], response.meta)
            return
        if not self.is_html(response):
            self.crawler.stats.inc_value(stat_keys.NOT_HTML)
            return
        yield self.page_item(response)

    def page_item(self, response: Response) -> PageItem:
        outlet = self.outlet_for(response)
        fetched_at = datetime.now(UTC).replace(microsecond=0)
        return PageItem(
            url=response.meta.get(ORIGINAL_URL) or response.url,  # an archived copy is its article's
            body=response.body,
            headers={k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v},
            fetched_at=fetched_at.isoformat(),
            outlet=outlet.name if outlet else "",
            outlet_kind=outlet.kind if outlet else response.meta.get(UNLISTED_KIND, ""),
            found_via=self.found_via,
            status=response.status,
            hints=dict(response.meta.get("hints") or {}),
            capture=capture_from_response(response, fetched_at) if self.settings.getbool("NEWSWATCH_ARCHIVE") else None,
            provenance=dict(response.meta.get(PROVENANCE) or {}),
            lead=response.meta.get(LEAD),
        )

    @property
    def discovery_policy(self) -> DiscoveryPolicy:
        """sources.toml's [discovery] table: which sites nobody listed may be fetched, and their kind."""
        policy = getattr(self, "_discovery_policy", None)
        if policy is None:
            path = self._sources_arg or self.settings.get("NEWSWATCH_SOURCES")
            policy = self._discovery_policy = discovery_policy(path)
        return policy

    @property
    def rescuing(self) -> bool:
        """NEWSWATCH_RESCUE: an article found gone is fetched from the Wayback Machine."""
        return self.settings.getbool("NEWSWATCH_RESCUE")

    def rescue(self, url: str, meta: dict) -> Iterable[scrapy.Request]:
        """Requests that look for an archived copy of a removed article (see spiders.wayback)."""
        return ()

    def settle(self, meta: dict) -> None:
        """A discovered URL's fetch ended without a page for the pipeline (see crawling.discovery_book)."""
        if meta.get(LEAD):
            DiscoveryBook.for_crawler(self.crawler).settle(meta[LEAD])

    def is_html(self, response: Response) -> bool:
        """An HTML page with something in it; an empty body served as HTML is counted as
        an error (empty_body) and goes no further. Binary bodies served as HTML are found
        by the extraction worker (binary_body), off the reactor thread: reading a page's
        bytes is not navigation."""
        content_type = (response.headers.get(b"Content-Type") or b"text/html").lower()
        if not any(t in content_type for t in HTML_TYPES):
            return False
        body = response.body
        problem = "empty_body" if not body or body.isspace() else None
        if problem is None and isinstance(response, TextResponse):
            return True
        self.crawler.stats.inc_value(stat_keys.error(problem or "binary_body"))
        self.logger.warning("%s: %s", problem or "binary_body", response.url)
        return False

    def on_error(self, failure: Failure) -> Iterable[scrapy.Request]:
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        from scraper.crawling.middlewares.offsite_guard import ForbiddenHost

        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        if failure.check(ForbiddenHost):
            self.settle(meta)
            return ()  # counted and logged by the guard
        kind = error_kind(failure)
        if failure.check(IgnoreRequest) and not failure.check(HttpError) and kind == failure.type.__name__:
            # robots.txt said no (counted by Scrapy as robotstxt/forbidden): a rule, not an error
            self.crawler.stats.inc_value(stat_keys.SKIPPED_IGNORED)
            self.settle(meta)
            return ()
        self.crawler.stats.inc_value(stat_keys.error(kind))
        self.logger.warning("%s: %s", kind, getattr(request, "url", "?"))
        if (self.rescuing and failure.check(HttpError) and failure.value.response.status in GONE_STATUSES
                and request.callback == self.parse_article and not meta.get(ORIGINAL_URL)):
            self.crawler.stats.inc_value(stat_keys.GONE)
            return self.rescue(request.url, meta)  # the rescue settles the lead when it ends
        self.settle(meta)
        return ()
