"""Scrapy item pipeline: a thin adapter over the extraction workers and the store.

The reactor thread only routes: a page's bytes go to a worker, which extracts, matches
and builds the stored row (process.crawled_page); rows are written in batches, one
transaction per batch (group commit), so neither CPU work nor a commit per page stalls
downloading.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from scraper import stats as stat_keys
from scraper.crawling.extraction_pool import Extractor, WorkerCrashed, shared_extractor
from scraper.crawling.items import PageItem
from scraper.dedup.identity import html_fingerprint
from scraper.match import load_watchlist
from scraper.store import Store

logger = logging.getLogger(__name__)

BATCH = 32  # articles per transaction at most (their responses stay in Scrapy's 5 MB scraper slot meanwhile)
BATCH_SECONDS = 0.25  # and no article waits longer than this for its commit


def crawl_extractor(settings) -> Extractor:
    """The extraction pool a crawl with these settings uses (one per crawl process)."""
    workers = settings.get("NEWSWATCH_EXTRACT_WORKERS")
    return shared_extractor(settings.get("NEWSWATCH_WATCHLIST"), None if workers is None else int(workers))


class ArticlePipeline:
    """Extract, match and store each fetched page; count what happened in the crawl stats.

    An item is done when its article is committed: items wait for the group commit of
    their batch, which happens when the batch is full, when no other page is being
    extracted (nothing more to wait for), or after BATCH_SECONDS.
    """

    def __init__(self, db_path: str, extractor: Extractor, stats) -> None:
        self.db_path = db_path
        self.extractor = extractor
        self.stats = stats
        self.store: Store | None = None
        self.stopping = False
        self.pending: list[tuple[dict, list[dict], asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        load_watchlist(settings.get("NEWSWATCH_WATCHLIST"))  # a bad watchlist fails here, not in a worker
        pipeline = cls(settings.get("NEWSWATCH_DB"), crawl_extractor(settings), crawler.stats)
        pipeline.crawler = crawler
        return pipeline

    def open_spider(self, spider=None) -> None:
        self.store = Store(self.db_path)
        self.extractor.open()

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.extractor.close()
        if self.store:
            self.store.close()

    async def process_item(self, item: PageItem, spider=None) -> PageItem:
        known = self.store.http_cache.validators(item.url)
        if known and known.get("article_id") and known.get("body_sha1") == html_fingerprint(item.body):
            self.stats.inc_value(stat_keys.ARTICLES_UNCHANGED_BODY)
            raise DropItem(f"unchanged since last crawl: {item.url}", log_level="DEBUG")
        try:
            page = await self.extractor.record(item.body, item.url, item.fetched_at, item.headers, item.hints,
                                               outlet=item.outlet, outlet_kind=item.outlet_kind,
                                               found_via=item.found_via)
        except WorkerCrashed as exc:
            page = {"outcome": "error", "error": str(exc)}
        outcome = page["outcome"]
        if outcome in ("empty_body", "binary_body"):  # served as HTML, but nothing to read
            self.stats.inc_value(stat_keys.error(outcome))
            logger.warning("%s: %s", outcome, item.url)
            raise DropItem(f"{outcome}: {item.url}", log_level="DEBUG")
        if outcome == "error":
            self.stats.inc_value(stat_keys.error("extract"))
            raise DropItem(f"unreadable page {item.url}: {page['error']}")
        if outcome != "article":
            self.stats.inc_value(stat_keys.NOT_ARTICLE)
            raise DropItem(f"not an article: {item.url}", log_level="DEBUG")
        item.body = b""  # the row has what we need; free the memory
        try:
            result = await self._stored(page["record"], page["mentions"])
        except sqlite3.OperationalError as exc:
            self._store_failed(exc)
            raise DropItem(f"not stored {item.url}: {exc}") from None
        except sqlite3.DatabaseError as exc:  # this row only (the others of its batch are stored)
            self.stats.inc_value(stat_keys.error("store"))
            raise DropItem(f"not stored {item.url}: {exc}") from None
        self.stats.inc_value(stat_keys.ARTICLES_SEEN)
        self.stats.inc_value(stat_keys.articles(result.status))
        if result.relevant:
            self.stats.inc_value(stat_keys.RELEVANT_SEEN)
            if result.status == "new":
                self.stats.inc_value(stat_keys.RELEVANT_NEW)
        return item

    def _stored(self, record: dict, mentions: list[dict]) -> asyncio.Future:
        """Queue the article for the next group commit; the future gets its SaveResult."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((record, mentions, future))
        if len(self.pending) >= BATCH or self.extractor.active == 0:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(BATCH_SECONDS, self.flush)
        return future

    def flush(self) -> None:
        """Write the waiting articles in one transaction and settle their futures."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if not batch:
            return
        started = time.perf_counter()
        try:
            results: list = self.store.articles.save_many((record, mentions) for record, mentions, _ in batch)
        except sqlite3.OperationalError as exc:  # a full disk, a lock held too long: the whole batch
            results = [exc] * len(batch)
        except sqlite3.DatabaseError:  # one bad row must not cost the others: one at a time
            results = [self._save_one(record, mentions) for record, mentions, _ in batch]
        self.stats.inc_value(stat_keys.STORE_SECONDS, time.perf_counter() - started)
        for (_, _, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _save_one(self, record: dict, mentions: list[dict]):
        try:
            return self.store.articles.save(record, mentions)
        except sqlite3.DatabaseError as exc:
            return exc

    def _store_failed(self, exc: sqlite3.OperationalError) -> None:
        """A full disk (or a database locked too long) fails every later article too: count
        it, and stop the crawl instead of fetching pages that cannot be stored."""
        kind = "disk_full" if "full" in str(exc).lower() else "store"
        self.stats.inc_value(stat_keys.error(kind))
        crawler = getattr(self, "crawler", None)
        if kind == "disk_full" and crawler is not None and crawler.engine is not None and not self.stopping:
            self.stopping = True
            deferred_from_coro(crawler.engine.close_spider_async(reason="disk_full"))
