"""Running the three roles of a distributed crawl: seed, worker, and (for `crawl
--distributed`) all of them at once on this machine.

Each role that runs Scrapy is its own process (Twisted's reactor starts once per
process), so `crawl --distributed` starts the seeder and the workers as children and
runs the writer itself.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from scrapy.settings import Settings

from scraper import stats as stat_keys
from scraper.config import load_sources, select_outlets
from scraper.crawling import settings as default_settings
from scraper.crawling.runner import crawl_settings, run_spider
from scraper.distributed.frontier import (
    FrontierKeys,
    connect,
    crawl_meta,
    frontier_state,
    new_worker_id,
    redacted,
)
from scraper.distributed.ingest import publish_validators, run_ingest
from scraper.errors import NewswatchError
from scraper.match import load_watchlist
from scraper.runs.alerts import AlertConfig
from scraper.runs.ledger import RunSummary
from scraper.runs.lock import CrawlLock
from scraper.store import Store
from spiders import STRATEGIES, check_strategies

ENGINE_POLL_SECONDS = 0.5  # how soon an idle worker notices requests pushed by others


@dataclass
class SeedSummary:
    queued: int
    fresh: bool
    waiting: int


@dataclass
class WorkerSummary:
    worker_id: str
    reason: str
    pages_fetched: int
    articles_pushed: int
    requeued: int


def _quiet_scrapy_redis() -> None:
    """scrapy-redis 0.9.1 still passes `spider=` to the stats and calls Spider.log; both
    work and only warn on every request."""
    from scrapy.exceptions import ScrapyDeprecationWarning

    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")


def role_settings(url: str, prefix: str, role: str, sources: Path, watchlist: Path,
                  overrides: dict | None = None, worker_id: str | None = None) -> Settings:
    """Scrapy settings of a seeder or worker: the local crawl's, with scrapy-redis's
    scheduler (our leased queue, the canonical duplicate filter, JSON on the wire) instead
    of Scrapy's, and Redis instead of a database: the pipeline's sink pushes records for
    the writer, conditional GET reads the validators the writer published. A worker
    extracts in its own process unless NEWSWATCH_EXTRACT_WORKERS says otherwise (start
    more workers to use more cores)."""
    extensions = {**default_settings.EXTENSIONS, "scraper.distributed.worker.WorkerCoordinator": 100}
    return crawl_settings(sources, watchlist, overrides={
        "SCHEDULER": "scraper.distributed.frontier.FrontierScheduler",
        "SCHEDULER_PERSIST": True,  # one worker leaving must not empty the others' queue
        "SCHEDULER_QUEUE_CLASS": "scraper.distributed.frontier.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": FrontierKeys(prefix).requests,
        "SCHEDULER_DUPEFILTER_KEY": FrontierKeys(prefix).dupefilter,
        "DUPEFILTER_CLASS": "scraper.distributed.frontier.CanonicalDupeFilter",
        "SCHEDULER_SERIALIZER": "scraper.distributed.wire",
        "REDIS_URL": url,
        "REDIS_PARAMS": {"socket_connect_timeout": 5, "socket_timeout": 30, "retry_on_timeout": True},
        "NEWSWATCH_REDIS_PREFIX": prefix,
        "NEWSWATCH_ROLE": role,
        "NEWSWATCH_WORKER_ID": worker_id,
        "ITEM_PIPELINES": default_settings.ITEM_PIPELINES if role == "worker" else {},
        "NEWSWATCH_SINK": "scraper.distributed.worker.RedisSink",
        "NEWSWATCH_VALIDATORS": "scraper.distributed.worker.RedisValidators",
        "NEWSWATCH_EXTRACT_WORKERS": 0,
        "SPIDER_MIDDLEWARES": {"scraper.distributed.worker.LeaseMiddleware": 5},
        "EXTENSIONS": extensions,
        **(overrides or {}),
    })


def run_seed(url: str, sources: Path, watchlist: Path, *, strategies: list[str] | None = None,
             outlets: list[str] | None = None, overrides: dict | None = None,
             prefix: str = "newswatch") -> SeedSummary:
    """Fill the shared queue with each strategy's start requests (feeds, sitemaps,
    search pages, homepages). A new crawl (nothing queued or leased) starts with an
    empty duplicate filter; seeding during a crawl adds to it."""
    from spiders.coverage import CoverageSpider

    _quiet_scrapy_redis()
    chosen = check_strategies(strategies)
    picked = select_outlets(load_sources(sources), outlets)
    load_watchlist(watchlist)
    server = connect(url)
    keys = FrontierKeys(prefix)
    fresh = not frontier_state(server, keys).crawling
    if fresh:
        server.delete(keys.dupefilter, keys.stats, keys.meta, keys.link_budget)
    server.hset(keys.meta, mapping={
        "strategies": ",".join(chosen), "outlets": ",".join(o.name for o in picked),
        "sources_toml": Path(sources).read_text(encoding="utf-8"),
        "watchlist_toml": Path(watchlist).read_text(encoding="utf-8"),
        "seeded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    crawler = run_spider(role_settings(url, prefix, "seed", sources, watchlist,
                                       {"LOG_LEVEL": "WARNING", **(overrides or {})}),
                         CoverageSpider, outlets=",".join(o.name for o in picked), strategies=",".join(chosen))
    queued = int(crawler.stats.get_value(stat_keys.ENQUEUED_REDIS, 0) or 0)
    return SeedSummary(queued=queued, fresh=fresh, waiting=int(server.zcard(keys.requests)))


def frontier_config(url: str, prefix: str, sources: Path, watchlist: Path) -> tuple[Path, Path, list[str]]:
    """The config the crawl was seeded with (so every worker, on any machine, uses the
    same outlets and watchlist), else the local files; and the strategies."""
    meta = crawl_meta(connect(url), FrontierKeys(prefix))
    strategies = [s for s in meta.get("strategies", "").split(",") if s] or list(STRATEGIES)
    if "sources_toml" in meta and "watchlist_toml" in meta:
        folder = Path(tempfile.mkdtemp(prefix="newswatch-worker-"))
        sources, watchlist = folder / "sources.toml", folder / "watchlist.toml"
        sources.write_text(meta["sources_toml"], encoding="utf-8")
        watchlist.write_text(meta["watchlist_toml"], encoding="utf-8")
    return sources, watchlist, strategies


def run_worker(url: str, sources: Path, watchlist: Path, *, overrides: dict | None = None,
               prefix: str = "newswatch", idle_timeout: float = 10.0, heartbeat_ttl: int = 30) -> WorkerSummary:
    """Drain the shared queue until the whole crawl is over (nothing queued or leased
    anywhere for `idle_timeout` seconds)."""
    from scrapy.core.engine import ExecutionEngine

    from spiders.coverage import CoverageSpider

    _quiet_scrapy_redis()
    sources, watchlist, strategies = frontier_config(url, prefix, sources, watchlist)
    load_sources(sources)
    load_watchlist(watchlist)
    if not hasattr(ExecutionEngine, "_SLOT_HEARTBEAT_INTERVAL"):
        raise NewswatchError("this Scrapy version has no engine heartbeat setting; pin the version in pyproject.toml")
    # Scrapy polls an idle scheduler every 5 s; other workers may refill the queue any moment.
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = ENGINE_POLL_SECONDS
    worker_id = new_worker_id()
    settings = role_settings(url, prefix, "worker", sources, watchlist, {
        "NEWSWATCH_IDLE_TIMEOUT": idle_timeout, "NEWSWATCH_WORKER_TTL": heartbeat_ttl, **(overrides or {}),
    }, worker_id=worker_id)
    crawler = run_spider(settings, CoverageSpider, strategies=",".join(strategies))
    stats = crawler.stats.get_stats()
    return WorkerSummary(worker_id=worker_id, reason=str(stats.get("finish_reason", "unknown")),
                         pages_fetched=int(stats.get(stat_keys.PAGES_FETCHED, 0)),
                         articles_pushed=int(stats.get(stat_keys.ARTICLES_PUSHED, 0)),
                         requeued=int(stats.get(stat_keys.REQUEUED_FROM_DEAD_WORKERS, 0)))


def newswatch_command(*args: str) -> list[str]:
    """`newswatch ARGS` as a child process of this Python."""
    return [sys.executable, "-m", "scraper", *args]


def setting_args(overrides: dict | None) -> list[str]:
    """Scrapy setting overrides as `-s NAME=VALUE` arguments."""
    return [arg for key, value in (overrides or {}).items() for arg in ("-s", f"{key}={value}")]


def crawl_distributed(url: str, db: Path, sources: Path, watchlist: Path, *, workers: int = 2,
                      strategies: list[str] | None = None, outlets: list[str] | None = None,
                      overrides: dict | None = None, prefix: str = "newswatch",
                      idle_timeout: float = 5.0, alerts: AlertConfig | None = None,
                      archive_dir: Path | None = None) -> RunSummary:
    """Seed, start `workers` local worker processes, and write their records into `db`
    until the crawl is over. Workers started elsewhere with the same URL join in."""
    chosen = check_strategies(strategies)
    select_outlets(load_sources(sources), outlets)
    load_watchlist(watchlist)
    server = connect(url)
    lock = CrawlLock.for_database(db)
    lock.acquire()
    children: list[subprocess.Popen] = []
    try:
        store = Store(db)
        try:  # before any worker fetches: a recrawl asks only for what changed
            publish_validators(store, server, FrontierKeys(prefix))
        finally:
            store.close()
        common = ["--distributed", url, "--prefix", prefix, "--sources", str(sources), "--watchlist", str(watchlist)]
        seed = subprocess.run(newswatch_command("seed", *common, *[a for s in chosen for a in ("--spider", s)],
                                   *[a for o in outlets or [] for a in ("--outlet", o)], *setting_args(overrides)),
                              capture_output=True, text=True)
        if seed.returncode != 0:
            raise NewswatchError(f"seeding {redacted(url)} failed: {seed.stderr.strip().splitlines()[-1:] or '?'}")
        for _ in range(workers):
            children.append(subprocess.Popen(newswatch_command("worker", *common, "--idle-timeout", str(idle_timeout),
                                                  *setting_args(overrides)), stdout=subprocess.DEVNULL))
        summary = run_ingest(url, db, prefix=prefix, idle_timeout=idle_timeout, take_lock=False, alerts=alerts,
                             archive_dir=archive_dir)
        for child in children:
            try:
                child.wait(timeout=idle_timeout + 30)
            except subprocess.TimeoutExpired:
                child.send_signal(signal.SIGINT)
        return summary
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        lock.release()
