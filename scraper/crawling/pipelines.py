"""Scrapy item pipeline: a thin adapter over the extraction workers and a sink.

The reactor thread only routes: a page's bytes go to a worker, which extracts, matches
and builds the stored row (analysis.page.crawled_page). What is kept goes to the sink
named by NEWSWATCH_SINK: the local database with group commit (crawling.sinks), or, for
a distributed worker, Redis for the single writer (distributed.worker). Both crawls
count the same outcomes under the same stats keys.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem
from scrapy.utils.misc import load_object

from scraper import stats as stat_keys
from scraper.crawling.discovery_book import DiscoveryBook
from scraper.crawling.extraction_pool import Extractor, WorkerCrashed, shared_extractor
from scraper.crawling.frontier import FoundAgain
from scraper.crawling.items import PageItem
from scraper.match import load_watchlist

logger = logging.getLogger(__name__)


def crawl_extractor(settings) -> Extractor:
    """The extraction pool a crawl with these settings uses (one per crawl process)."""
    workers = settings.get("NEWSWATCH_EXTRACT_WORKERS")
    return shared_extractor(settings.get("NEWSWATCH_WATCHLIST"), None if workers is None else int(workers))


class ArticlePipeline:
    """Extract, match and keep each fetched page; count what happened in the crawl stats.

    The sink decides when an item is done: locally when its article is committed (group
    commit), distributed when its record and lease are in Redis.
    """

    def __init__(self, extractor: Extractor, sink, stats, crawler=None) -> None:
        self.extractor = extractor
        self.sink = sink
        self.stats = stats
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        load_watchlist(settings.get("NEWSWATCH_WATCHLIST"))  # a bad watchlist fails here, not in a worker
        extractor = crawl_extractor(settings)
        sink = load_object(settings.get("NEWSWATCH_SINK")).from_crawler(crawler, extractor)
        return cls(extractor, sink, crawler.stats, crawler)

    def open_spider(self, spider=None) -> None:
        self.sink.open()
        self.extractor.open()

    def close_spider(self, spider=None) -> None:
        self.sink.close()
        self.extractor.close()

    async def process_item(self, item: PageItem, spider=None) -> PageItem:
        if self.sink.unchanged(item):
            self.stats.inc_value(stat_keys.ARTICLES_UNCHANGED_BODY)
            if self.crawler is not None:  # the same bytes, found another way: noted on the stored row
                FoundAgain.for_crawler(self.crawler).pairs.append((item.url, item.found_via))
            self.sink.discard(item)
            self._settle(item)
            raise DropItem(f"unchanged since last crawl: {item.url}", log_level="DEBUG")
        try:
            page = await self.extractor.record(item.body, item.url, item.fetched_at, item.headers, item.hints,
                                               outlet=item.outlet, outlet_kind=item.outlet_kind,
                                               found_via=item.found_via, provenance=item.provenance)
        except WorkerCrashed as exc:
            page = {"outcome": "error", "error": str(exc)}
        except BaseException:
            self.sink.discard(item)  # a page that cannot be read is not retried forever
            self._settle(item)
            raise
        item.body = b""  # the row has what we need; free the memory
        outcome = page["outcome"]
        if outcome != "article":
            self.sink.discard(item)
            self._settle(item)
            self._count_not_kept(page, item.url)
        result = await self.sink.keep(item, page["record"], page["mentions"])
        self._settle(item)  # committed (or pushed): a resumed backfill need not fetch it again
        if result is not None:  # stored here (a distributed worker pushes instead)
            self.stats.inc_value(stat_keys.ARTICLES_SEEN)
            self.stats.inc_value(stat_keys.articles(result.status))
            if result.relevant:
                self.stats.inc_value(stat_keys.RELEVANT_SEEN)
                if result.status == "new":
                    self.stats.inc_value(stat_keys.RELEVANT_NEW)
        return item

    def _settle(self, item: PageItem) -> None:
        """A discovered page's fetch is over: the backfill's ledger may forget it."""
        if item.lead and self.crawler is not None:
            DiscoveryBook.for_crawler(self.crawler).settle(item.lead)

    def _count_not_kept(self, page: dict, url: str) -> None:
        """Count why a page was not kept, and drop its item."""
        outcome = page["outcome"]
        if outcome in ("empty_body", "binary_body"):  # served as HTML, but nothing to read
            self.stats.inc_value(stat_keys.error(outcome))
            logger.warning("%s: %s", outcome, url)
            raise DropItem(f"{outcome}: {url}", log_level="DEBUG")
        if outcome == "skipped":
            self.stats.inc_value(stat_keys.NOT_ARTICLE)
            self.stats.inc_value(stat_keys.skipped(page["reason"]))
            raise DropItem(f"not kept ({page['reason']}): {url}", log_level="DEBUG")
        self.stats.inc_value(stat_keys.error("extract"))
        raise DropItem(f"unreadable page {url}: {page.get('error')}")
