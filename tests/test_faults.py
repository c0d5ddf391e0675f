"""A hostile web (tests/faultweb.py): the crawl finishes, stores what is good, counts
what failed by kind in crawl_runs.errors, stores nothing broken and never leaves the
configured outlets. Every server is on 127.0.0.0/8 and stops by itself."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from faultweb import FaultWeb
from runner import FAST as RUNNER_FAST
from runner import ROOT, child_env, newswatch

from scraper.crawling.middlewares.offsite_guard import OffsiteGuardMiddleware, host_port, is_internal
from scraper.crawling.middlewares.retry_after import retry_after_seconds
from scraper.crawling.parsers.feeds import parse_feed
from scraper.crawling.parsers.sitemaps import parse_sitemap, sitemaps_from_robots

FAST = [*RUNNER_FAST,
        "-s", "DOWNLOAD_TIMEOUT=2"]
STORED = {"/news/clemency-hearing", "/news/appeal-filed", "/news/feed-after-broken", "/news/sitemap-only",
          "/news/flaky500", "/news/ratelimited", "/news/cp1252-says-utf8", "/news/utf8-says-cp1252",
          "/news/no-charset", "/news/no-charset-1252", "/news/nested", "/news/dup-story"}
CHARSET_PAGES = {"/news/cp1252-says-utf8", "/news/utf8-says-cp1252", "/news/no-charset", "/news/no-charset-1252"}
MOJIBAKE = ("\ufffd", "Ã", "â€", "Â")


def crawl_args(db: Path, sources: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", "--db", str(db), "--sources", str(sources), "--no-progress",
            *FAST, *extra]


def rows(db: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the fault web by all four spiders."""
    tmp = tmp_path_factory.mktemp("faults")
    db, sources = tmp / "a.db", tmp / "sources.toml"
    with FaultWeb(max_seconds=240) as web:
        sources.write_text(web.sources_toml(), encoding="utf-8")
        started = time.monotonic()
        result = subprocess.run(crawl_args(db, sources), capture_output=True, text=True, timeout=240, cwd=ROOT,
                                env=child_env())
        seconds = time.monotonic() - started
        hits, canary_hits = list(web.hits), list(web.canary_hits)
        ratelimited, always503 = web.times("/news/ratelimited"), web.times("/news/always503")
    tomorrow = web.times("/news/retry-tomorrow")
    assert result.returncode == 0, result.stderr[-4000:]
    articles = {urlsplit(r["canonical_url"]).path: r for r in rows(db, "select * from articles")}
    (run,) = rows(db, "select * from crawl_runs")
    return SimpleNamespace(result=result, seconds=seconds, hits=hits, canary_hits=canary_hits, articles=articles,
                           run=run, errors=json.loads(run["errors"]), ratelimited=ratelimited, always503=always503,
                           tomorrow=tomorrow)


def hits_of(crawled, prefix: str) -> list[tuple[float, str, int]]:
    return [h for h in crawled.hits if h[1].startswith(prefix)]


def test_the_crawl_finishes_in_bounded_time_and_stores_exactly_the_good_pages(crawled):
    assert crawled.run["status"] == "finished"
    assert crawled.seconds < 90, crawled.seconds
    assert set(crawled.articles) == STORED
    assert "Traceback" not in crawled.result.stderr
    assert all(h[2] == 500 for h in hits_of(crawled, "/robots.txt")), "robots.txt answered 500 and we went on"


def test_failures_are_counted_by_kind(crawled):
    errors = crawled.errors
    for kind in ("http_500", "http_503", "timeout", "connection_lost", "truncated", "too_large", "binary_body",
                 "empty_body", "redirect_loop", "sitemap_invalid", "forbidden_host"):
        assert errors.get(kind, 0) >= 1, (kind, errors)
    assert errors["timeout"] >= 2, "the hanging page and the one-byte-a-second page"
    assert errors["too_large"] >= 3, "40 MB declared, 40 MB streamed, the gzip bomb"
    assert not [k for k in errors if k[0].isupper()], f"exception class names leaked as kinds: {errors}"


def test_nothing_broken_is_stored(crawled):
    for row in crawled.articles.values():
        assert row["text"] and row["title"], row["url"]
        for bad in MOJIBAKE:
            assert bad not in row["text"] and bad not in row["title"], (row["url"], bad)
    assert {"/news/short", "/news/binary", "/news/empty", "/news/huge", "/news/gzip-bomb"}.isdisjoint(crawled.articles)


