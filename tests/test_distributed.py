"""Distributed crawling through a real redis-server on 127.0.0.1: workers share one
frontier (scrapy-redis), one writer stores everything, nothing is fetched twice, and a
worker killed half-way loses nothing."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from prereq import need
from runner import FAST, ROOT, child_env, crawl_demo_web, newswatch

from scraper.demoweb import DemoWeb
from scraper.distributed import wire
from scraper.distributed.frontier import (
    LEASE,
    FrontierKeys,
    connect,
    frontier_state,
    requeue_dead_workers,
)
from scraper.distributed.redis_server import LocalRedis, redis_server_binary

need(redis_server_binary() is not None, "redis-server",
     "`make test` runs scripts/ensure-redis.sh to install it (apt-get install redis-server)")

QUIET = [*FAST, "-s", "LOG_LEVEL=WARNING"]


@pytest.fixture
def redis_url():
    with LocalRedis(max_seconds=600) as server:
        yield server.url


def spawn(*args: str, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen([sys.executable, "-m", "scraper", *args], cwd=ROOT, env=child_env(), stdout=handle,
                            stderr=subprocess.STDOUT)


def articles(db: Path) -> dict[str, tuple]:
    """What a user gets from the crawl, by URL path (ports differ between crawls)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("select canonical_url, title, relevant, matched, published_date, outlet from articles")
        return {urlsplit(url).path: (title, relevant, json.loads(matched or "[]"), day, outlet)
                for url, title, relevant, matched, day, outlet in rows}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def single_process(tmp_path_factory):
    """The reference: the ordinary one-process crawl of the demo web."""
    crawl = crawl_demo_web(tmp_path_factory.mktemp("single"))
    assert crawl.result.returncode == 0, crawl.result.stderr[-2000:]
    return articles(crawl.db)


def page_fetches(hits) -> Counter:
    """Server-side count of fetches per page. robots.txt is left out: each worker process
    reads a host's robots.txt for itself, as Scrapy's robots middleware does."""
    return Counter((slug, path) for slug, _method, path, _status in hits if path != "/robots.txt")


def test_two_workers_and_one_writer_equal_a_single_process_crawl_and_fetch_each_page_once(
        redis_url, single_process, tmp_path):
    db = tmp_path / "dist.db"
    with DemoWeb(max_seconds=300) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        result = newswatch("crawl", "--distributed", redis_url, "--workers", "2", "--db", str(db),
                           "--sources", str(sources), "--no-progress", *QUIET, timeout=300)
        hits = web.hits
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    assert articles(db) == single_process
    fetched_twice = {page: n for page, n in page_fetches(hits).items() if n > 1}
    assert not fetched_twice
    conn = sqlite3.connect(db)
    status, new, fetched = conn.execute("select status, articles_new, pages_fetched from crawl_runs").fetchone()
    conn.close()
    assert status == "finished" and new == len(single_process)
    assert fetched == len(hits)  # every response the server sent, robots.txt included
    server = connect(redis_url)
    state = frontier_state(server, FrontierKeys())
    assert (state.queued, state.in_flight, state.workers, state.items_waiting) == (0, 0, 0, 0)


def test_a_worker_killed_half_way_loses_nothing(redis_url, single_process, tmp_path):
    db = tmp_path / "dist.db"
    common = ["--distributed", redis_url]
    with DemoWeb(max_seconds=300) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        seeded = newswatch("seed", *common, "--sources", str(sources), *QUIET)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        worker_args = ["worker", *common, "--idle-timeout", "2", "--heartbeat-ttl", "3", *QUIET,
                       "-s", "CONCURRENT_REQUESTS=4", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
        victim = spawn(*worker_args, log=tmp_path / "victim.log")
        survivor = spawn(*worker_args, log=tmp_path / "survivor.log")
        writer = spawn("ingest", *common, "--db", str(db), "--idle-timeout", "2", log=tmp_path / "ingest.log")
        server, keys = connect(redis_url), FrontierKeys()

        def victim_leases() -> int:
            return sum(server.hlen(k) for k in server.scan_iter(match=keys.inflight_pattern())
                       if f"-{victim.pid}-" in k.decode())

        deadline = time.monotonic() + 60
        while (len(web.hits) < 120 or not victim_leases()) and time.monotonic() < deadline:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)  # mid-crawl, with requests leased and pages half-processed
        fetched_before_kill = len(web.hits)
        try:
            assert writer.wait(timeout=180) == 0, (tmp_path / "ingest.log").read_text()[-3000:]
            assert survivor.wait(timeout=60) == 0
        finally:
            for child in (victim, survivor, writer):
                if child.poll() is None:
                    child.kill()
        victim.wait()
    assert fetched_before_kill < len(web.hits), "the worker was killed after the crawl ended"
    survivor_log = (tmp_path / "survivor.log").read_text()
    assert "requests of workers that stopped answering" in survivor_log
    assert articles(db) == single_process, survivor_log[-3000:]


