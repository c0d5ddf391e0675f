"""Follow each outlet's RSS/Atom feeds to their articles."""

from __future__ import annotations

from scraper import stats as stat_keys
from scraper.crawling.parsers.feeds import parse_feed
from spiders.base import NewsSpider


class FeedsSpider(NewsSpider):
    name = "feeds"
    found_via = "feed"

    async def start(self):
        for outlet in self.outlets:
            for feed in outlet.feeds:
                yield self.request(feed, outlet, self.parse_feed)

    def parse_feed(self, response):
        if self.unchanged(response):
            return
        outlet = self.outlet_for(response)
        entries = parse_feed(response.body, response.url)
        if not entries:
            self.crawler.stats.inc_value(stat_keys.error("feed_unreadable"))
            self.logger.warning("no items in feed %s", response.url)
        for entry in entries:
            if self.too_old(entry.published):
                continue
            hints = {"published": entry.published, "published_source": "feed", "title": entry.title}
            request = self.article_request(entry.url, outlet, hints)
            if request:
                yield request
