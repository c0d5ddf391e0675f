"""Scrapy item pipeline: a thin adapter over process.analyse_page and the store."""

from __future__ import annotations

from datetime import datetime

from scrapy.exceptions import DropItem

from scraper.dedup import html_fingerprint
from scraper.items import PageItem
from scraper.match import load_watchlist
from scraper.process import analyse_page, store_record
from scraper.store import Store


class ArticlePipeline:
    """Extract, match and store each fetched page; count what happened in the crawl stats."""

    def __init__(self, db_path: str, watchlist_path: str, stats) -> None:
        self.db_path = db_path
        self.watchlist = load_watchlist(watchlist_path)
        self.stats = stats
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.get("NEWSWATCH_DB"), settings.get("NEWSWATCH_WATCHLIST"), crawler.stats)

    def open_spider(self, spider=None) -> None:
        self.store = Store(self.db_path)

    def close_spider(self, spider=None) -> None:
        if self.store:
            self.store.close()

    def process_item(self, item: PageItem, spider=None) -> PageItem:
        known = self.store.validators(item.url)
        if known and known.get("article_id") and known.get("body_sha1") == html_fingerprint(item.body):
            self.stats.inc_value("newswatch/articles_unchanged_body")
            raise DropItem(f"unchanged since last crawl: {item.url}", log_level="DEBUG")
        analysed = analyse_page(
            item.body,
            url=item.url,
            watchlist=self.watchlist,
            fetched_at=datetime.fromisoformat(item.fetched_at),
            headers=item.headers,
            hints=item.hints,
        )
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
        result = self.store.save_article(record, mentions)
        self.stats.inc_value("newswatch/articles_seen")
        self.stats.inc_value(f"newswatch/articles_{result.status}")
        if result.relevant:
            self.stats.inc_value("newswatch/relevant_seen")
            if result.status == "new":
                self.stats.inc_value("newswatch/relevant_new")
        item.body = b""  # the stored row has what we need; free the memory
        return item
