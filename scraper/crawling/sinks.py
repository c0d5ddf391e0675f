"""Where a local crawl keeps its articles: its own database, in batches, and each page
as fetched in the WARC archive.

Rows are written in batches, one transaction per batch (group commit), so neither a
commit per page nor CPU work stalls downloading. An item is done when its article is
committed: items wait for the commit of their batch, which happens when the batch is
full, when no other page is being extracted (nothing more to wait for), or after
BATCH_SECONDS. With the archive on, a batch's pages are first written to the WARC files
in a thread of their own (compression and fsync release the GIL), and its rows, which
name their records, are committed only once the records are on disk. A page fetched
again with the same bytes gets a `revisit` record. The strategies that found a page
again after another one had (see crawling.frontier) are added to its row at the end of
the run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from scraper import stats as stat_keys
from scraper.archive import Archived, Capture, Location, WarcArchive
from scraper.crawling.archiving import archive_for, last_capture, place
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
        self.pending: list[tuple[dict, list[dict], asyncio.Future, Capture | None]] = []
        self.revisits: list[Capture] = []  # pages fetched again with the same bytes
        self.timer: asyncio.TimerHandle | None = None
        self.archive: WarcArchive | None = archive_for(crawler.settings)
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="newswatch-warc") if self.archive else None

    @classmethod
    def from_crawler(cls, crawler, extractor: Extractor) -> StoreSink:
        return cls(crawler, extractor)

    def open(self) -> None:
        self.store = Store(self.db_path)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True)  # a batch being archived finishes first
        self.flush(wait=True)
        if self.archive is not None:
            self.archive.close()
        if self.store:
            self.store.articles.add_found_via(self.found_again.take())
            self.store.close()

    def unchanged(self, item: PageItem) -> bool:
        """The same bytes as the stored article's: nothing to extract (the archive gets a
        revisit record of this fetch)."""
        if not stored_unchanged(self.validators, item.url, item.body):
            return False
        if self.archive is not None and item.capture is not None:
            self.revisits.append(dataclasses.replace(item.capture, revisit_of=self._last_capture(item.url)))
        return True

    def _last_capture(self, url: str) -> Location | None:
        return last_capture(self.validators.get(url))

    def discard(self, item: PageItem) -> None:
        """Nothing to keep from this item (a local crawl has nothing to settle)."""

    async def keep(self, item: PageItem, record: dict, mentions: list[dict]) -> SaveResult:
        capture = None
        if self.archive is not None and item.capture is not None:
            capture = dataclasses.replace(item.capture, revisit_of=self._last_capture(item.url))
        item.capture = None
        try:
            return await self._stored(record, mentions, capture)
        except (sqlite3.OperationalError, OSError) as exc:
            self._store_failed(exc)
            raise DropItem(f"not stored {item.url}: {exc}") from None
        except sqlite3.DatabaseError as exc:  # this row only (the others of its batch are stored)
            self.stats.inc_value(stat_keys.error("store"))
            raise DropItem(f"not stored {item.url}: {exc}") from None

    def _stored(self, record: dict, mentions: list[dict], capture: Capture | None) -> asyncio.Future:
        """Queue the article for the next group commit; the future gets its SaveResult."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((record, mentions, future, capture))
        if len(self.pending) >= BATCH or self.extractor.active == 0:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(BATCH_SECONDS, self.flush)
        return future

    def flush(self, wait: bool = False) -> None:
        """Archive the waiting pages (in the writer thread, or here when `wait`), then
        write their articles in one transaction and settle their futures."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        revisits, self.revisits = self.revisits, []
        captures = [capture for *_, capture in batch if capture is not None] + revisits
        if not captures:
            self._save(batch)
        elif wait or self.writer is None:
            try:
                self._save(batch, self.archive.write_many(captures))
            except OSError as exc:
                self._fail(batch, exc)
        else:
            done = asyncio.wrap_future(self.writer.submit(self.archive.write_many, captures))
            done.add_done_callback(lambda written: self._archived(batch, written))

    def _archived(self, batch: list, written: asyncio.Future) -> None:
        if written.cancelled() or written.exception() is not None:
            self._fail(batch, written.exception() or OSError(errno.EIO, "archive write cancelled"))
        else:
            self._save(batch, written.result())

    def _fail(self, batch: list, exc: BaseException) -> None:
        for *_, future, _capture in batch:
            if not future.done():
                future.set_exception(exc)

    def _save(self, batch: list, archived: list[Archived] = ()) -> None:
        """Commit the batch's rows (each naming its record in the archive, when archived)."""
        if not batch:
            return
        records = iter(archived)
        for record, _mentions, _future, capture in batch:
            if capture is not None:
                place(record, next(records))
        started = time.perf_counter()
        try:
            results: list = self.store.articles.save_many((record, mentions) for record, mentions, *_ in batch)
        except sqlite3.OperationalError as exc:  # a full disk, a lock held too long: the whole batch
            results = [exc] * len(batch)
        except sqlite3.DatabaseError:  # one bad row must not cost the others: one at a time
            results = [self._save_one(record, mentions) for record, mentions, *_ in batch]
        self.stats.inc_value(stat_keys.STORE_SECONDS, time.perf_counter() - started)
        for (_, _, future, _), result in zip(batch, results, strict=True):
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

    def _store_failed(self, exc: sqlite3.OperationalError | OSError) -> None:
        """A full disk (or a database locked too long) fails every later article too: count
        it, and stop the crawl instead of fetching pages that cannot be stored."""
        full = getattr(exc, "errno", None) == errno.ENOSPC or "full" in str(exc).lower()
        kind = "disk_full" if full else "store"
        self.stats.inc_value(stat_keys.error(kind))
        engine = getattr(self.crawler, "engine", None)
        if kind == "disk_full" and engine is not None and not self.stopping:
            self.stopping = True
            deferred_from_coro(engine.close_spider_async(reason="disk_full"))
