"""The single writer: records pushed by the workers go into SQLite, one at a time.

SQLite takes one writer; the workers are many and may be on other machines. So they
push records to a Redis list and this loop stores them. Each record is moved to a
processing list while it is stored (LMOVE) and removed after the commit, so an ingest
killed half-way redoes at most what it was storing; `articles.save` is an upsert by
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

from scraper.archive import WarcArchive
from scraper.archive.capture import capture_from_json
from scraper.crawling.archiving import last_capture, place
from scraper.distributed.frontier import FrontierKeys, connect, crawl_meta, frontier_state, worker_stats
from scraper.errors import NewswatchError
from scraper.runs.alerts import AlertConfig
from scraper.runs.ledger import RunSummary, close_run, open_run
from scraper.runs.lock import CrawlLock
from scraper.store import Store

logger = logging.getLogger(__name__)
BATCH = 64  # records per transaction at most


def publish_validators(store: Store, server: redis.Redis, keys: FrontierKeys) -> int:
    """Copy the database's HTTP validators into Redis, where workers (which have no
    database) find them for conditional GET; replaced in one step (RENAME), so a worker
    never sees half a copy. Returns how many."""
    staging = f"{keys.validators}:staging"
    server.delete(staging)
    count = 0
    with server.pipeline(transaction=False) as pipe:
        for row in store.http_cache.rows():
            pipe.hset(staging, row["url"], json.dumps(row))
            count += 1
            if count % 1000 == 0:
                pipe.execute()
        pipe.execute()
    if count:
        server.rename(staging, keys.validators)
    else:
        server.delete(keys.validators)
    return count


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


@dataclass
class Notes:
    """What workers push besides articles, applied when the run ends: strategies that
    found a stored page again, and the navigation pages' validators (kept only if the
    run finished, so a killed run walks them again)."""

    found_via: list[tuple[str, str]] = field(default_factory=list)
    validators: list[dict] = field(default_factory=list)

    def apply(self, store: Store, finished: bool) -> None:
        store.articles.add_found_via(self.found_via)
        if finished:
            store.http_cache.remember(self.validators)


def _decode(data: bytes, notes: Notes) -> tuple[dict, list[dict], dict | None] | None:
    """An article's (record, mentions, capture or None); None for a note, kept in `notes`."""
    payload = json.loads(data)
    if "found_via" in payload:
        notes.found_via.extend((str(url), str(strategy)) for url, strategy in payload["found_via"])
        return None
    if "validators" in payload:
        notes.validators.extend(row for row in payload["validators"] if isinstance(row, dict) and row.get("url"))
        return None
    record, mentions = payload["record"], payload.get("mentions") or []
    if not isinstance(record, dict) or not record.get("id") or not isinstance(mentions, list):
        raise ValueError("not a newswatch record")
    capture = payload.get("capture")
    if capture is not None and not isinstance(capture, dict):
        raise ValueError("not a capture")
    return record, mentions, capture


def _archived(store: Store, archive: WarcArchive, readable: list[tuple[dict, list[dict], dict | None]]) -> None:
    """Write the batch's pages to the archive (one fsync) and name each row's record;
    a capture that cannot be read leaves its row without one (counted by the caller)."""
    placed, captures = [], []
    for record, _mentions, data in readable:
        if data is None:
            continue
        capture = capture_from_json(data, revisit_of=last_capture(store.http_cache.validators(data["url"])))
        placed.append(record)
        captures.append(capture)
    for record, archived in zip(placed, archive.write_many(captures), strict=True):
        place(record, archived)


def store_pushed(store: Store, batch: list[bytes], summary: RunSummary, notes: Notes | None = None,
                 archive: WarcArchive | None = None) -> None:
    """Store a batch of pushed records in one transaction (group commit), each page first
    in the archive when there is one; an unreadable record is counted and skipped, a
    record the database refuses costs only itself."""
    readable = []
    notes = notes if notes is not None else Notes()
    for data in batch:
        try:
            decoded = _decode(data, notes)
        except (ValueError, KeyError, TypeError) as exc:
            summary.add_error("bad_item")
            logger.warning("skipped an unreadable item from the queue: %s", exc)
            continue
        if decoded is not None:
            readable.append(decoded)
    if archive is not None:
        try:
            _archived(store, archive, readable)
        except (ValueError, KeyError, TypeError) as exc:  # a capture that is not one: its batch without evidence
            summary.add_error("bad_capture")
            logger.warning("stored a batch without its archived pages: %s", exc)
    readable = [(record, mentions) for record, mentions, _capture in readable]
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
                summary.add_error("store")
                logger.warning("could not store %s: %s", record.get("url"), exc)
    for result in results:
        summary.add_saved(result)


def run_ingest(url: str, db: Path, *, prefix: str = "newswatch", idle_timeout: float = 10.0, follow: bool = False,
               deadline: float | None = None, take_lock: bool = True,
               alerts: AlertConfig | None = None, archive_dir: Path | None = None) -> RunSummary:
    """Store pushed records until the crawl is over (no queued, leased or pushed work,
    no live worker, for `idle_timeout` seconds), or until stopped when `follow`; each
    page as fetched goes to the WARC files in `archive_dir` (None: no archive)."""
    server = connect(url)
    keys = FrontierKeys(prefix)
    db_lock = CrawlLock.for_database(db) if take_lock else None
    if db_lock:
        db_lock.acquire()
    writer_lock = IngestLock(server, keys.ingest_lock)
    try:
        writer_lock.acquire()
        archive = WarcArchive(archive_dir) if archive_dir is not None else None
        return _ingest(server, keys, db, idle_timeout, follow, deadline, alerts, archive)
    finally:
        writer_lock.release()
        if db_lock:
            db_lock.release()


def _ingest(server: redis.Redis, keys: FrontierKeys, db: Path, idle_timeout: float, follow: bool,
            deadline: float | None, alerts: AlertConfig | None, archive: WarcArchive | None) -> RunSummary:
    store = Store(db)
    if archive is not None:
        store.meta.remember_archive_folder(archive.folder)  # where verify, show, export and reextract look
    publish_validators(store, server, keys)
    notes = Notes()
    meta = crawl_meta(server, keys)
    summary = open_run(store, ["distributed:" + meta.get("strategies", "all")],
                       [o for o in meta.get("outlets", "").split(",") if o])
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
                store_pushed(store, batch, summary, notes, archive)
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
        shared = worker_stats(server, keys)
        summary.add_stats(shared)
        notes.apply(store, summary.status == "finished")
        close_run(store, summary, {"distributed": True, "worker_stats": shared}, alerts)
        store.close()
        if archive is not None:
            archive.close()
    return summary
