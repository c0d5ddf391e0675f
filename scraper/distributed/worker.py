"""The Scrapy side of a distributed worker: keep its leases honest, hand its articles to
Redis, and decide together with the other workers when the crawl is over.

- `LeaseMiddleware` (spider middleware, next to the engine) sends the requests a page
  led to straight into the shared queue and lets the page's item go only after them, so
  acknowledging the item also acknowledges the page;
- `RedisSink` (the pipeline's sink, NEWSWATCH_SINK) pushes each record the pipeline
  built here, in the worker (the CPU work is what spreads over machines), for the single
  writer, in one transaction with the acknowledgement of the lease; `RedisValidators`
  gives conditional GET the validators the writer published;
- `WorkerCoordinator` (extension) keeps a heartbeat, puts back the leases of workers
  that died, and keeps the spider open while any other worker may still find work.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy_redis import connection
from twisted.internet import task

from scraper import stats as stat_keys
from scraper.archive.capture import capture_to_json
from scraper.crawling.frontier import FoundAgain
from scraper.crawling.items import PageItem
from scraper.crawling.validators import stored_unchanged, validators_for
from scraper.distributed.frontier import (
    DEFAULT_PREFIX,
    LEASE,
    FrontierKeys,
    SharedCounter,
    frontier_state,
    requeue_dead_workers,
)

logger = logging.getLogger(__name__)
ITEM_LEASE = "_newswatch_lease"
STATS_SHARED = (stat_keys.PAGES_FETCHED, stat_keys.ROBOTS_FORBIDDEN)


class LeaseBook:
    """Which leases still wait for items; acknowledges a lease (HDEL) when none do."""

    def __init__(self, server: redis.Redis, keys: FrontierKeys, worker_id: str) -> None:
        self.server = server
        self.keys = keys
        self.inflight = keys.inflight(worker_id)
        self.pending: dict[str, int] = {}

    @classmethod
    def for_crawler(cls, crawler) -> LeaseBook:
        book = getattr(crawler, "newswatch_leases", None)
        if book is None:
            settings = crawler.settings
            keys = FrontierKeys(settings.get("NEWSWATCH_REDIS_PREFIX") or DEFAULT_PREFIX)
            book = cls(connection.from_settings(settings), keys, settings.get("NEWSWATCH_WORKER_ID"))
            crawler.newswatch_leases = book
        return book

    def expect(self, lease: str, items: int) -> None:
        self.pending[lease] = items

    def settle(self, lease: str | None, record: bytes | None = None) -> None:
        """One item of `lease` is done; `record`, if any, goes to the writer in the same
        transaction as the acknowledgement, so a crash loses neither or redoes both."""
        last = True
        if lease and lease in self.pending:
            self.pending[lease] -= 1
            last = self.pending[lease] <= 0
            if last:
                del self.pending[lease]
        if record is None and not (lease and last):
            return
        with self.server.pipeline(transaction=True) as pipe:
            if record is not None:
                pipe.rpush(self.keys.items, record)
            if lease and last:
                pipe.hdel(self.inflight, lease)
            pipe.execute()


class LeaseMiddleware:
    """Spider middleware at the engine end of the chain (order 5)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.book = LeaseBook.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("NEWSWATCH_WORKER_ID"):
            raise NotConfigured("not a distributed worker")
        return cls(crawler)

    async def process_spider_output(self, response, result, spider=None):
        lease = response.meta.get(LEASE)
        held: list[Any] = []
        async for output in result:
            if isinstance(output, Request):
                self.crawler.engine.crawl(output)  # into the shared queue now, before the ack
            else:
                held.append(output)
        if not held:
            self.book.settle(lease)  # nothing to push: the page is done
            return
        if lease:
            self.book.expect(lease, len(held))
        for item in held:
            setattr(item, ITEM_LEASE, lease)
            yield item


class RedisValidators:
    """The validators the writer published in Redis (a worker has no database); the
    navigation pages' new ones go to the writer, which keeps them if the run finishes."""

    def __init__(self, server: redis.Redis, keys: FrontierKeys) -> None:
        self.server = server
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler) -> RedisValidators:
        settings = crawler.settings
        return cls(connection.from_settings(settings),
                   FrontierKeys(settings.get("NEWSWATCH_REDIS_PREFIX") or DEFAULT_PREFIX))

    def get(self, url: str) -> dict | None:
        raw = self.server.hget(self.keys.validators, url)
        return json.loads(raw) if raw else None

    def remember(self, rows: list[dict]) -> None:
        if rows:
            self.server.rpush(self.keys.items, json.dumps({"validators": rows}))

    def close(self) -> None:
        """Nothing to close: the connection is scrapy-redis's."""


