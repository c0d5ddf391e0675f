"""Running Scrapy: the settings of a crawl, and the chosen strategies' spiders in one
CrawlerProcess (Twisted's reactor starts once per process)."""

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


def run_spiders(settings: Settings, spiders: list[type], outlets: list[str]) -> list[Crawler]:
    """Crawl with these spider classes over the named outlets, until all are done;
    returns their crawlers (stats, finish reasons)."""
    process = CrawlerProcess(settings)
    crawlers = []
    for spider in spiders:
        crawler = process.create_crawler(spider)
        crawlers.append(crawler)
        process.crawl(crawler, outlets=",".join(outlets))
    process.start()
    return crawlers
