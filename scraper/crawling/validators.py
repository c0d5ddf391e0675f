"""Where a crawl finds the HTTP validators of what it fetched before (ETag,
Last-Modified, the body's hash), for conditional GET and for skipping unchanged pages.

A local crawl reads its own database (`StoreValidators`); a distributed worker has no
database and reads the copy its writer published in Redis (scraper.distributed). The
setting NEWSWATCH_VALIDATORS names the class; one instance per crawler, shared by the
conditional-GET middleware and the pipeline's sink.
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.utils.misc import load_object

from scraper.dedup.identity import html_fingerprint
from scraper.store import Store


class StoreValidators:
    """Validators in the crawl's own database (`http_cache`)."""

    def __init__(self, db_path: str) -> None:
        self.store = Store(db_path)

    @classmethod
    def from_crawler(cls, crawler) -> StoreValidators:
        return cls(crawler.settings.get("NEWSWATCH_DB"))

    def get(self, url: str) -> dict | None:
        return self.store.http_cache.validators(url)

    def remember(self, rows: Iterable[dict]) -> None:
        """Validators of navigation pages (feeds, sitemaps, listings), written when a run
        finished, so a run killed half-way walks them again next time."""
        self.store.http_cache.remember(rows)

    def close(self) -> None:
        self.store.close()


def stored_unchanged(validators, url: str, body: bytes) -> bool:
    """The page at `url` is an article stored from these very bytes: nothing to extract."""
    known = validators.get(url)
    return bool(known and known.get("article_id") and known.get("body_sha1") == html_fingerprint(body))


def validators_for(crawler):
    """The crawler's validator source (created on first use, closed with the spider)."""
    source = getattr(crawler, "newswatch_validators", None)
    if source is None:
        source = load_object(crawler.settings.get("NEWSWATCH_VALIDATORS")).from_crawler(crawler)
        crawler.newswatch_validators = source
    return source
