"""Conditional GET: ask only for what changed since the last crawl.

Requests carry If-None-Match / If-Modified-Since from the validators kept per URL
(scraper.crawling.validators: the database, or its copy in Redis for a distributed
worker); a 304 reaches the spider as an empty response it skips. Validators of
navigation pages (feeds, sitemaps, listings) are remembered only when the crawl
finished, so a crawl killed half-way walks them again and loses nothing; article
validators are written together with the article.
"""

from __future__ import annotations

from scrapy import signals

from scraper import stats as stat_keys
from scraper.crawling.validators import validators_for


class ConditionalGetMiddleware:
    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(validators_for(crawler), crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def __init__(self, validators, stats) -> None:
        self.validators = validators
        self.stats = stats
        self.pending: dict[str, dict] = {}

    def process_request(self, request, spider=None):
        # robots.txt is always fetched in full: an empty 304 body would read as "allow all"
        if request.meta.get("conditional") is False or request.url.endswith("/robots.txt"):
            return None
        known = self.validators.get(request.url)
        if known:
            if known.get("etag"):
                request.headers.setdefault(b"If-None-Match", known["etag"].encode("latin-1"))
            if known.get("last_modified"):
                request.headers.setdefault(b"If-Modified-Since", known["last_modified"].encode("latin-1"))
        request.meta.setdefault("handle_httpstatus_list", [304])
        return None

    def process_response(self, request, response, spider=None):
        if response.status == 304:
            self.stats.inc_value(stat_keys.NOT_MODIFIED)
        elif response.status == 200:
            self.stats.inc_value(stat_keys.BODIES_DOWNLOADED)
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                self.pending[response.url] = {
                    "url": response.url,
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": modified.decode("latin-1") if modified else None,
                }
        return response

    def spider_closed(self, spider, reason: str) -> None:
        if reason == "finished":
            self.validators.remember(list(self.pending.values()))
        self.validators.close()
