"""Follow links from each outlet's homepage, within the outlet and a depth and page budget."""

from __future__ import annotations

import re
from collections import Counter

from scraper import stats as stat_keys
from scraper.crawling.frontier import FOUND_VIA
from scraper.crawling.parsers.links import page_links, same_site
from scraper.dedup.identity import canonical_url
from spiders.base import NewsSpider

STATIC_FILE = re.compile(r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|mp[34]|woff2?|xml|json)$", re.I)


class LinksSpider(NewsSpider):
    name = "links"
    found_via = "link"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pages_per_outlet: Counter[str] = Counter()
        self.seen: set[str] = set()

    async def start(self):
        for outlet in self.outlets:
            self.seen.add(canonical_url(outlet.homepage))
            yield self.request(outlet.homepage, outlet, self.parse_page)

    def parse_page(self, response):
        """Every HTML page goes to the pipeline, which keeps articles and relevant pages
        and skips index pages (counted by reason); its links are followed."""
        outlet = self.outlet_for(response)
        if self.unchanged(response) or not self.is_html(response):
            return
        yield self.page_item(response)
        yield from self.follow_links(response, outlet)

    def follow_links(self, response, outlet):
        """Requests for the page's unseen same-site links, within the outlet's page budget."""
        budget = self.settings.getint("NEWSWATCH_MAX_PAGES_PER_OUTLET")
        for url in page_links(response.body, response.url):
            key = canonical_url(url)
            if key in self.seen or STATIC_FILE.search(key) or not same_site(url, outlet.host):
                continue
            if self.pages_per_outlet[outlet.name] >= budget:
                self.crawler.stats.inc_value(stat_keys.LINK_BUDGET_REACHED)
                return
            self.seen.add(key)
            self.pages_per_outlet[outlet.name] += 1
            self.crawler.stats.inc_value(stat_keys.found(LinksSpider.found_via))
            yield self.request(key, outlet, self.parse_page, **{FOUND_VIA: LinksSpider.found_via})
