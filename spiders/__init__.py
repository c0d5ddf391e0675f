"""The spiders: strategies that only navigate (which URLs to fetch, how each page was
found), and the one registry of them that the CLI, the crawl runner and the distributed
crawl read.

The classes are imported on first use: importing the names must not import Scrapy.
"""

from __future__ import annotations

from importlib import import_module

from scraper.errors import NewswatchError

# strategy name -> (module, class), in the order a crawl runs them
_REGISTRY = {
    "feeds": ("spiders.feeds", "FeedsSpider"),
    "sitemaps": ("spiders.sitemaps", "SitemapsSpider"),
    "search": ("spiders.search", "SearchSpider"),
    "links": ("spiders.links", "LinksSpider"),
    "gdelt": ("spiders.gdelt", "GdeltSpider"),
    "wayback": ("spiders.wayback", "WaybackSpider"),
    "commoncrawl": ("spiders.commoncrawl", "CommonCrawlSpider"),
}
# what a crawl runs when none is chosen: the outlets' own sites
STRATEGIES: tuple[str, ...] = ("feeds", "sitemaps", "search", "links")
# discovery and backfill: sources beyond the listed sites (`crawl --discover`, `backfill --source`)
DISCOVERY_SOURCES: tuple[str, ...] = ("gdelt", "wayback", "commoncrawl")
ALL_STRATEGIES: tuple[str, ...] = tuple(_REGISTRY)


def spider_class(name: str) -> type:
    """The spider class of one strategy."""
    module, cls = _REGISTRY[name]
    return getattr(import_module(module), cls)


def check_strategies(names: list[str] | tuple[str, ...] | None) -> list[str]:
    """The chosen strategies (all of them when none is given); an unknown name is the
    user's mistake."""
    chosen = list(dict.fromkeys(names or STRATEGIES))
    unknown = [n for n in chosen if n not in _REGISTRY]
    if unknown:
        raise NewswatchError(f"unknown spider {', '.join(unknown)}; choose from {', '.join(ALL_STRATEGIES)}")
    return chosen
