"""The chosen strategies (feeds, sitemaps, site search, links; GDELT, the Wayback
Machine, Common Crawl) as one spider: one crawl, one frontier.

Every crawl runs this spider, locally (Scrapy's scheduler) and distributed
(scrapy-redis's): its strategies' requests meet in one scheduler and one duplicate
filter keyed by canonical URL, so the same article found in a feed and in a sitemap is
one request, fetched once (by whichever worker pops it). The strategies keep their own
callbacks; this class records which one found each article (`found_via`; the frontier
notes the ones that found it again) and, when link-following is on, follows the links of
article pages reached through the other strategies too, since the links strategy will
not fetch them again itself. The single-strategy spiders remain for `scrapy crawl NAME`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import scrapy

from scraper import stats as stat_keys
from scraper.crawling.frontier import FOUND_VIA, ORIGINAL_URL
from scraper.crawling.items import PageItem
from spiders import check_strategies, spider_class
from spiders.base import NewsSpider
from spiders.commoncrawl import CommonCrawlSpider
from spiders.feeds import FeedsSpider
from spiders.gdelt import GdeltSpider
from spiders.links import LinksSpider
from spiders.search import SearchSpider
from spiders.sitemaps import SitemapsSpider
from spiders.wayback import WaybackSpider


class CoverageSpider(FeedsSpider, SitemapsSpider, SearchSpider, LinksSpider, GdeltSpider, WaybackSpider,
                     CommonCrawlSpider):
    name = "coverage"
    found_via = "link"

    def __init__(self, *args: Any, strategies: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.strategies = check_strategies([s.strip() for s in strategies.split(",")] if strategies else None)

    async def start(self):
        if self.settings.get("NEWSWATCH_ROLE") == "worker":
            return  # workers take their requests from the shared queue, filled by `newswatch seed`
        for name in self.strategies:
            async for request in spider_class(name).start(self):
                yield request

    def _tagged(self, output: Iterable[Any], found_via: str) -> Iterable[Any]:
        for request in output:
            if isinstance(request, scrapy.Request) and request.callback == self.parse_article:
                request.meta[FOUND_VIA] = found_via
                self.crawler.stats.inc_value(stat_keys.found(found_via))
            yield request

    def parse_feed(self, response):
        return self._tagged(FeedsSpider.parse_feed(self, response), "feed")

    def parse_sitemap(self, response):
        return self._tagged(SitemapsSpider.parse_sitemap(self, response), "sitemap")

    def parse_results(self, response):
        return self._tagged(SearchSpider.parse_results(self, response), "search")

    def parse_article(self, response):
        items = list(NewsSpider.parse_article(self, response))
        yield from items
        outlet = self.outlet_for(response)
        if any(isinstance(i, PageItem) for i in items) and "links" in self.strategies and outlet is not None \
                and not response.meta.get(ORIGINAL_URL):  # a live HTML page of an outlet: its links
            yield from self.follow_links(response, outlet)

    def page_item(self, response) -> PageItem:
        item = super().page_item(response)
        item.found_via = response.meta.get(FOUND_VIA, self.found_via)
        return item