def test_leases_go_back_to_the_queue_only_when_their_worker_stops_beating(redis_url):
    server = connect(redis_url)
    keys = FrontierKeys("t")
    server.zadd(keys.requests, {b"request-a": 0, b"request-b": 1})
    script = server.register_script(
        "local p = redis.call('ZRANGE', KEYS[1], 0, 0) redis.call('ZREM', KEYS[1], p[1]) "
        "redis.call('HSET', KEYS[2], ARGV[1], p[1]) return p[1]")
    assert script(keys=[keys.requests, keys.inflight("w1")], args=["1"]) == b"request-a"
    server.set(keys.worker("w1"), "alive", ex=30)
    assert requeue_dead_workers(server, keys) == 0
    assert frontier_state(server, keys).in_flight == 1
    server.delete(keys.worker("w1"))  # its heartbeat expired
    assert requeue_dead_workers(server, keys) == 1
    assert server.zrange(keys.requests, 0, -1) == [b"request-a", b"request-b"]  # back at the front
    assert frontier_state(server, keys).in_flight == 0


def test_a_record_the_writer_cannot_read_is_counted_and_skipped(redis_url, tmp_path):
    server = connect(redis_url)
    keys = FrontierKeys("bad")
    good = {"record": {"id": "a1", "url": "http://127.0.0.1:9/a", "canonical_url": "http://127.0.0.1:9/a",
                       "title": "A title", "text": "Some text about a court hearing.", "outlet": "X",
                       "outlet_kind": "justice", "found_via": ["feed"], "relevant": False, "matched": [],
                       "page_type": "article"},
            "mentions": []}
    server.rpush(keys.items, b"{not json", json.dumps(good).encode())
    from scraper.distributed.ingest import run_ingest

    summary = run_ingest(redis_url, tmp_path / "w.db", prefix="bad", idle_timeout=0.2)
    assert summary.errors == {"bad_item": 1}
    assert summary.articles_new == 1
    assert server.llen(keys.items) == 0 and server.llen(keys.items_processing) == 0


def test_a_record_left_by_a_killed_writer_is_stored_by_the_next_one(redis_url, tmp_path):
    server = connect(redis_url)
    keys = FrontierKeys("crash")
    record = {"id": "b2", "url": "http://127.0.0.1:9/b", "canonical_url": "http://127.0.0.1:9/b", "title": "B",
              "text": "Text of the record that was being stored.", "outlet": "X", "outlet_kind": "justice",
              "found_via": ["sitemap"], "relevant": False, "matched": [], "page_type": "article"}
    server.rpush(keys.items_processing, json.dumps({"record": record, "mentions": []}).encode())
    from scraper.distributed.ingest import run_ingest

    summary = run_ingest(redis_url, tmp_path / "w.db", prefix="crash", idle_timeout=0.2)
    assert summary.articles_new == 1 and server.llen(keys.items_processing) == 0
    again = run_ingest(redis_url, tmp_path / "w.db", prefix="crash", idle_timeout=0.2)
    assert again.articles_seen == 0  # nothing left over, nothing stored twice


def test_frontier_reports_how_a_crawl_stands(redis_url):
    server = connect(redis_url)
    keys = FrontierKeys()
    server.zadd(keys.requests, {b"r1": 0, b"r2": 0})
    server.hset(keys.inflight("w9"), "1", b"r3")
    server.set(keys.worker("w9"), "alive", ex=30)
    server.rpush(keys.items, b"{}")
    server.sadd(keys.dupefilter, "a", "b", "c")
    result = newswatch("frontier", "--distributed", redis_url, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["queued"], report["in_flight"], report["workers"], report["records_waiting"],
            report["urls_seen"], report["crawling"], report["writer_running"]) == (2, 1, 1, 1, 3, True, False)
    text = newswatch("frontier", "--distributed", redis_url)
    assert "requests queued:     2" in text.stdout and "no `newswatch ingest` running" in text.stdout


