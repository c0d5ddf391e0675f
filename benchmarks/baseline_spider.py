"""The crawl a user would write instead of newswatch: the baseline of benchmarks.realpages.

    python -m benchmarks.baseline_spider SITEMAP_URL DB

A Scrapy SitemapSpider whose callback runs `trafilatura.bare_extraction` (with metadata:
title, author, date) on each page and hands the result to a pipeline that stores it with
sqlite-utils `insert_all`, 200 rows at a time. Same speed settings as our benchmark crawl
(benchmarks.crawl.FAST: AutoThrottle off, no delay, 32 concurrent requests) and robots.txt
obeyed. Prints one JSON line: pages, rows stored, seconds (Scrapy's start to finish).
"""

from __future__ import annotations

import json
import logging
import sys

import scrapy
import sqlite_utils
import trafilatura
from scrapy.crawler import CrawlerProcess

from benchmarks.crawl import FAST

FIELDS = ("title", "author", "date", "description", "sitename", "text")
BATCH = 200


class ArticlesSpider(scrapy.spiders.SitemapSpider):
    name = "articles"

    def __init__(self, sitemap_url: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sitemap_urls = [sitemap_url]

    def parse(self, response):
        self.crawler.stats.inc_value("baseline/pages")
        document = trafilatura.bare_extraction(response.body, url=response.url, with_metadata=True)
        if document is None or not document.text:
            return
        found = document.as_dict()
        yield {"url": response.url, **{key: found.get(key) for key in FIELDS}}


class SqlitePipeline:
    """Rows go to SQLite in batches of 200, the last ones when the spider closes."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.rows: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("BASELINE_DB"))

    def open_spider(self, spider=None) -> None:
        self.db = sqlite_utils.Database(self.db_path)
        self.stored = 0

    def process_item(self, item, spider=None):
        self.rows.append(dict(item))
        if len(self.rows) >= BATCH:
            self.flush()
        return item

    def flush(self) -> None:
        if self.rows:
            self.db["articles"].insert_all(self.rows, pk="url", replace=True, alter=True)
            self.stored += len(self.rows)
            self.rows = []

    def close_spider(self, spider=None) -> None:
        self.flush()
        self.db.close()


def main(argv: list[str] | None = None) -> dict:
    sitemap_url, db = argv or sys.argv[1:3]
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # one "empty HTML tree" line per odd page
    settings = {"ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False, **FAST, "BASELINE_DB": db,
                "ITEM_PIPELINES": {f"{__name__}.SqlitePipeline": 300}}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArticlesSpider)
    process.crawl(crawler, sitemap_url=sitemap_url)
    process.start()
    stats = crawler.stats.get_stats()
    seconds = (stats["finish_time"] - stats["start_time"]).total_seconds()
    result = {"pages": stats.get("baseline/pages", 0), "stored": stats.get("item_scraped_count", 0),
              "seconds": round(seconds, 2)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
