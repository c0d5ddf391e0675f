"""Running Scrapy: the settings of a crawl, and its spider in a CrawlerProcess (Twisted's
reactor starts once per process)."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from scraper.crawling import settings as default_settings


def crawl_settings(sources: Path, watchlist: Path, *, db: Path | None = None,
                   overrides: dict | None = None) -> Settings:
    """newswatch's Scrapy settings with this crawl's files; `overrides` win (as -s does)."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    files = {"NEWSWATCH_SOURCES": str(sources), "NEWSWATCH_WATCHLIST": str(watchlist)}
    if db is not None:
        files["NEWSWATCH_DB"] = str(db)
    settings.update(files, priority="cmdline")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def run_spider(settings: Settings, spider: type, **arguments: str) -> Crawler:
    """Crawl with this spider until it is done; its crawler (stats, finish reason)."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **arguments)
    process.start()
    return crawler