def test_lying_and_missing_charsets_decode_to_the_right_text(crawled):
    for path in CHARSET_PAGES:
        text = crawled.articles[path]["text"]
        assert "Café owners said" in text and "naïve, façade or not" in text, (path, text[:120])


def test_retry_after_is_waited_for_and_retries_are_bounded(crawled):
    first, second = crawled.ratelimited
    assert second - first >= 1.9, "429 Retry-After: 2 was not honoured"
    assert "/news/ratelimited" in crawled.articles
    assert len(crawled.always503) == 3, "one frontier: the first try and RETRY_TIMES retries, whatever found it"
    assert len(hits_of(crawled, "/news/err500")) == 3


def test_a_retry_after_above_the_limit_is_not_retried(crawled):
    """429 with Retry-After: 86400, far above NEWSWATCH_RETRY_AFTER_MAX (30 s): asked
    once, neither waited for nor retried, counted as an error, and the crawl moves on."""
    assert len(crawled.tomorrow) == 1, f"{len(crawled.tomorrow)} requests for a page that said come back tomorrow"
    assert crawled.errors["http_429"] == 1 and "/news/retry-tomorrow" not in crawled.articles
    assert crawled.seconds < 60


FAILING = ("/news/err500", "/news/always503", "/news/slow", "/news/drip", "/news/reset", "/news/short")


@pytest.mark.parametrize("path", FAILING)
def test_a_failing_url_is_requested_at_most_retry_times_plus_one_per_run(crawled, path):
    """Every strategy finds these pages (feed, sitemap and links); one frontier asks once, plus its retries."""
    from scraper.crawling.settings import RETRY_TIMES

    requested = [h for h in crawled.hits if urlsplit(h[1]).path == path]
    assert 1 <= len(requested) <= RETRY_TIMES + 1, (path, requested)


def test_size_limits_refuse_huge_pages_and_the_gzip_bomb_quickly(crawled):
    log = crawled.result.stderr
    assert "during decompression" in log and "exceeded DOWNLOAD_MAXSIZE" in log, "the gzip bomb was not refused"
    assert len(hits_of(crawled, "/news/gzip-bomb")) == 1 and len(hits_of(crawled, "/news/huge")) <= 2


def test_deeply_nested_markup_still_gives_its_text(crawled):
    assert "The text at the very bottom survives nesting." in crawled.articles["/news/nested"]["text"]


def test_traps_stay_bounded(crawled):
    assert len(hits_of(crawled, "/calendar/")) <= 4, "DEPTH_LIMIT 3 from the homepage"
    assert len(hits_of(crawled, "/loop?")) <= 6, "REDIRECT_MAX_TIMES 5"
    assert len(hits_of(crawled, "/loop-")) <= 2


def test_a_malformed_feed_item_does_not_hide_the_ones_after_it(crawled):
    assert "feed" in json.loads(crawled.articles["/news/feed-after-broken"]["found_via"])


def test_tracking_parameters_and_rel_canonical_give_one_row(crawled):
    row = crawled.articles["/news/dup-story"]
    assert urlsplit(row["canonical_url"]).query == ""
    assert len([h for h in crawled.hits if "dup-story" in h[1]]) >= 2, "both addresses were fetched"


def test_the_crawl_never_leaves_the_outlet_hosts(crawled):
    assert crawled.canary_hits == [], "a redirect, meta refresh or link reached the canary on 127.0.0.2"
    assert crawled.errors["forbidden_host"] >= 4, crawled.errors  # redirect, localhost, decimal IP, refresh
    assert "security: refused" in crawled.result.stderr


def test_the_calendar_trap_is_bounded_by_the_page_budget(tmp_path):
    db, sources = tmp_path / "a.db", tmp_path / "sources.toml"
    with FaultWeb(max_seconds=120) as web:
        sources.write_text(web.sources_toml(homepage="/calendar/2020/01"), encoding="utf-8")
        result = subprocess.run(crawl_args(db, sources, "--spider", "links", "--depth", "100000", "--max-pages", "15"),
                                capture_output=True, text=True, timeout=120, cwd=ROOT, env=child_env())
        calendar = web.count("/calendar/")
    assert result.returncode == 0, result.stderr[-3000:]
    assert 10 <= calendar <= 16, calendar


