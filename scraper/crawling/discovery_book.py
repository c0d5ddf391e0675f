"""The backfill's ledger as a crawl uses it (store.discovery): which windows are already
answered, which discovered URLs still wait for their fetch, and which have settled.

One per crawler, with its own connection to the crawl's database (WAL: the sink's
group commits go on meanwhile). A window is written in one transaction with the URLs it
found, before their requests are handed to the frontier; a URL is marked settled only
once its article is committed (or it was skipped or failed), and the marks are written
in batches: a crawl killed before a batch reaches the disk asks for those URLs again
next time, which stores nothing twice (one row per canonical URL).
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy import signals

from scraper.dedup.identity import canonical_url
from scraper.store import Store

SETTLE_BATCH = 64


class DiscoveryBook:
    def __init__(self, db_path: str) -> None:
        self.store = Store(db_path)
        self.settled: list[str] = []

    @classmethod
    def for_crawler(cls, crawler) -> DiscoveryBook:
        book = getattr(crawler, "newswatch_discovery_book", None)
        if book is None:
            book = crawler.newswatch_discovery_book = cls(crawler.settings.get("NEWSWATCH_DB"))
            crawler.signals.connect(book.close, signal=signals.spider_closed)
        return book

    def windows(self, source: str, query: str) -> dict[str, tuple[str, str | None]]:
        return self.store.discovery.cursors(source, query)

    def record_window(self, source: str, query: str, window: str, status: str, *, resume_key: str | None = None,
                      returned: int = 0, leads: Iterable[tuple[str, dict]] = ()) -> int:
        return self.store.discovery.record_window(source, query, window, status, resume_key=resume_key,
                                                  returned=returned, leads=leads)

    def unsettled(self, source: str) -> list[tuple[str, dict]]:
        return [(url, lead) for _source, url, lead in self.store.discovery.unsettled([source])]

    def known(self, url: str) -> bool:
        """An article stored under this URL already (its archived copy is not needed)."""
        return self.store.articles.has_url(canonical_url(url))

    def settle(self, lead: str | None) -> None:
        if lead:
            self.settled.append(lead)
            if len(self.settled) >= SETTLE_BATCH:
                self.flush()

    def flush(self) -> None:
        batch, self.settled = self.settled, []
        self.store.discovery.settle(batch)

    def close(self, spider=None) -> None:
        self.flush()
        self.store.close()


def lead_key(url: str) -> str:
    """The ledger's key of a discovered URL: its canonical form."""
    return canonical_url(url)
