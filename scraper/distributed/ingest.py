"""The single writer: records pushed by the workers go into SQLite, one at a time.

SQLite takes one writer; the workers are many and may be on other machines. So they
push records to a Redis list and this loop stores them. Each record is moved to a
processing list while it is stored (LMOVE) and removed after the commit, so an ingest
killed half-way redoes at most what it was storing; `save_article` is an upsert by
canonical URL, so storing a record twice changes nothing.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import redis

from scraper.distributed.frontier import FrontierKeys, connect, crawl_meta, frontier_state, worker_stats
from scraper.errors import NewswatchError
from scraper.schedule import CrawlLock
from scraper.store import Store

logger = logging.getLogger(__name__)
BATCH = 64  # records per transaction at most
COUNTERS = ("pages_fetched", "pages_downloaded", "not_modified", "articles_seen", "articles_new",
            "articles_updated", "articles_unchanged", "relevant_new", "not_articles")


@dataclass
class IngestSummary:
    run_id: int
    status: str = "finished"
    seconds: float = 0.0
    pages_fetched: int = 0
    pages_downloaded: int = 0
    not_modified: int = 0
    articles_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    relevant_new: int = 0
    relevant_seen: int = 0
    not_articles: int = 0
    clusters_moved: int = 0
    last_item_at: float | None = None  # time.monotonic() when the last record was stored
    alerts: object = None
    errors: dict[str, int] = field(default_factory=dict)

    def count(self, status: str, relevant: bool) -> None:
        self.articles_seen += 1
        name = f"articles_{status}"
        if hasattr(self, name):
            setattr(self, name, getattr(self, name) + 1)
        if relevant:
            self.relevant_seen += 1
            if status == "new":
                self.relevant_new += 1


class IngestLock:
    """One writer per frontier: a Redis key held with a heartbeat (SET NX EX)."""

    def __init__(self, server: redis.Redis, key: str, ttl: int = 15) -> None:
        self.server, self.key, self.ttl = server, key, ttl
        self.token = uuid.uuid4().hex
        self.stop = threading.Event()

    def acquire(self) -> None:
        if not self.server.set(self.key, self.token, nx=True, ex=self.ttl):
            raise NewswatchError(f"another `newswatch ingest` is writing this frontier ({self.key} is held)")
        threading.Thread(target=self._keep, name="newswatch-ingest-lock", daemon=True).start()

    def _keep(self) -> None:
        while not self.stop.wait(self.ttl / 3):
            try:
                self.server.expire(self.key, self.ttl)
            except redis.RedisError as exc:
                logger.warning("could not refresh the ingest lock: %s", exc)

    def release(self) -> None:
        self.stop.set()
        try:
            if self.server.get(self.key) == self.token.encode():
                self.server.delete(self.key)
        except redis.RedisError:
            pass


def _decode(data: bytes) -> tuple[dict, list[dict]]:
    payload = json.loads(data)
    record, mentions = payload["record"], payload.get("mentions") or []
    if not isinstance(record, dict) or not record.get("id") or not isinstance(mentions, list):
        raise ValueError("not a newswatch record")
    return record, mentions


def store_pushed(store: Store, batch: list[bytes], summary: IngestSummary) -> None:
    """Store a batch of pushed records in one transaction (group commit); an unreadable
    record is counted and skipped, a record the database refuses costs only itself."""
    readable = []
    for data in batch:
        try:
            readable.append(_decode(data))
        except (ValueError, KeyError, TypeError) as exc:
            summary.errors["bad_item"] = summary.errors.get("bad_item", 0) + 1
            logger.warning("skipped an unreadable item from the queue: %s", exc)
    if not readable:
        return
    try:
        results = store.articles.save_many(readable)
    except sqlite3.OperationalError:
        raise  # a full disk or a locked database: stop, the records stay queued
    except sqlite3.DatabaseError:
        results = []
        for record, mentions in readable:
            try:
                results.append(store.articles.save(record, mentions))
            except sqlite3.DatabaseError as exc:
                summary.errors["store"] = summary.errors.get("store", 0) + 1
                logger.warning("could not store %s: %s", record.get("url"), exc)
    for result in results:
        summary.count(result.status, bool(result.relevant))


def run_ingest(url: str, db: Path, *, prefix: str = "newswatch", idle_timeout: float = 10.0, follow: bool = False,
               deadline: float | None = None, take_lock: bool = True) -> IngestSummary:
    """Store pushed records until the crawl is over (no queued, leased or pushed work,
    no live worker, for `idle_timeout` seconds), or until stopped when `follow`."""
    server = connect(url)
    keys = FrontierKeys(prefix)
    db_lock = CrawlLock.for_database(db) if take_lock else None
    if db_lock:
        db_lock.acquire()
    writer_lock = IngestLock(server, keys.ingest_lock)
    try:
        writer_lock.acquire()
        return _ingest(server, keys, db, idle_timeout, follow, deadline)
    finally:
        writer_lock.release()
        if db_lock:
            db_lock.release()


def _ingest(server: redis.Redis, keys: FrontierKeys, db: Path, idle_timeout: float, follow: bool,
            deadline: float | None) -> IngestSummary:
    store = Store(db)
    store.runs.mark_interrupted()
    meta = crawl_meta(server, keys)
    run_id = store.runs.start(["distributed:" + meta.get("strategies", "all")],
                             [o for o in meta.get("outlets", "").split(",") if o])
    summary = IngestSummary(run_id=run_id)
    started = time.monotonic()
    # a writer killed half-way left its record in the processing list: store it again
    while server.lmove(keys.items_processing, keys.items, "RIGHT", "LEFT"):
        pass
    idle_since: float | None = None
    try:
        while deadline is None or time.monotonic() < deadline:
            data = server.blmove(keys.items, keys.items_processing, 0.5, "LEFT", "RIGHT")
            if data is not None:
                batch = [data]
                while len(batch) < BATCH and (more := server.lmove(keys.items, keys.items_processing,
                                                                   "LEFT", "RIGHT")) is not None:
                    batch.append(more)
                store_pushed(store, batch, summary)
                with server.pipeline(transaction=False) as pipe:
                    for done in batch:
                        pipe.lrem(keys.items_processing, 1, done)
                    pipe.execute()
                summary.last_item_at = time.monotonic()
                idle_since = None
                continue
            state = frontier_state(server, keys)
            if follow or state.crawling or state.workers or state.items_waiting:
                idle_since = None
                continue
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= idle_timeout:
                break
        else:
            summary.status = "timeout"
    except KeyboardInterrupt:
        summary.status = "interrupted"
    finally:
        summary.seconds = round(time.monotonic() - started, 2)
        _finish(store, server, keys, summary)
        store.close()
    return summary


def _finish(store: Store, server: redis.Redis, keys: FrontierKeys, summary: IngestSummary) -> None:
    shared = worker_stats(server, keys)
    summary.pages_fetched = shared.get("downloader/response_count", 0)
    summary.pages_downloaded = shared.get("newswatch/articles_pushed", 0) + shared.get("newswatch/not_article", 0)
    summary.not_articles = shared.get("newswatch/not_article", 0)
    for key, value in shared.items():
        if key.startswith("newswatch/errors/"):
            kind = key.removeprefix("newswatch/errors/")
            summary.errors[kind] = summary.errors.get(kind, 0) + value
    summary.clusters_moved = store.clusters.update()
    counters = {k: getattr(summary, k) for k in COUNTERS}
    store.runs.finish(summary.run_id, summary.status, counters, summary.errors,
                     {"distributed": True, "seconds": summary.seconds, "worker_stats": shared})
