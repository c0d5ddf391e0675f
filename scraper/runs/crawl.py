"""A local crawl: the chosen strategies over the chosen outlets, as one spider with one
frontier in one Scrapy process, recorded as one row of crawl_runs (scraper.runs.ledger)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from scraper import stats as stat_keys
from scraper.archive import prune
from scraper.config import Outlet, load_sources, select_outlets
from scraper.crawling.pipelines import crawl_extractor
from scraper.crawling.runner import crawl_settings, run_spider
from scraper.crawling.services import endpoint_urls
from scraper.discovery.outlets import discovery_policy
from scraper.match import load_watchlist
from scraper.runs.alerts import AlertConfig
from scraper.runs.ledger import RunSummary, close_run, discovery_details, open_run
from scraper.runs.lock import CrawlLock
from scraper.runs.network import check_network
from scraper.store import Store
from spiders import DISCOVERY_SOURCES, check_strategies
from spiders.coverage import CoverageSpider


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
) -> RunSummary:
    """Crawl, store, and record the run. Config errors surface before anything is fetched.
    `take_lock=False` is for a caller that already holds the database's crawl lock."""
    names = check_strategies(spiders)
    chosen = select_outlets(load_sources(sources), outlets)
    load_watchlist(watchlist)
    discovering = any(name in DISCOVERY_SOURCES for name in names)
    if discovering:
        discovery_policy(sources)  # a bad [discovery] table fails here, before anything is fetched
    lock = CrawlLock.for_database(db) if take_lock else None
    if lock:
        lock.acquire()  # one crawl per database at a time, across processes (cron, schedule, by hand)
    try:
        if check_connectivity:
            settings = crawl_settings(sources, watchlist, db=db, overrides=overrides)
            check_network(chosen, extra_urls=endpoint_urls(settings) if discovering else [],
                          proxy=settings.get("NEWSWATCH_PROXY") or "")
        return _crawl_locked(db, sources, watchlist, names, chosen, overrides, progress, alerts)
    finally:
        if lock:
            lock.release()


def _crawl_locked(db: Path, sources: Path, watchlist: Path, names: list[str], chosen: list[Outlet],
                  overrides: dict | None, progress: bool, alerts: AlertConfig | None) -> RunSummary:
    started_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    overrides = {**(overrides or {}), "NEWSWATCH_PROGRESS": progress}
    if progress:
        overrides.setdefault("LOG_LEVEL", "WARNING")
    settings = crawl_settings(sources, watchlist, db=db, overrides=overrides)
    store = Store(db)
    summary = open_run(store, names, [o.name for o in chosen])  # we hold the lock
    if settings.getbool("NEWSWATCH_ARCHIVE"):
        # the database keeps one archive folder: the one it names unless told otherwise, and
        # it names the one this crawl writes (verify, show, export and reextract read it there)
        folder = store.archive_folder(settings.get("NEWSWATCH_ARCHIVE_DIR"))
        settings.set("NEWSWATCH_ARCHIVE_DIR", str(folder), priority="cmdline")
        store.meta.remember_archive_folder(folder)
    store.close()
    started = time.monotonic()  # the crawl's time includes its workers' start-up
    extractor = crawl_extractor(settings)
    extractor.prestart()  # they import while Scrapy starts, robots.txt and the first feeds arrive
    try:
        crawler = run_spider(settings, CoverageSpider, outlets=",".join(o.name for o in chosen),
                             strategies=",".join(names))
    finally:
        if extractor.users == 0:  # the spiders closed it, or never opened it
            extractor.stop_workers()
    summary.seconds = round(time.monotonic() - started, 2)
    stats = crawler.stats.get_stats()
    summary.add_stats(stats, crawler.spider.name if crawler.spider else "?")
    store = Store(db)
    try:
        details = {"per_spider": summary.per_spider, "per_strategy": stat_keys.found_by_strategy(stats)}
        if any(name in DISCOVERY_SOURCES for name in names):
            summary.discovery = details["discovery"] = discovery_details(stats, store.reports.added_since(started_at))
        close_run(store, summary, details, alerts)
        keep_days = settings.getint("NEWSWATCH_ARCHIVE_KEEP_DAYS")
        if keep_days > 0:
            prune(store.archive_folder(settings.get("NEWSWATCH_ARCHIVE_DIR")), store.articles.warc_files(), keep_days)
        return summary
    finally:
        store.close()