class RedisSink:
    """A worker's kept articles go to Redis for `newswatch ingest`, each in one
    transaction with the acknowledgement of its lease; so do the strategies that found
    a page again."""

    def __init__(self, crawler) -> None:
        self.stats = crawler.stats
        self.book = LeaseBook.for_crawler(crawler)
        self.validators = validators_for(crawler)
        self.found_again = FoundAgain.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler, extractor) -> RedisSink:
        return cls(crawler)

    def open(self) -> None:
        """Nothing to open: the connection is scrapy-redis's."""

    def close(self) -> None:
        pairs = self.found_again.take()
        if pairs:
            self.book.server.rpush(self.book.keys.items, json.dumps({"found_via": pairs}))

    def unchanged(self, item: PageItem) -> bool:
        """The same bytes as the stored article's: nothing to extract."""
        return stored_unchanged(self.validators, item.url, item.body)

    def discard(self, item: PageItem) -> None:
        """Nothing to push: the item's share of its page's lease is done (after an error
        too, so a page that cannot be read is not retried forever)."""
        self.book.settle(getattr(item, ITEM_LEASE, None))

    async def keep(self, item: PageItem, record: dict, mentions: list[dict]) -> None:
        pushed = {"record": record, "mentions": mentions}
        if item.capture is not None:  # the writer archives the page as fetched
            pushed["capture"] = capture_to_json(item.capture)
        payload = json.dumps(pushed, ensure_ascii=False, default=str)
        self.book.settle(getattr(item, ITEM_LEASE, None), payload.encode("utf-8"))
        self.stats.inc_value(stat_keys.ARTICLES_PUSHED)
        return None


class WorkerCoordinator:
    """Heartbeat, recovery of dead workers' leases, and the shared end of the crawl."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.worker_id: str = settings.get("NEWSWATCH_WORKER_ID")
        self.keys = FrontierKeys(settings.get("NEWSWATCH_REDIS_PREFIX") or DEFAULT_PREFIX)
        self.server = connection.from_settings(settings)
        self.ttl = max(2, settings.getint("NEWSWATCH_WORKER_TTL", 30))
        self.idle_timeout = settings.getfloat("NEWSWATCH_IDLE_TIMEOUT", 10.0)
        self.idle_since: float | None = None
        self.stop = threading.Event()
        self.beat: threading.Thread | None = None
        self.recovery: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("NEWSWATCH_WORKER_ID"):
            raise NotConfigured("not a distributed worker")
        coordinator = cls(crawler)
        crawler.signals.connect(coordinator.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(coordinator.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(coordinator.spider_closed, signal=signals.spider_closed)
        return coordinator

    def _heartbeat(self) -> None:
        """In a thread of its own, so a page that keeps the reactor busy for a while does
        not make the other workers think this one died."""
        while not self.stop.wait(self.ttl / 3):
            try:
                self.server.set(self.keys.worker(self.worker_id), str(time.time()), ex=self.ttl)
            except redis.RedisError as exc:
                logger.warning("heartbeat to Redis failed: %s", exc)

    def spider_opened(self, spider=None) -> None:
        if spider is not None and hasattr(spider, "pages_per_outlet"):
            # --max-pages is per outlet for the whole crawl, not per worker
            spider.pages_per_outlet = SharedCounter(self.server, self.keys.link_budget)
        self.server.set(self.keys.worker(self.worker_id), str(time.time()), ex=self.ttl)
        self.beat = threading.Thread(target=self._heartbeat, name="newswatch-heartbeat", daemon=True)
        self.beat.start()
        self.recovery = task.LoopingCall(self._recover)
        self.recovery.start(max(1.0, self.ttl / 3), now=False)

    def _recover(self) -> None:
        try:
            moved = requeue_dead_workers(self.server, self.keys)
        except redis.RedisError as exc:
            logger.warning("could not check for dead workers: %s", exc)
            return
        if moved:
            logger.warning("put back %d requests of workers that stopped answering", moved)
            self.crawler.stats.inc_value(stat_keys.REQUEUED_FROM_DEAD_WORKERS, moved)

    def spider_idle(self, spider=None) -> None:
        # The engine is idle: every request this worker leased has been handled.
        self.server.delete(self.keys.inflight(self.worker_id))
        self._recover()
        state = frontier_state(self.server, self.keys)
        if state.crawling:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider

    def spider_closed(self, spider=None, reason: str = "finished") -> None:
        self.stop.set()
        if self.recovery is not None and self.recovery.running:
            self.recovery.stop()
        try:
            self._share_stats()  # before the heartbeat goes: the writer waits for live workers
            self.server.delete(self.keys.worker(self.worker_id))
            if reason == "finished":
                self.server.delete(self.keys.inflight(self.worker_id))
            else:  # stopped early: what it had leased goes back for the others
                requeue_dead_workers(self.server, self.keys, include=self.worker_id)
        except redis.RedisError as exc:
            logger.warning("could not report to Redis at close: %s", exc)

    def _share_stats(self) -> None:
        stats = self.crawler.stats.get_stats()
        with self.server.pipeline() as pipe:
            for key, value in stats.items():
                if (key.startswith(stat_keys.PREFIX) or key in STATS_SHARED) and isinstance(value, int):
                    pipe.hincrby(self.keys.stats, key, value)
            pipe.execute()
