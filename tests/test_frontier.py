"""One crawl, one frontier: every page fetched once whatever strategies found it, every
strategy named in `found_via`, every piece of coverage kept whatever its length, and
every page not kept counted by reason."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from urllib.parse import urlsplit

import pytest
from runner import crawl_demo_web, newswatch

from scraper.dedup.identity import identity_key
from tests.labelled import REPO

# the live demo web a crawl of its sources.toml reaches: listed outlets, deleted articles left out
ANSWER_KEY = [e for e in json.loads((REPO / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
              if e["listed"] and not e["removed"]]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    crawl = crawl_demo_web(tmp_path_factory.mktemp("frontier"))
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    conn = sqlite3.connect(crawl.db)
    conn.row_factory = sqlite3.Row
    rows = {identity_key(r["canonical_url"]): dict(r) for r in conn.execute("select * from articles")}
    (run,) = [dict(r) for r in conn.execute("select * from crawl_runs")]
    conn.close()
    return crawl, rows, run


def test_each_page_is_downloaded_once_per_run(crawled):
    crawl, rows, run = crawled
    gets = Counter((slug, path) for slug, method, path, _status in crawl.hits if method == "GET")
    twice = {page: n for page, n in gets.items() if n > 1}
    assert not twice, twice  # articles, feeds, sitemaps, listings, search pages, robots.txt: once each
    for entry in ANSWER_KEY:
        fetched = [n for (slug, path), n in gets.items() if slug == entry["outlet"]
                   and urlsplit(path).path == entry["path"]]
        assert sum(fetched) == (0 if entry["disallowed"] else 1), entry["path"]
    assert run["articles_seen"] == run["articles_new"] == len(rows)


def test_found_via_names_every_strategy_that_found_the_page(crawled):
    _crawl, rows, _run = crawled
    found = [set(json.loads(r["found_via"])) for r in rows.values()]
    assert all("sitemap" in via for via in found), "every outlet's sitemap lists every article"
    assert sum("feed" in via for via in found) >= 6 * 5, "each outlet's feed carries its newest articles"
    assert any(via == {"feed", "sitemap", "search", "link"} for via in found)


def test_short_items_that_are_coverage_are_kept_and_relevant(crawled):
    crawl, rows, _run = crawled
    short = [e for e in ANSWER_KEY if e["short"] and e["relevant"]]
    assert {e["language"] for e in short} >= {"en", "fr", "es", "de"}
    assert any("listings" in e["path"] for e in short)
    for entry in short:
        row = rows.get(identity_key(crawl.bases[entry["outlet"]] + entry["path"]))
        assert row and row["relevant"] == 1, entry["path"]
        assert set(json.loads(row["matched"])) == set(entry["covers"]), entry["path"]
        assert row["language"] == entry["language"], entry["path"]


def test_every_page_not_kept_is_counted_by_reason(crawled):
    crawl, rows, run = crawled
    skipped = json.loads(run["skipped"])
    assert skipped["index"] > 0, "home, section, latest and search pages"
    assert skipped["not_relevant"] >= sum(1 for e in ANSWER_KEY if e["short"] and not e["relevant"]
                                          and identity_key(crawl.bases[e["outlet"]] + e["path"]) not in rows)
    assert run["not_articles"] == skipped["index"] + skipped.get("no_text", 0) + skipped["not_relevant"]
    stats = newswatch("stats", "--json", "--db", str(crawl.db))
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["runs"][0]["skipped"] == skipped
