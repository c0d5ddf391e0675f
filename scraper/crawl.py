"""Run a crawl: the chosen spiders over the chosen outlets, in one Scrapy process,
recorded as one row of crawl_runs."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from scraper.alerts import AlertConfig, announce_run
from scraper.config import Outlet, load_sources, select_outlets
from scraper.crawling import settings as default_settings
from scraper.crawling.pipelines import crawl_extractor
from scraper.errors import NetworkUnreachable, NewswatchError
from scraper.match import load_watchlist
from scraper.schedule import CrawlLock
from scraper.store import Store

SPIDER_NAMES = ("feeds", "sitemaps", "search", "links")
COUNTERS = ("pages_fetched", "pages_downloaded", "not_modified", "articles_seen", "articles_new",
            "articles_updated", "articles_unchanged", "relevant_new", "not_articles")


@dataclass
class CrawlSummary:
    run_id: int
    status: str
    seconds: float
    pages_fetched: int = 0
    articles_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    relevant_new: int = 0
    relevant_seen: int = 0
    not_articles: int = 0
    not_modified: int = 0
    pages_downloaded: int = 0
    articles_unchanged: int = 0
    clusters_moved: int = 0
    alerts: object = None
    errors: dict[str, int] = field(default_factory=dict)
    per_spider: dict[str, dict[str, int]] = field(default_factory=dict)


def spider_classes() -> dict[str, type]:
    from spiders.feeds import FeedsSpider
    from spiders.links import LinksSpider
    from spiders.search import SearchSpider
    from spiders.sitemaps import SitemapsSpider

    return {"feeds": FeedsSpider, "sitemaps": SitemapsSpider, "search": SearchSpider, "links": LinksSpider}


def build_settings(db: Path, sources: Path, watchlist: Path, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.update(
        {"NEWSWATCH_DB": str(db), "NEWSWATCH_SOURCES": str(sources), "NEWSWATCH_WATCHLIST": str(watchlist)},
        priority="cmdline",
    )
    settings.update(overrides or {}, priority="cmdline")
    return settings


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_network(outlets: list[Outlet], timeout: float = 8.0) -> None:
    """Fail fast, with a clear message, when none of the outlets' hosts can be reached.

    Each host is resolved and connected to in a daemon thread, so a resolver that
    hangs cannot hang the crawl; the whole check takes at most `timeout` seconds.
    """
    hosts = sorted({urlsplit(o.homepage).hostname or "" for o in outlets} - {""})
    if not hosts or all(_is_local(h) for h in hosts):
        return
    reached = threading.Event()
    failures: dict[str, str] = {}

    def probe(host: str, port: int) -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                reached.set()
        except OSError as exc:
            failures[host] = exc.strerror or type(exc).__name__

    targets = {(urlsplit(o.homepage).hostname, urlsplit(o.homepage).port
                or (443 if o.homepage.startswith("https") else 80)) for o in outlets}
    for host, port in targets:
        threading.Thread(target=probe, args=(host, port), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not reached.is_set() and len(failures) < len({host for host, _ in targets}) and time.monotonic() < deadline:
        reached.wait(0.05)
    if not reached.is_set():
        sample = ", ".join(f"{h} ({failures.get(h, 'no answer')})" for h in hosts[:3])
        raise NetworkUnreachable(
            f"network unreachable: could not connect to any of {len(hosts)} outlet hosts within "
            f"{timeout:.0f}s, e.g. {sample}. Check the connection (or proxy) and try again."
        )


def _counter(stats: dict, key: str) -> int:
    return int(stats.get(key, 0) or 0)


def run_crawl(
    *,
    db: Path,
    sources: Path,
    watchlist: Path,
    spiders: list[str] | None = None,
    outlets: list[str] | None = None,
    overrides: dict | None = None,
    progress: bool = False,
    check_connectivity: bool = True,
    alerts: AlertConfig | None = None,
    take_lock: bool = True,
) -> CrawlSummary:
    """Crawl, store, and record the run. Config errors surface before anything is fetched.
    `take_lock=False` is for a caller that already holds the database's crawl lock."""
    names = spiders or list(SPIDER_NAMES)
    unknown = [n for n in names if n not in SPIDER_NAMES]
    if unknown:
        raise NewswatchError(f"unknown spider {', '.join(unknown)}; choose from {', '.join(SPIDER_NAMES)}")
    chosen = select_outlets(load_sources(sources), outlets)
    load_watchlist(watchlist)
    lock = CrawlLock.for_database(db) if take_lock else None
    if lock:
        lock.acquire()  # one crawl per database at a time, across processes (cron, schedule, by hand)
    try:
        if check_connectivity:
            check_network(chosen)
        return _crawl_locked(db, sources, watchlist, names, chosen, overrides, progress, alerts)
    finally:
        if lock:
            lock.release()


