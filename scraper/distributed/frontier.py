"""The shared crawl frontier in Redis, built on scrapy-redis.

scrapy-redis gives the shared request queue (a sorted set by priority), the shared
duplicate filter (a set of fingerprints) and the Scheduler that uses them. A news crawl
needs three things more, added here by subclassing rather than replacing:

- *leases*: scrapy-redis pops a request and forgets it, so a worker killed mid-fetch
  loses it. Here the pop also records the request in the worker's in-flight hash, in
  one Lua script; the worker acknowledges it once its page and the requests it led to
  are safely in Redis, and the requests of a worker whose heartbeat stopped go back to
  the queue (at-least-once);
- fingerprints of the canonical URL (tracking parameters removed), so `?utm_source=`
  variants of an article are one request for every strategy and worker;
- a seeding role, whose scheduler only fills the queue and never fetches.
"""

from __future__ import annotations

import itertools
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from scraper.crawling.frontier import FoundAgain, canonical_fingerprint
from scraper.errors import NewswatchError

LEASE = "newswatch_lease"  # request.meta key: this worker's lease on the request
DEFAULT_PREFIX = "newswatch"
URL_SCHEMES = ("redis", "rediss", "unix")


class RedisUnavailable(NewswatchError):
    """The frontier's Redis cannot be reached: not the user's input, so exit status 1."""

    exit_code = 1


@dataclass(frozen=True)
class FrontierKeys:
    """Every Redis key of one frontier, under one prefix (several crawls can share a server)."""

    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def items(self) -> str:
        return f"{self.prefix}:items"

    @property
    def items_processing(self) -> str:
        return f"{self.prefix}:items:processing"

    @property
    def stats(self) -> str:
        return f"{self.prefix}:stats"

    @property
    def meta(self) -> str:
        return f"{self.prefix}:meta"

    @property
    def link_budget(self) -> str:
        return f"{self.prefix}:link_budget"

    @property
    def validators(self) -> str:
        return f"{self.prefix}:validators"

    @property
    def ingest_lock(self) -> str:
        return f"{self.prefix}:ingest"

    def inflight(self, worker_id: str) -> str:
        return f"{self.prefix}:inflight:{worker_id}"

    def worker(self, worker_id: str) -> str:
        return f"{self.prefix}:worker:{worker_id}"

    def inflight_pattern(self) -> str:
        return f"{self.prefix}:inflight:*"

    def worker_pattern(self) -> str:
        return f"{self.prefix}:worker:*"

    def worker_of(self, inflight_key: str) -> str:
        return inflight_key.rsplit(":", 1)[1]


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def check_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in URL_SCHEMES:
        raise NewswatchError(f"--distributed expects a Redis URL such as redis://127.0.0.1:6379/0, got {url!r}")
    return url


def connect(url: str, *, timeout: float = 5.0) -> redis.Redis:
    """A checked connection (bytes in, bytes out); a clear error when Redis is not there."""
    client = redis.Redis.from_url(check_url(url), socket_connect_timeout=timeout, socket_timeout=30,
                                  health_check_interval=30)
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise NewswatchError(f"Redis at {redacted(url)} refused the credentials: {exc}") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {redacted(url)}: {exc}") from None
    return client


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


# -- leases ---------------------------------------------------------------------------

# KEYS: queue, in-flight hash; ARGV: lease id. Pop the best request and lease it, atomically.
POP_AND_LEASE = """
local popped = redis.call('ZRANGE', KEYS[1], 0, 0)
if #popped == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], popped[1])
return popped[1]
"""

