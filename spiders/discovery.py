"""What the discovery strategies (gdelt, wayback, commoncrawl) share: the date range of
a backfill, the ledger that lets it resume, and how a service's bad answer is retried
or given up on.

They only navigate: the services' answers are read by scraper.discovery (pure), the
pages they lead to go through the same pipeline as any other, and politeness is the
services' download slots (scraper.crawling.services).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from scraper import stats as stat_keys
from scraper.crawling.discovery_book import DiscoveryBook
from scraper.crawling.frontier import FOUND_VIA, LEAD, ORIGINAL_URL, PROVENANCE
from scraper.crawling.services import Backoff, Service, download_slots, service_request
from scraper.discovery.errors import ServiceError
from scraper.discovery.outlets import known_outlet
from scraper.discovery.wayback import is_archive_notice
from scraper.extract import is_article
from spiders.base import UNLISTED_KIND, NewsSpider, error_kind

T = TypeVar("T")
DEFAULT_LOOKBACK = timedelta(days=7)  # `crawl --discover` without --since, on a first run


def day_start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min, UTC)


def window_key(start: datetime, end: datetime) -> str:
    """How a window is named in the ledger (stable across runs with the same range)."""
    return f"{start.isoformat()}/{end.isoformat()}"


class DiscoverySpider(NewsSpider):
    """Base of the discovery strategies (a mixin of the coverage spider)."""

    @classmethod
    def update_settings(cls, settings) -> None:
        """Each discovery service is one download slot, its interval the slot's delay."""
        super().update_settings(settings)
        settings.set("DOWNLOAD_SLOTS", {**download_slots(settings), **settings.getdict("DOWNLOAD_SLOTS")},
                     priority="spider")

    @property
    def book(self) -> DiscoveryBook:
        return DiscoveryBook.for_crawler(self.crawler)

    @property
    def backoff(self) -> Backoff:
        return Backoff.for_crawler(self.crawler)

    def discovery_range(self) -> tuple[datetime, datetime]:
        """[since, until) of the backfill: NEWSWATCH_DISCOVERY_SINCE (a week back when
        unset) to the end of NEWSWATCH_DISCOVERY_UNTIL (now when unset)."""
        now = datetime.now(UTC).replace(microsecond=0)
        since = self.settings.get("NEWSWATCH_DISCOVERY_SINCE")
        until = self.settings.get("NEWSWATCH_DISCOVERY_UNTIL")
        end = min(now, day_start(until) + timedelta(days=1)) if until else now
        start = day_start(since) if since else end - DEFAULT_LOOKBACK
        return start, end

    def service(self, url: str, service: Service, callback, **meta: Any) -> scrapy.Request:
        return service_request(url, service, callback, self.service_failed, **meta)

    def read_answer(self, response: Response, parse: Callable[[], T]) -> tuple[T | None, list[Any]]:
        """A service's answer read by `parse`, or None and what to do instead: the request
        again after a back-off, or what giving it up means to the strategy."""
        try:
            value = parse()
        except ServiceError as exc:
            again = self.answer_problem(response, exc)
            return None, [again] if again is not None else list(self.service_gave_up(response.request))
        self.backoff.answered(response.request)
        return value, []

    def answer_problem(self, response: Response, exc: ServiceError) -> scrapy.Request | None:
        """A service answered with an error under a 200 (rate-limit text, an empty body, HTML
        where JSON was due): the request again after a back-off when that can help, else
        None (the caller gives the window up). Counted as an error of the service."""
        reason = type(exc).__name__.lower()
        self.logger.warning("%s: %s", response.url, exc)
        if exc.retryable:
            return self.backoff.retry(response.request, 503, reason)
        self.crawler.stats.inc_value(stat_keys.error(f"{response.request.meta.get('service')}_{reason}"))
        return None

    def service_failed(self, failure: Failure) -> Iterable[Any]:
        """A service request that failed for good (after its retries) or a connection
        error (retried with back-off first)."""
        request = failure.request
        if not failure.check(HttpError):
            again = self.backoff.retry(request, 503, error_kind(failure))
            if again is not None:
                return [again]
        else:
            self.crawler.stats.inc_value(stat_keys.error(f"{request.meta.get('service')}_gave_up"))
        self.logger.warning("gave up on %s: %s", request.url, error_kind(failure))
        return self.service_gave_up(request)

    def service_gave_up(self, request: scrapy.Request) -> Iterable[Any]:
        """What to do when a service request is given up on (each strategy says)."""
        self.settle(request.meta)
        return ()

    # ---- archived copies -----------------------------------------------------------

    def archived_request(self, fetch_url: str, service: Service, callback, original: str, *, fetched_from: str,
                         archive_url: str, archived_at: datetime, found_via: str, lead: str | None,
                         discovered_at: str | None = None, headers: dict[str, str] | None = None,
                         **meta: Any) -> scrapy.Request:
        """A request for an archived copy of `original`; the page it brings is the article
        at `original` (its canonical URL, its own publication date), fetched from the archive."""
        outlet = known_outlet(original, self.listed_hosts)
        provenance = {"fetched_from": fetched_from, "archive_url": archive_url,
                      "archived_at": archived_at.astimezone(UTC).isoformat(),
                      **({"discovered_at": discovered_at} if discovered_at else {})}
        if outlet is None:
            meta[UNLISTED_KIND] = self.discovery_policy.kind_for(original)
        request = self.service(fetch_url, service, callback, **{
            "outlet": outlet or "", ORIGINAL_URL: original, PROVENANCE: provenance, FOUND_VIA: found_via,
            LEAD: lead, "handle_httpstatus_list": [301, 302, 303, 307, 308], "dont_redirect": True, **meta})
        for name, value in (headers or {}).items():
            request.headers[name] = value
        return request

    def archived_page(self, response: Response, status: int, headers: dict[str, str],
                      body: bytes) -> Iterable[Any]:
        """The archived page to the pipeline, unless it is the archive's redirect notice or
        not an article at all (a soft 404 captured with status 200)."""
        original = response.meta[ORIGINAL_URL]
        if is_archive_notice(status, headers, body):
            self.crawler.stats.inc_value(stat_keys.skipped("archive_notice"))
            return self.archived_miss(response)
        if not is_article(body, original):
            self.crawler.stats.inc_value(stat_keys.skipped("archived_not_article"))
            return self.archived_miss(response)
        source = response.meta[PROVENANCE]["fetched_from"]
        self.crawler.stats.inc_value(stat_keys.archived(source))
        if response.meta.get("rescue_of"):
            self.crawler.stats.inc_value(stat_keys.RESCUED)
        item = self.page_item(response)
        item.body, item.headers = body, {name.lower(): value for name, value in headers.items()}
        if item.capture is not None and body is not response.body:
            # a record read out of the fetched bytes (a Common Crawl range): the archive keeps
            # the page the record holds, under the URL that was fetched (the row's archive_url)
            item.capture = dataclasses.replace(
                item.capture, status=status, body=body, content_decoded=True,
                headers=[(name.encode("latin-1", "replace"), value.encode("latin-1", "replace"))
                         for name, value in headers.items()])
        return [item]

    def archived_miss(self, response: Response) -> Iterable[Any]:
        """An archived capture that was not the article (the rescue tries an older one)."""
        self.settle(response.meta)
        return ()