def test_search_stats_and_report_work_while_a_crawl_writes(tmp_path):
    db, sources = tmp_path / "a.db", tmp_path / "sources.toml"
    with FaultWeb(max_seconds=180, article_delay=0.4, extra_articles=40) as web:
        sources.write_text(web.sources_toml(), encoding="utf-8")
        log = (tmp_path / "crawl.log").open("w")
        args = crawl_args(db, sources, "--spider", "links", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        process = subprocess.Popen(args, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if db.exists() and rows(db, "select name from sqlite_master where name = 'articles'") \
                        and rows(db, "select id from articles limit 1"):
                    break
                time.sleep(0.1)
            rounds_during_crawl = 0
            while process.poll() is None and rounds_during_crawl < 3:
                for args in (["search", "court", "--db", str(db)], ["stats", "--json", "--db", str(db)],
                             ["report", "--db", str(db), "--out", str(tmp_path / "report")]):
                    result = newswatch(*args)
                    assert result.returncode == 0, (args, result.stderr)
                rounds_during_crawl += process.poll() is None
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
    assert process.returncode == 0, (tmp_path / "crawl.log").read_text()[-3000:]
    assert rounds_during_crawl >= 2, "the reads did not overlap the crawl"
    assert len(rows(db, "select id from articles")) >= 40


# ---- the guard and Retry-After, without a crawl -------------------------------------------


def test_internal_addresses_are_recognised():
    for address in ("127.0.0.2", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1",
                    "0.0.0.0", "224.0.0.1", "fd00::1"):
        assert is_internal(address), address
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "not an address"):
        assert not is_internal(address), address
    assert host_port("http://Example.COM./x") == ("example.com", 80)
    assert host_port("https://[::1]:8443/") == ("::1", 8443)
    assert host_port("http://[bad/") is None


def test_only_outlet_hosts_and_their_subdomains_are_allowed():
    outlet = SimpleNamespace(homepage="https://www.example.com/", feeds=("https://feeds.example.net/rss",),
                             sitemaps=(), search="")
    crawler = SimpleNamespace(spider=SimpleNamespace(outlets=[outlet]), stats=None, settings={})
    guard = OffsiteGuardMiddleware.__new__(OffsiteGuardMiddleware)
    guard.crawler, guard._allowed = crawler, None
    assert guard.is_allowed("www.example.com", 443) and guard.is_allowed("example.com", 443)
    assert guard.is_allowed("news.example.com", 443) and guard.is_allowed("feeds.example.net", 443)
    assert guard.is_allowed("www.example.com", 80), "http:// links of an https outlet redirect to https"
    assert not guard.is_allowed("example.com", 8080) and not guard.is_allowed("evil-example.com", 443)
    assert not guard.is_allowed("127.0.0.1", 443)


@pytest.mark.parametrize(("value", "seconds"), [(b"2", 2.0), ("120", 120.0), (b"soon", None), (None, None),
                                                ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_values(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_a_feed_item_with_an_unusable_link_costs_only_that_item():
    feed = (b"<rss version='2.0'><channel><item><link>https://example.com/a</link></item>"
            b"<item><link>http://[</link></item><item><link>https://example.com:99999/x</link></item>"
            b"<item><link>javascript:alert(1)</link></item><item><link>/b</link></item></channel></rss>")
    assert [e.url for e in parse_feed(feed, "https://example.com/feed")] == ["https://example.com/a",
                                                                             "https://example.com/b"]


def test_a_sitemap_entry_or_robots_line_with_an_unusable_url_costs_only_that_entry():
    body = (b"<urlset><url><loc>http://[</loc></url><url><loc>not a url</loc></url>"
            b"<url><loc>https://example.com/ok</loc></url></urlset>")
    assert [e.loc for e in parse_sitemap(body).entries] == ["https://example.com/ok"]
    robots = "Sitemap: http://[\nSitemap: /relative.xml\nsitemap: https://example.com/s.xml\n"
    assert sitemaps_from_robots(robots) == ["https://example.com/s.xml"]
    assert sitemaps_from_robots(robots, "https://example.com/robots.txt") == [
        "https://example.com/relative.xml", "https://example.com/s.xml"]
