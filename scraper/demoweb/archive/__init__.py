"""Replicas of the archive and search services discovery uses, on 127.0.0.1 (issue 19).

A GDELT-like DOC API, a Wayback-like CDX server and replay, and a Common Crawl-like
index and WARC store, each a standard-library HTTP server over a dataset given to it
(plain dataclasses from `dataset`), with switches for the faults those services show.
The demo builds the dataset from its fictional web; `example.example_dataset()` is a
small one for tests.
"""

from scraper.demoweb.archive.base import Faults, Hit, Reply
from scraper.demoweb.archive.commoncrawl import CommonCrawlReplica
from scraper.demoweb.archive.dataset import (
    ArchiveDataset,
    Capture,
    CrawlSpec,
    GdeltEntry,
    notice_capture,
    redirect_capture,
    soft_404,
)
from scraper.demoweb.archive.gdelt import GdeltReplica
from scraper.demoweb.archive.wayback import WaybackReplica
from scraper.demoweb.archive.web import ArchiveWeb

__all__ = [
    "ArchiveDataset", "ArchiveWeb", "Capture", "CommonCrawlReplica", "CrawlSpec", "Faults", "GdeltEntry",
    "GdeltReplica", "Hit", "Reply", "WaybackReplica", "notice_capture", "redirect_capture", "soft_404",
]
