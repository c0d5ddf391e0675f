"""Extraction off Scrapy's reactor thread: a process pool shared by every spider of a crawl.

Extraction is CPU-bound; run in the reactor thread it stalls downloading and uses one
core. Each worker loads the watchlist once; pages go in as bytes, analysed dicts come
back. With `workers=0` everything runs inline (debugging, tiny crawls).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from scraper.match import Watchlist, load_watchlist
from scraper.process import analyse_page

_WORKER_WATCHLIST: Watchlist | None = None


def _exit_with_parent(parent_pid: int) -> None:
    """A crawl killed with SIGKILL cannot shut its pool down: each worker leaves as soon
    as it is orphaned, instead of lingering with the crawl's memory and output pipes."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(0)


def _init_worker(watchlist_path: str, parent_pid: int) -> None:
    global _WORKER_WATCHLIST
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    _WORKER_WATCHLIST = load_watchlist(watchlist_path)


def _ready() -> bool:
    return _WORKER_WATCHLIST is not None


def _analyse(body: bytes, url: str, fetched_at: str, headers: dict, hints: dict) -> dict:
    assert _WORKER_WATCHLIST is not None, "worker not initialised"
    return analyse_page(body, url=url, watchlist=_WORKER_WATCHLIST, fetched_at=datetime.fromisoformat(fetched_at),
                        headers=headers, hints=hints)


class Extractor:
    """`await extractor.analyse(...)` runs analyse_page in a worker process (or inline)."""

    def __init__(self, watchlist_path: str, workers: int | None = None) -> None:
        self.watchlist_path = watchlist_path
        self.workers = os.cpu_count() or 1 if workers is None else workers
        self.users = 0
        self.pool: ProcessPoolExecutor | None = None
        self.inline_watchlist: Watchlist | None = None
        self.slots: asyncio.Semaphore | None = None

    def open(self) -> None:
        self.users += 1
        if self.users > 1:
            return
        if self.workers > 0:
            # spawn: workers are clean children of this process (never a fork of the threaded
            # reactor), so they can watch their parent and leave with it
            context = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                            initargs=(self.watchlist_path, os.getpid()))
            for _ in range(self.workers):  # start them now, while the spiders fetch robots, feeds, sitemaps
                self.pool.submit(_ready)
        else:
            self.inline_watchlist = load_watchlist(self.watchlist_path)

    def close(self) -> None:
        self.users -= 1
        if self.users <= 0 and self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def analyse(self, body: bytes, url: str, fetched_at: str, headers: dict, hints: dict) -> dict:
        if self.pool is None:
            return analyse_page(body, url=url, watchlist=self.inline_watchlist, headers=headers, hints=hints,
                                fetched_at=datetime.fromisoformat(fetched_at))
        if self.slots is None:
            self.slots = asyncio.Semaphore(2 * self.workers)
        # a bounded queue: downloads outrun extraction, and an unbounded executor queue
        # would hold every waiting page body in memory; waiting here holds the item
        # in Scrapy, whose own back-pressure then pauses downloading
        async with self.slots:
            return await asyncio.wrap_future(self.pool.submit(_analyse, body, url, fetched_at, headers, hints))


_SHARED: dict[tuple[str, int | None], Extractor] = {}


def shared_extractor(watchlist_path: str, workers: int | None) -> Extractor:
    """One pool per (watchlist, size) in this process, whatever the number of spiders."""
    key = (watchlist_path, workers)
    if key not in _SHARED:
        _SHARED[key] = Extractor(watchlist_path, workers)
    return _SHARED[key]
