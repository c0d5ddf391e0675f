"""Where a local crawl keeps its articles: its own database, in batches.

Rows are written in batches, one transaction per batch (group commit), so neither a
commit per page nor CPU work stalls downloading. An item is done when its article is
committed: items wait for the commit of their batch, which happens when the batch is
full, when no other page is being extracted (nothing more to wait for), or after
BATCH_SECONDS. The strategies that found a page again after another one had (see
crawling.frontier) are added to its row at the end of the run.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from scraper import stats as stat_keys
from scraper.crawling.extraction_pool import Extractor
from scraper.crawling.frontier import FoundAgain
from scraper.crawling.items import PageItem
from scraper.crawling.validators import stored_unchanged, validators_for
from scraper.store import SaveResult, Store

logger = logging.getLogger(__name__)

BATCH = 32  # articles per transaction at most (their responses stay in Scrapy's 5 MB scraper slot meanwhile)
BATCH_SECONDS = 0.25  # and no article waits longer than this for its commit


class StoreSink:
    """The crawl's database (NEWSWATCH_DB), written with group commit."""

    def __init__(self, crawler, extractor: Extractor) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("NEWSWATCH_DB")
        self.extractor = extractor
        self.validators = validators_for(crawler)
        self.found_again = FoundAgain.for_crawler(crawler)
        self.store: Store | None = None
        self.stopping = False
        self.pending: list[tuple[dict, list[dict], asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler, extractor: Extractor) -> StoreSink:
        return cls(crawler, extractor)

    def open(self) -> None:
        self.store = Store(self.db_path)

    def close(self) -> None:
        self.flush()
        if self.store:
            self.store.articles.add_found_via(self.found_again.take())
            self.store.close()

    def unchanged(self, item: PageItem) -> bool:
        """The same bytes as the stored article's: nothing to extract."""
        return stored_unchanged(self.validators, item.url, item.body)

    def discard(self, item: PageItem) -> None:
        """Nothing to keep from this item (a local crawl has nothing to settle)."""

    async def keep(self, item: PageItem, record: dict, mentions: list[dict]) -> SaveResult:
        try:
            return await self._stored(record, mentions)
        except sqlite3.OperationalError as exc:
            self._store_failed(exc)
            raise DropItem(f"not stored {item.url}: {exc}") from None
        except sqlite3.DatabaseError as exc:  # this row only (the others of its batch are stored)
            self.stats.inc_value(stat_keys.error("store"))
            raise DropItem(f"not stored {item.url}: {exc}") from None

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
        engine = getattr(self.crawler, "engine", None)
        if kind == "disk_full" and engine is not None and not self.stopping:
            self.stopping = True
            deferred_from_coro(engine.close_spider_async(reason="disk_full"))