# KEYS: in-flight hash, queue, worker heartbeat. Only when the heartbeat is gone: every
# leased request goes back to the front of the queue. Returns how many (-1: still alive).
REQUEUE_LEASES = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local leased = redis.call('HVALS', KEYS[1])
for _, request in ipairs(leased) do redis.call('ZADD', KEYS[2], -1000000, request) end
redis.call('DEL', KEYS[1])
return #leased
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request to this worker."""

    def __init__(self, server: redis.Redis, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.keys = FrontierKeys(settings.get("NEWSWATCH_REDIS_PREFIX") or DEFAULT_PREFIX)
        self.worker_id: str | None = settings.get("NEWSWATCH_WORKER_ID")
        self._pop_and_lease = server.register_script(POP_AND_LEASE)
        self._leases = itertools.count(1)

    def pop(self, timeout: int = 0):
        if not self.worker_id:
            return None  # the seeding process fills the queue; it never fetches
        lease = str(next(self._leases))
        data = self._pop_and_lease(keys=[self.key, self.keys.inflight(self.worker_id)], args=[lease])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = lease
        return request


def requeue_dead_workers(server: redis.Redis, keys: FrontierKeys, *, include: str | None = None) -> int:
    """Put back the leased requests of every worker whose heartbeat expired (or of
    `include`, a worker that is shutting down and has already dropped its heartbeat)."""
    script = server.register_script(REQUEUE_LEASES)
    moved = 0
    for key in server.scan_iter(match=keys.inflight_pattern(), count=100):
        name = key.decode() if isinstance(key, bytes) else key
        worker = keys.worker_of(name)
        if include is not None and worker != include:
            continue
        count = script(keys=[name, keys.requests, keys.worker(worker)])
        moved += max(int(count), 0)
    return moved


class SharedCounter:
    """A Counter over a Redis hash, for budgets all workers share (pages followed per
    outlet): `counter[name] += 1` is one atomic HINCRBY of what this process added."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server, self.key = server, key
        self._read: dict[str, int] = {}

    def __getitem__(self, name: str) -> int:
        value = int(self.server.hget(self.key, name) or 0)
        self._read[name] = value
        return value

    def __setitem__(self, name: str, value: int) -> None:
        self.server.hincrby(self.key, name, value - self._read.get(name, 0))
        self._read[name] = value


# -- duplicate filter and scheduler ----------------------------------------------------------


class CanonicalDupeFilter(RFPDupeFilter):
    """scrapy-redis's shared duplicate filter, keyed on the canonical URL like a local
    crawl's (scraper.crawling.frontier), noting which strategy found a page again."""

    found_again: FoundAgain | None = None

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.found_again = FoundAgain.for_crawler(spider.crawler)
        return dupefilter

    def request_fingerprint(self, request) -> str:
        return canonical_fingerprint(request).hex()

    def request_seen(self, request) -> bool:
        seen = super().request_seen(request)
        if seen and self.found_again is not None:
            self.found_again.note(request)
        return seen


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler; in the seeding role it only enqueues."""

    seeding = False

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.seeding = crawler.settings.get("NEWSWATCH_ROLE") == "seed"
        return scheduler

    def has_pending_requests(self) -> bool:
        return False if self.seeding else super().has_pending_requests()

    def next_request(self):
        return None if self.seeding else super().next_request()


# -- state of the whole crawl --------------------------------------------------------------


@dataclass
class FrontierState:
    queued: int
    in_flight: int
    workers: int
    items_waiting: int

    @property
    def crawling(self) -> bool:
        """Requests are waiting or being worked on somewhere."""
        return self.queued > 0 or self.in_flight > 0


def crawl_meta(server: redis.Redis, keys: FrontierKeys) -> dict[str, str]:
    """What the seeder recorded: strategies, outlets, when, and its sources and watchlist."""
    return {k.decode(): v.decode("utf-8") for k, v in server.hgetall(keys.meta).items()}


def worker_stats(server: redis.Redis, keys: FrontierKeys) -> dict[str, int]:
    """The counters finished workers added up (pages fetched, articles pushed, errors)."""
    return {k.decode(): int(v) for k, v in server.hgetall(keys.stats).items()}


def frontier_report(server: redis.Redis, keys: FrontierKeys) -> dict:
    """What an operator asks of a running distributed crawl (`newswatch frontier`)."""
    state = frontier_state(server, keys)
    meta = crawl_meta(server, keys)
    stats = worker_stats(server, keys)
    return {
        "prefix": keys.prefix, "queued": state.queued, "in_flight": state.in_flight, "workers": state.workers,
        "records_waiting": state.items_waiting, "urls_seen": int(server.scard(keys.dupefilter)),
        "writer_running": bool(server.exists(keys.ingest_lock)), "crawling": state.crawling,
        "seeded_at": meta.get("seeded_at"), "strategies": meta.get("strategies"),
        "outlets": meta.get("outlets"), "finished_workers_stats": stats,
    }


def frontier_state(server: redis.Redis, keys: FrontierKeys) -> FrontierState:
    in_flight = sum(int(server.hlen(k)) for k in server.scan_iter(match=keys.inflight_pattern(), count=100))
    workers = sum(1 for _ in server.scan_iter(match=keys.worker_pattern(), count=100))
    items = int(server.llen(keys.items)) + int(server.llen(keys.items_processing))
    return FrontierState(int(server.zcard(keys.requests)), in_flight, workers, items)
