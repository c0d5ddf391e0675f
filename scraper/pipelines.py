"""Scrapy item pipeline: a thin adapter over process.analyse_page and the store."""

from __future__ import annotations

import sqlite3
import time

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from scraper.dedup import html_fingerprint
from scraper.items import PageItem
from scraper.match import load_watchlist
from scraper.process import store_record
from scraper.store import Store
from scraper.workers import Extractor, shared_extractor


class ArticlePipeline:
    """Extract, match and store each fetched page; count what happened in the crawl stats."""

    def __init__(self, db_path: str, extractor: Extractor, stats) -> None:
        self.db_path = db_path
        self.extractor = extractor
        self.stats = stats
        self.store: Store | None = None
        self.stopping = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        load_watchlist(settings.get("NEWSWATCH_WATCHLIST"))  # a bad watchlist fails here, not in a worker
        workers = settings.get("NEWSWATCH_EXTRACT_WORKERS")
        extractor = shared_extractor(settings.get("NEWSWATCH_WATCHLIST"), None if workers is None else int(workers))
        pipeline = cls(settings.get("NEWSWATCH_DB"), extractor, crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None) -> None:
        self.store = Store(self.db_path)
        self.extractor.open()

    def close_spider(self, spider=None) -> None:
        self.extractor.close()
        if self.store:
            self.store.close()

    async def process_item(self, item: PageItem, spider=None) -> PageItem:
        known = self.store.validators(item.url)
        if known and known.get("article_id") and known.get("body_sha1") == html_fingerprint(item.body):
            self.stats.inc_value("newswatch/articles_unchanged_body")
            raise DropItem(f"unchanged since last crawl: {item.url}", log_level="DEBUG")
        analysed = await self.extractor.analyse(item.body, item.url, item.fetched_at, item.headers, item.hints)
        if analysed.get("error") and not analysed.get("text"):
            self.stats.inc_value("newswatch/errors/extract")
            raise DropItem(f"unreadable page {item.url}: {analysed['error']}")
        if analysed.get("page_type") != "article" or not analysed.get("text"):
            self.stats.inc_value("newswatch/not_article")
            raise DropItem(f"not an article: {item.url}", log_level="DEBUG")
        record, mentions = store_record(
            analysed, outlet=item.outlet, outlet_kind=item.outlet_kind, found_via=item.found_via,
            body=item.body, fetched_at=item.fetched_at,
        )
        record["validators"] = {"etag": item.headers.get("etag"), "last_modified": item.headers.get("last-modified")}
        started = time.perf_counter()
        try:
            result = self.store.save_article(record, mentions)
        except sqlite3.OperationalError as exc:
            self._store_failed(exc)
            raise DropItem(f"not stored {item.url}: {exc}") from None
        self.stats.inc_value("newswatch/store_seconds", time.perf_counter() - started)
        self.stats.inc_value("newswatch/articles_seen")
        self.stats.inc_value(f"newswatch/articles_{result.status}")
        if result.relevant:
            self.stats.inc_value("newswatch/relevant_seen")
            if result.status == "new":
                self.stats.inc_value("newswatch/relevant_new")
        item.body = b""  # the stored row has what we need; free the memory
        return item

    def _store_failed(self, exc: sqlite3.OperationalError) -> None:
        """A full disk (or a database locked too long) fails every later article too: count
        it, and stop the crawl instead of fetching pages that cannot be stored."""
        kind = "disk_full" if "full" in str(exc).lower() else "store"
        self.stats.inc_value(f"newswatch/errors/{kind}")
        crawler = getattr(self, "crawler", None)
        if kind == "disk_full" and crawler is not None and crawler.engine is not None and not self.stopping:
            self.stopping = True
            deferred_from_coro(crawler.engine.close_spider_async(reason="disk_full"))