def test_the_link_budget_is_shared_by_all_workers(redis_url):
    from scraper.distributed.frontier import SharedCounter

    server = connect(redis_url)
    first, second = SharedCounter(server, "budget"), SharedCounter(server, "budget")
    first["Outlet"] += 1
    second["Outlet"] += 1
    first["Outlet"] += 1
    assert first["Outlet"] == second["Outlet"] == 3
    assert second["Other"] == 0


def test_requests_cross_redis_as_json_with_their_bytes():
    from scrapy import Request
    from scrapy.utils.request import request_from_dict

    original = Request("http://127.0.0.1:9/a?x=1", headers={"User-Agent": "newswatch"}, body=b"\x00\xff",
                       meta={"outlet": "X", "hints": {"published": "2020-04-07"}, LEASE: "3"}, priority=4)
    data = wire.dumps(original.to_dict())
    assert b"__b64__" in data and not data.startswith(b"\x80")  # JSON, not pickle
    copy = request_from_dict(wire.loads(data))
    assert (copy.url, copy.body, copy.meta, copy.priority) == (original.url, original.body, original.meta, 4)
    assert copy.headers.get(b"User-Agent") == b"newswatch"


def test_tracking_parameters_do_not_make_a_second_request():
    from scrapy import Request

    from scraper.distributed.frontier import CanonicalDupeFilter

    fingerprint = CanonicalDupeFilter(server=None, key="k").request_fingerprint
    plain = fingerprint(Request("http://127.0.0.1:9/news/story"))
    assert fingerprint(Request("http://127.0.0.1:9/news/story?utm_source=feed&utm_medium=rss")) == plain
    assert fingerprint(Request("http://127.0.0.1:9/news/other")) != plain


def test_an_unreachable_redis_is_one_clear_line_not_a_hang(tmp_path):
    started = time.monotonic()
    sources = tmp_path / "sources.toml"  # loopback only, like every crawl of the suite
    sources.write_text('[[outlet]]\nname = "Local"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n')
    result = newswatch("worker", "--distributed", "redis://127.0.0.1:1/0", "--sources", str(sources), timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("newswatch: error: cannot reach Redis at redis://127.0.0.1:1/0")
    assert "Traceback" not in result.stderr and time.monotonic() - started < 30
    wrong = newswatch("seed", "--distributed", "http://127.0.0.1:1/", "--sources", str(sources), timeout=60)
    assert wrong.returncode == 2 and "expects a Redis URL" in wrong.stderr
    missing = newswatch("ingest", "--db", str(tmp_path / "x.db"), timeout=60)
    assert missing.returncode == 2 and "--distributed redis://" in missing.stderr


def test_a_second_distributed_crawl_of_an_unchanged_web_downloads_little(redis_url, tmp_path):
    """The writer publishes the database's validators in Redis, so workers send
    conditional GETs too: the second crawl of an unchanged web gets 304s, not bodies."""
    db = tmp_path / "dist.db"
    with DemoWeb(max_seconds=300) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        bodies = []
        for _run in range(2):
            before = len(web.hits)
            result = newswatch("crawl", "--distributed", redis_url, "--workers", "2", "--db", str(db),
                               "--sources", str(sources), "--no-progress", *QUIET, timeout=300)
            assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
            bodies.append(sum(1 for _slug, _method, _path, status in web.hits[before:] if status == 200))
    conn = sqlite3.connect(db)
    runs = conn.execute("select pages_downloaded, not_modified, articles_new, articles_updated from crawl_runs "
                        "order by id").fetchall()
    conn.close()
    (first_downloaded, _, first_new, _), (second_downloaded, second_304, second_new, second_updated) = runs
    assert first_new > 0 and second_new == second_updated == 0
    assert second_downloaded <= 0.2 * first_downloaded, runs
    assert bodies[1] <= 0.2 * bodies[0], bodies  # the server agrees
    assert second_304 > 0
