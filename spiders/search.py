"""Ask each outlet's site search for every watchlist query and follow the result pages."""

from __future__ import annotations

from scraper.crawling.parsers.links import content_links, next_page, same_site
from scraper.match import load_watchlist
from spiders.base import NewsSpider


class SearchSpider(NewsSpider):
    name = "search"
    found_via = "search"

    def __init__(self, *args, watchlist: str | None = None, queries: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._watchlist_arg = watchlist
        self._queries_arg = [q.strip() for q in queries.split("|")] if queries else None

    def queries(self) -> list[str]:
        if self._queries_arg:
            return self._queries_arg
        path = self._watchlist_arg or self.settings.get("NEWSWATCH_WATCHLIST")
        return load_watchlist(path).search_queries()

    async def start(self):
        queries = self.queries()
        for outlet in self.outlets:
            for query in queries:
                url = outlet.search_url(query)
                if url:
                    yield self.request(url, outlet, self.parse_results, query=query, result_page=1)

    def parse_results(self, response):
        if self.unchanged(response):
            return
        outlet = self.outlet_for(response)
        search_url = outlet.search_url(response.meta["query"]) or ""
        for url in content_links(response.body, response.url):
            if same_site(url, outlet.host) and not url.startswith(search_url.split("?")[0] + "?"):
                request = self.article_request(url, outlet)
                if request:
                    yield request
        page = response.meta["result_page"]
        following = next_page(response.body, response.url)
        if following and page < self.settings.getint("NEWSWATCH_MAX_SEARCH_PAGES"):
            yield self.request(following, outlet, self.parse_results, query=response.meta["query"],
                               result_page=page + 1)
