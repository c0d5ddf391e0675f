"""Walk each outlet's XML sitemaps (indexes, robots.txt Sitemap: lines, Google News)."""

from __future__ import annotations

from scraper import stats as stat_keys
from scraper.crawling.parsers.sitemaps import parse_sitemap, sitemaps_from_robots
from spiders.base import NewsSpider


class SitemapsSpider(NewsSpider):
    name = "sitemaps"
    found_via = "sitemap"

    async def start(self):
        for outlet in self.outlets:
            for url in outlet.sitemaps:
                callback = self.parse_robots if url.rstrip("/").endswith("/robots.txt") else self.parse_sitemap
                yield self.request(url, outlet, callback)

    def parse_robots(self, response):
        outlet = self.outlet_for(response)
        for url in sitemaps_from_robots(response.body.decode("utf-8", "replace"), response.url):
            yield self.request(url, outlet, self.parse_sitemap)

    def parse_sitemap(self, response):
        if self.unchanged(response):
            return
        outlet = self.outlet_for(response)
        sitemap = parse_sitemap(response.body)
        if sitemap.kind == "invalid":
            self.crawler.stats.inc_value(stat_keys.error("sitemap_invalid"))
            self.logger.warning("not a sitemap: %s", response.url)
            return
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                yield self.request(entry.loc, outlet, self.parse_sitemap)
            return
        limit = self.settings.getint("NEWSWATCH_MAX_SITEMAP_URLS")
        for entry in sitemap.entries[:limit]:
            if self.too_old(entry.news_published or entry.lastmod):
                continue
            hints = {"title": entry.news_title}
            if entry.news_published:
                hints.update(published=entry.news_published, published_source="sitemap")
            request = self.article_request(entry.loc, outlet, hints)
            if request:
                yield request