def _crawl_locked(db: Path, sources: Path, watchlist: Path, names: list[str], chosen: list[Outlet],
                  overrides: dict | None, progress: bool, alerts: AlertConfig | None) -> CrawlSummary:
    store = Store(db)
    store.runs.mark_interrupted()  # we hold the lock: any run still "running" was killed
    run_id = store.runs.start(names, [o.name for o in chosen])
    store.close()

    overrides = {**(overrides or {}), "NEWSWATCH_PROGRESS": progress}
    if progress:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    settings = build_settings(db, sources, watchlist, overrides)
    started = time.monotonic()  # the crawl's time includes its workers' start-up
    extractor = crawl_extractor(settings)
    extractor.prestart()  # they import while Scrapy starts, robots.txt and the first feeds arrive
    try:
        process = CrawlerProcess(settings)
        classes = spider_classes()
        outlet_arg = ",".join(o.name for o in chosen)
        crawlers = []
        for name in names:
            crawler = process.create_crawler(classes[name])
            crawlers.append(crawler)
            process.crawl(crawler, outlets=outlet_arg)
        process.start()
    finally:
        if extractor.users == 0:  # the spiders closed it, or never opened it
            extractor.stop_workers()
    summary = _record_run(db, run_id, crawlers, time.monotonic() - started)
    if alerts is not None:
        store = Store(db)
        summary.alerts = announce_run(store, run_id, alerts)
        store.close()
    return summary


def _record_run(db: Path, run_id: int, crawlers: list, seconds: float) -> CrawlSummary:
    summary = CrawlSummary(run_id=run_id, status="finished", seconds=round(seconds, 2))
    for crawler in crawlers:
        stats = crawler.stats.get_stats()
        name = crawler.spider.name if crawler.spider else "?"
        reason = stats.get("finish_reason", "unknown")
        if reason != "finished":
            summary.status = "interrupted" if reason in ("shutdown", "unknown") else str(reason)
        per = {
            "pages_fetched": _counter(stats, "downloader/response_count"),
            "articles_seen": _counter(stats, "newswatch/articles_seen"),
            "articles_new": _counter(stats, "newswatch/articles_new"),
            "articles_updated": _counter(stats, "newswatch/articles_updated"),
            "relevant_new": _counter(stats, "newswatch/relevant_new"),
            "relevant_seen": _counter(stats, "newswatch/relevant_seen"),
            "not_articles": _counter(stats, "newswatch/not_article"),
            "robots_forbidden": _counter(stats, "robotstxt/forbidden"),
            "not_modified": _counter(stats, "newswatch/not_modified"),
            "pages_downloaded": _counter(stats, "newswatch/bodies_downloaded"),
            "articles_unchanged": _counter(stats, "newswatch/articles_unchanged")
            + _counter(stats, "newswatch/articles_unchanged_body"),
            "store_seconds": round(float(stats.get("newswatch/store_seconds", 0.0)), 3),
        }
        summary.per_spider[name] = per
        for key in COUNTERS + ("relevant_seen",):
            setattr(summary, key, getattr(summary, key) + per[key])
        for key, value in stats.items():
            if key.startswith("newswatch/errors/"):
                kind = key.removeprefix("newswatch/errors/")
                summary.errors[kind] = summary.errors.get(kind, 0) + int(value)
    store = Store(db)
    summary.clusters_moved = store.clusters.update()
    counters = {k: getattr(summary, k) for k in COUNTERS}
    store.runs.finish(run_id, summary.status, counters, summary.errors,
                     {"per_spider": summary.per_spider, "seconds": summary.seconds})
    store.close()
    return summary
