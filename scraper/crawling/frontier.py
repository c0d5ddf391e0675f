"""One frontier per crawl: every strategy's requests go through one scheduler and one
duplicate filter keyed by the canonical URL, so a page is downloaded at most once per
run (plus its retries), whichever strategies found it; a failed URL is not tried again
by another strategy.

The first strategy to find a page travels with its request (`found_via`); the others
are noted here when the filter drops their duplicate, and the sink adds them to the
stored article at the end of the run, so `found_via` names every strategy.
Used as is by a local crawl (Scrapy's scheduler); the distributed crawl's Redis filter
(scraper.distributed.frontier) shares the fingerprint and the notes.
"""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter

from scraper.dedup.identity import canonical_url

FOUND_VIA = "found_via"  # request.meta key: the strategy that found this candidate article
PROVENANCE = "provenance"  # request.meta key: fetched_from, archive_url, archived_at, discovered_at
ORIGINAL_URL = "original_url"  # request.meta key: an archived copy's own URL (the request's is the archive's)
LEAD = "lead"  # request.meta key: the discovery ledger's URL this request settles


def canonical_fingerprint(request: Request) -> bytes:
    """Method, canonical URL (tracking parameters, fragment and parameter order folded)
    and body: `?utm_source=` variants of an article are one request."""
    digest = hashlib.sha1(request.method.encode())
    digest.update(b"\0" + canonical_url(request.url).encode("utf-8") + b"\0")
    digest.update(request.body or b"")
    return digest.digest()


class CanonicalRequestFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: Scrapy's duplicate filter then works on canonical URLs."""

    @classmethod
    def from_crawler(cls, crawler) -> CanonicalRequestFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        return canonical_fingerprint(request)


class FoundAgain:
    """Candidate articles a strategy found after another one had: (URL, strategy) pairs,
    one registry per crawler, filled by the duplicate filter, emptied by the sink."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, str]] = []

    @classmethod
    def for_crawler(cls, crawler) -> FoundAgain:
        registry = getattr(crawler, "newswatch_found_again", None)
        if registry is None:
            registry = crawler.newswatch_found_again = cls()
        return registry

    def note(self, request: Request) -> None:
        strategy = request.meta.get(FOUND_VIA)
        if strategy:
            self.pairs.append((request.url, strategy))

    def take(self) -> list[tuple[str, str]]:
        pairs, self.pairs = self.pairs, []
        return pairs


class CanonicalDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter (canonical fingerprints come from the fingerprinter
    setting) that notes which strategy found a page again."""

    found_again: FoundAgain | None = None

    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        dupefilter.found_again = FoundAgain.for_crawler(crawler)
        return dupefilter

    def request_seen(self, request: Request) -> bool:
        seen = super().request_seen(request)
        if seen and self.found_again is not None:
            self.found_again.note(request)
        return seen
