"""The shared services discovery talks to (GDELT, the Wayback Machine, Common Crawl):
where each one is, how often it may be asked, and how its requests are retried.

Politeness is Scrapy's own: each service is one download slot (`DOWNLOAD_SLOTS`) with
its interval as the slot's delay, one request at a time, no jitter and no AutoThrottle
adjustment, so the interval is a floor between two requests, retries included. A 429 or
5xx (or a rate-limit or empty answer under a 200) raises that slot's delay to the
back-off for the next attempt, and a good answer brings it back: a back-off slows the
service's slot, never the crawl of the outlets.

Their APIs are used as their operators document them, not crawled: robots.txt (written
for crawlers of their pages) is not asked for these requests. The articles they lead to
are fetched from the outlets' own sites with robots.txt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import scrapy

from scraper import stats as stat_keys
from scraper.discovery.pacing import RetryPolicy, parse_retry_after


@dataclass(frozen=True)
class Service:
    """One service: its download slot, the settings naming its endpoints, its interval setting."""

    slot: str
    endpoints: tuple[str, ...]
    interval: str


GDELT = Service("gdelt", ("NEWSWATCH_GDELT_ENDPOINT",), "NEWSWATCH_GDELT_INTERVAL")
# the Wayback Machine's CDX search and its replay are two services with two limits
WAYBACK_CDX = Service("wayback-cdx", ("NEWSWATCH_CDX_ENDPOINT",), "NEWSWATCH_CDX_INTERVAL")
WAYBACK_REPLAY = Service("wayback-replay", ("NEWSWATCH_WAYBACK_REPLAY",), "NEWSWATCH_WAYBACK_INTERVAL")
CC_INDEX = Service("commoncrawl-index", ("NEWSWATCH_CC_INDEX",), "NEWSWATCH_CC_INTERVAL")
CC_DATA = Service("commoncrawl-data", ("NEWSWATCH_CC_DATA",), "NEWSWATCH_CC_INTERVAL")
SERVICES: tuple[Service, ...] = (GDELT, WAYBACK_CDX, WAYBACK_REPLAY, CC_INDEX, CC_DATA)
BY_SLOT = {service.slot: service for service in SERVICES}

RESPONSE_META = ("download_latency",)  # what Scrapy wrote into the meta for the answer just read
SERVICE = "service"  # request.meta key: the Service.slot a request is for
ATTEMPT = "service_attempt"  # request.meta key: attempts made so far (1 for the first)


def slot_delay(interval: float) -> float:
    """A service slot's delay: its interval and a small margin, since the reactor's timers
    may fire a few milliseconds early, a proxy or the network may delay one request more
    than the next, and a service counts from when requests arrive."""
    return interval * 1.05 + 0.05 if interval > 0 else 0.0


def download_slots(settings) -> dict[str, dict[str, float]]:
    """DOWNLOAD_SLOTS entries for the services: one request at a time, the interval as a floor."""
    return {service.slot: {"concurrency": 1, "delay": slot_delay(settings.getfloat(service.interval)), "jitter": 0.0}
            for service in SERVICES}


def endpoint_urls(settings) -> list[str]:
    """Every configured service URL (the offsite guard lets these through)."""
    return [settings.get(name) for service in SERVICES for name in service.endpoints if settings.get(name)]


def service_request(url: str, service: Service, callback: Callable, errback: Callable | None = None,
                    **meta: Any) -> scrapy.Request:
    """A request to a service's API, in the service's slot, retried by `Backoff` only."""
    return scrapy.Request(url, callback=callback, errback=errback, dont_filter=True, meta={
        SERVICE: service.slot, "download_slot": service.slot, "dont_obey_robotstxt": True,
        "autothrottle_dont_adjust_delay": True, "dont_retry": True, ATTEMPT: 1,
        "depth_reset": True, **meta})  # DEPTH_LIMIT bounds link-following, not a service's paging


class Backoff:
    """Retries of service requests with doubling waits, applied as the slot's delay.

    One per crawler (`for_crawler`), used by the ServiceBackoffMiddleware for HTTP
    statuses and by the spiders for answers that are errors under a 200 (GDELT's
    rate-limit text, an empty or HTML body where JSON was due).
    """

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = RetryPolicy(max_attempts=settings.getint("NEWSWATCH_DISCOVERY_RETRIES") + 1,
                                  base=settings.getfloat("NEWSWATCH_DISCOVERY_BACKOFF"))
        self.intervals = {service.slot: slot_delay(settings.getfloat(service.interval)) for service in SERVICES}

    @classmethod
    def for_crawler(cls, crawler) -> Backoff:
        backoff = getattr(crawler, "newswatch_backoff", None)
        if backoff is None:
            backoff = crawler.newswatch_backoff = cls(crawler)
        return backoff

    def retry(self, request: scrapy.Request, status: int, reason: str,
              retry_after: float | None = None) -> scrapy.Request | None:
        """The request again, after a back-off (the slot's delay raised), or None when
        retries are spent or the service asked for a wait longer than we give it. The
        problem is counted as an error of the service either way."""
        slot_name = request.meta.get(SERVICE)
        self.stats.inc_value(stat_keys.error(f"{slot_name}_{reason}"))
        attempt = int(request.meta.get(ATTEMPT, 1))
        if not self.policy.should_retry(status, attempt, retry_after):
            return None
        self._slow(slot_name, self.policy.delay(attempt, retry_after))
        self.stats.inc_value(stat_keys.DISCOVERY_RETRIES)
        meta = {key: value for key, value in request.meta.items() if key not in RESPONSE_META}
        return request.replace(meta={**meta, ATTEMPT: attempt + 1})

    def answered(self, request: scrapy.Request) -> None:
        """A good answer: the service's slot goes back to its interval."""
        self._slow(request.meta.get(SERVICE), None)

    def retry_after(self, response) -> float | None:
        value = response.headers.get(b"Retry-After")
        return parse_retry_after(value.decode("latin-1")) if value else None

    def _slow(self, slot_name: str | None, delay: float | None) -> None:
        engine = getattr(self.crawler, "engine", None)
        slot = engine.downloader.slots.get(slot_name) if engine and slot_name else None
        if slot is not None:
            base = self.intervals.get(slot_name, 0.0)
            slot.delay = max(base, delay) if delay is not None else base
