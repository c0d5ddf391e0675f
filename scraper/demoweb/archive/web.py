"""ArchiveWeb: the three replicas started together from one dataset, with their endpoints as settings."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from scraper.demoweb.archive.base import Faults, Hit
from scraper.demoweb.archive.commoncrawl import CommonCrawlReplica
from scraper.demoweb.archive.dataset import ArchiveDataset
from scraper.demoweb.archive.gdelt import GdeltReplica
from scraper.demoweb.archive.wayback import WaybackReplica


class ArchiveWeb:
    """GDELT, Wayback (CDX + replay) and Common Crawl (index + WARC data) on free 127.0.0.1 ports.

    `faults` maps a part ("gdelt", "cdx", "replay", "cc-index", "cc-data") to its Faults.
    Everything stops by itself after `max_seconds`.
    """

    def __init__(self, dataset: ArchiveDataset, faults: dict[str, Faults] | None = None, page_size: int = 50,
                 gdelt_min_interval: float = 0.0, host: str = "127.0.0.1", max_seconds: float = 600) -> None:
        faults = faults or {}
        self.gdelt = GdeltReplica(dataset.gdelt, faults.get("gdelt"), gdelt_min_interval, host, max_seconds)
        try:
            self.wayback = WaybackReplica(dataset.wayback, page_size, faults.get("cdx"), faults.get("replay"),
                                          host, max_seconds)
            self.commoncrawl = CommonCrawlReplica(dataset.crawls, page_size, faults.get("cc-index"),
                                                  faults.get("cc-data"), host, max_seconds)
        except BaseException:
            self.stop()
            raise

    @property
    def endpoints(self) -> dict[str, str]:
        """Setting name -> URL, for pointing discovery at the replicas instead of the real services."""
        return {
            "gdelt_endpoint": self.gdelt.endpoint,
            "cdx_endpoint": self.wayback.cdx_endpoint,
            "replay_base": self.wayback.replay_base,
            "cc_index_base": self.commoncrawl.index_base,
            "cc_data_base": self.commoncrawl.data_base,
        }

    @property
    def hits(self) -> dict[str, list[Hit]]:
        return {"gdelt": self.gdelt.hits, "wayback": self.wayback.hits, "commoncrawl": self.commoncrawl.hits}

    def stop(self) -> None:
        for name in ("gdelt", "wayback", "commoncrawl"):
            replica = getattr(self, name, None)
            if replica is not None:
                replica.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
