"""The whole product on the demo news web: serve it on a free loopback port, crawl it with
every spider through Scrapy's real engine (in a child process, as a user runs it), and
check the database against the demo web's answer key."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from runner import ROOT, crawl_demo_web
from runner import newswatch as run_newswatch

from scraper.dedup.identity import identity_key
from scraper.demoweb.feeds import FEED_SIZE
from scraper.match import load_watchlist
from spiders import STRATEGIES, spider_class

# the live demo web a crawl of its sources.toml reaches: listed outlets, deleted articles left out
ANSWER_KEY = [e for e in json.loads((ROOT / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
              if e["listed"] and not e["removed"]]


def newswatch(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return run_newswatch(*args, timeout=timeout)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the whole demo web by all four spiders into a fresh database."""
    tmp = tmp_path_factory.mktemp("e2e")
    crawl = crawl_demo_web(tmp)
    db, result, hits, bases = crawl.db, crawl.result, crawl.hits, crawl.bases
    assert result.returncode == 0, result.stderr[-3000:]
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("select * from articles")]
    runs = [dict(r) for r in conn.execute("select * from crawl_runs")]
    mentions = [dict(r) for r in conn.execute("select * from mentions")]
    conn.close()
    return {"db": db, "rows": rows, "runs": runs, "mentions": mentions, "hits": hits, "bases": bases,
            "stdout": result.stdout, "tmp": tmp}


def key_url(crawled, entry) -> str:
    return crawled["bases"][entry["outlet"]] + entry["path"]


def stored_by_identity(crawled) -> dict[str, dict]:
    return {identity_key(r["canonical_url"]): r for r in crawled["rows"]}


def must_be_kept(entry: dict) -> bool:
    """Every reachable article, and every reachable short item that is coverage; a short
    item that is not coverage (a brief, a listings blurb) may be kept or skipped."""
    return not entry["disallowed"] and (entry["relevant"] or not entry["short"])


def test_every_reachable_article_is_stored_once(crawled):
    stored = stored_by_identity(crawled)
    reachable = {identity_key(key_url(crawled, e)): e for e in ANSWER_KEY if not e["disallowed"]}
    missing = [e["path"] for e in ANSWER_KEY if must_be_kept(e) and identity_key(key_url(crawled, e)) not in stored]
    assert not missing, f"articles not found by the crawl: {missing}"
    extra = [r["url"] for k, r in stored.items() if k not in reachable]
    assert not extra, f"stored rows that are not demo articles (index pages?): {extra}"
    skipped = [e for k, e in reachable.items() if k not in stored]
    assert all(e["short"] and not e["relevant"] for e in skipped)
    (run,) = crawled["runs"]
    assert json.loads(run["skipped"])["not_relevant"] >= len(skipped)
    canonical = [r["canonical_url"] for r in crawled["rows"]]
    assert len(canonical) == len(set(canonical)) == len({identity_key(u) for u in canonical})
    assert not any("utm_" in u for u in canonical)


def test_nothing_fetched_or_stored_from_disallowed_paths(crawled):
    disallowed = {(e["outlet"], e["path"]) for e in ANSWER_KEY if e["disallowed"]}
    assert disallowed, "the demo web must have robots-disallowed articles"
    fetched = {(slug, urlsplit(path).path) for slug, _method, path, _status in crawled["hits"]}
    assert not (fetched & disallowed)
    stored = stored_by_identity(crawled)
    for slug, path in disallowed:
        assert identity_key(crawled["bases"][slug] + path) not in stored


def test_relevance_agrees_with_the_answer_key(crawled):
    """Exactly: one article wrongly relevant or missed fails."""
    stored = stored_by_identity(crawled)
    truth = {k: e for e in ANSWER_KEY if not e["disallowed"] and (k := identity_key(key_url(crawled, e))) in stored}
    wrong = [(e["path"], e["relevant"]) for k, e in truth.items() if bool(e["relevant"]) != bool(stored[k]["relevant"])]
    assert wrong == [], "(path, relevant in the answer key) of the articles stored with the other verdict"
    relevant = sum(e["relevant"] and not e["disallowed"] for e in ANSWER_KEY)
    assert sum(bool(r["relevant"]) for r in crawled["rows"]) == relevant


def test_each_entry_has_exactly_its_articles(crawled):
    """For the documentary and each featured person of the watchlist, the stored articles
    covering it are exactly those the answer key says cover it: none missed, none extra."""
    stored = stored_by_identity(crawled)
    watchlist = load_watchlist(ROOT / "watchlist.toml")
    for entry in (watchlist.documentary.name, *(p.name for p in watchlist.people)):
        expected = {identity_key(key_url(crawled, e)) for e in ANSWER_KEY
                    if not e["disallowed"] and entry in e["covers"]}
        got = {k for k, r in stored.items() if entry in json.loads(r["matched"] or "[]")}
        assert expected, f"the demo web has no article about {entry}"
        assert got == expected, f"{entry}: missed {sorted(expected - got)}, extra {sorted(got - expected)}"
    for key, row in stored.items():
        assert row["relevant"] == bool(json.loads(row["matched"] or "[]")), key


def test_homonyms_are_not_matched_as_featured_people(crawled):
    stored = stored_by_identity(crawled)
    for entry in ANSWER_KEY:
        if entry["disallowed"] or entry["relevant"]:
            continue
        row = stored.get(identity_key(key_url(crawled, entry)))
        assert row is None or json.loads(row["matched"] or "[]") == [], f"{entry['path']} ({entry['note']})"


def test_syndicated_wire_copies_are_kept_per_outlet(crawled):
    stories: dict[str, set[str]] = {}
    for entry in ANSWER_KEY:
        if entry.get("story") and not entry["disallowed"]:
            stories.setdefault(entry["story"], set()).add(entry["outlet"])
    assert any(len(outlets) >= 3 for outlets in stories.values()), "a wire story on three outlets"
    stored = stored_by_identity(crawled)
    for entry in ANSWER_KEY:
        if entry.get("story") and not entry["disallowed"]:
            assert identity_key(key_url(crawled, entry)) in stored


def test_syndicated_and_reworded_copies_share_one_cluster(crawled):
    stored = stored_by_identity(crawled)
    stories: dict[str, list[dict]] = {}
    for entry in ANSWER_KEY:
        if not entry["disallowed"] and identity_key(key_url(crawled, entry)) in stored:
            story = entry.get("story") or f"single:{entry['outlet']}{entry['path']}"
            stories.setdefault(story, []).append(stored[identity_key(key_url(crawled, entry))])
    for story, members in stories.items():
        clusters = {m["cluster_id"] for m in members}
        assert len(clusters) == 1, f"{story} split over {len(clusters)} clusters"
        originals = [m for m in members if m["is_original"]]
        assert len(originals) == 1 and originals[0]["id"] == clusters.pop(), story
    assert len({r["cluster_id"] for r in crawled["rows"]}) == len(stories), "no unrelated articles merged"


def test_every_strategy_found_pages_and_the_run_is_recorded(crawled):
    (run,) = crawled["runs"]
    assert run["status"] == "finished" and run["finished"]
    details = json.loads(run["details"])
    for strategy in STRATEGIES:
        assert details["per_strategy"][spider_class(strategy).found_via] > 0, strategy
    assert run["pages_fetched"] >= len(crawled["rows"])
    via = {v for r in crawled["rows"] for v in json.loads(r["found_via"])}
    assert via == {"feed", "sitemap", "search", "link"}


def test_stored_fields_are_complete(crawled):
    for row in crawled["rows"]:
        assert row["title"] and row["text"] and row["outlet"] in {
            "The Screen Ledger", "Marquee Daily", "Le Petit Écran", "Trending Buzz Hub", "Justice Dispatch",
            "The Reform Record"}
        assert row["published_date"], f"undated: {row['url']}"
    stored = stored_by_identity(crawled)
    languages = {e["path"]: (e["language"], row["language"]) for e in ANSWER_KEY
                 if (row := stored.get(identity_key(key_url(crawled, e))))}
    assert {key for key, got in languages.values()} >= {"en", "fr", "es", "de"}
    assert {path: pair for path, pair in languages.items() if pair[0] != pair[1]} == {}


def test_dates_match_the_answer_key(crawled):
    stored = stored_by_identity(crawled)
    wrong = []
    for entry in ANSWER_KEY:
        row = stored.get(identity_key(key_url(crawled, entry)))
        if row is None:
            assert not must_be_kept(entry), entry["path"]
            continue
        if row["published_date"] != entry["published"][:10]:
            wrong.append((entry["path"], entry["published"], row["published"]))
    assert not wrong, wrong


# ---- the CLI over the crawled database ---------------------------------------------------


def test_search_stats_export_and_report(crawled):
    db = str(crawled["db"])
    result = newswatch("search", "Momolu", "--db", db, "--json", "--relevant")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and all(h["relevant"] for h in hits)

    result = newswatch("stats", "--db", db, "--json")
    stats = json.loads(result.stdout)
    assert stats["articles"] == len(crawled["rows"]) and stats["run_count"] == 1
    (run,) = stats["runs"]
    assert run["new_articles"] == len(crawled["rows"]) and run["finished"] and run["errors"] == {}

    out = crawled["tmp"] / "export.jsonl"
    result = newswatch("export", "--db", db, "--format", "jsonl", "--person", "David Sheppard", "-o", str(out))
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in out.read_text().splitlines()]
    assert exported and all("David Sheppard" in a["matched"] for a in exported)

    report_dir = crawled["tmp"] / "report"
    result = newswatch("report", "--db", db, "--out", str(report_dir))
    assert result.returncode == 0, result.stderr
    html = (report_dir / "report.html").read_text()
    markdown = (report_dir / "report.md").read_text()
    relevant = [r for r in crawled["rows"] if r["relevant"]]
    assert f"<b>{len(relevant)}</b>relevant articles" in html and "<svg" in html
    stories = len({r["cluster_id"] for r in relevant})
    assert stories < len(relevant), "the demo's wire story and reworded copies are folded"
    assert f"<b>{stories}</b>unique stories" in html and f"<b>{len(relevant) - stories}</b>copies" in html
    for row in relevant:
        assert row["url"] in html and row["url"] in markdown


def test_report_is_about_50_kb_and_written_well_under_a_second(crawled):
    """The README's numbers for the demo database: the HTML is about 50 KB (it inlines
    every chart and lists every relevant article, so it cannot be tiny either) and all four
    files take well under a second to write."""
    from exports.report import write_report
    from scraper.store import Store

    store = Store(crawled["db"], readonly=True)
    try:
        write_report(store, crawled["tmp"] / "warm-up")  # imports and first page reads are not the report's
        started = time.perf_counter()
        files = write_report(store, crawled["tmp"] / "timed")
        seconds = time.perf_counter() - started
    finally:
        store.close()
    size = files.html.stat().st_size
    assert 30_000 <= size <= 60_000, f"report.html is {size / 1000:.0f} KB"
    assert seconds < 0.5, f"{seconds:.2f} s"
    assert files.articles == sum(1 for r in crawled["rows"] if r["relevant"])


def test_report_on_an_empty_period_says_so(crawled):
    out = crawled["tmp"] / "empty"
    result = newswatch("report", "--db", str(crawled["db"]), "--out", str(out), "--since", "1999-01-01",
                       "--until", "1999-12-31")
    assert result.returncode == 0, result.stderr
    assert "No relevant coverage in this period" in (out / "report.html").read_text()


# ---- each spider on its own --------------------------------------------------------------


def crawl_with(spider: str, tmp: Path) -> tuple[list[dict], dict[str, str]]:
    crawl = crawl_demo_web(tmp, "--spider", spider, db_name=f"{spider}.db")
    assert crawl.result.returncode == 0, crawl.result.stderr[-3000:]
    bases = crawl.bases
    conn = sqlite3.connect(crawl.db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("select * from articles")]
    conn.close()
    return rows, bases


def reachable_keys(bases: dict[str, str], relevant_only: bool = False, kept_only: bool = False) -> set[str]:
    return {identity_key(bases[e["outlet"]] + e["path"]) for e in ANSWER_KEY
            if not e["disallowed"] and (e["relevant"] or not relevant_only) and (must_be_kept(e) or not kept_only)}


@pytest.mark.parametrize("spider", ["sitemaps", "links"])
def test_sitemaps_and_links_each_find_every_article(spider, tmp_path):
    rows, bases = crawl_with(spider, tmp_path)
    found = {identity_key(r["canonical_url"]) for r in rows}
    assert reachable_keys(bases, kept_only=True) <= found <= reachable_keys(bases)


def test_feeds_find_exactly_the_newest_articles_of_every_outlet(tmp_path):
    """Each outlet's feed carries its FEED_SIZE newest articles: those, less the ones
    robots.txt disallows, are what the feeds spider stores."""
    rows, bases = crawl_with("feeds", tmp_path)
    by_outlet: dict[str, list[dict]] = {}
    for entry in ANSWER_KEY:
        by_outlet.setdefault(entry["outlet"], []).append(entry)
    expected = set()
    for entries in by_outlet.values():
        entries.sort(key=lambda e: (datetime.fromisoformat(e["published"]), e["path"]), reverse=True)
        expected |= {identity_key(bases[e["outlet"]] + e["path"]) for e in entries[:FEED_SIZE] if not e["disallowed"]}
    assert len(by_outlet) == 6 and len(expected) < len(reachable_keys(bases)), "feeds carry only the newest items"
    found = {identity_key(r["canonical_url"]) for r in rows}
    assert expected & reachable_keys(bases, kept_only=True) <= found <= expected  # a short item may be skipped


def test_site_search_finds_all_the_relevant_coverage(tmp_path):
    rows, bases = crawl_with("search", tmp_path)
    found = {identity_key(r["canonical_url"]) for r in rows}
    wanted = reachable_keys(bases, relevant_only=True)
    assert wanted - found == set(), "a relevant article the watchlist's search queries do not find"
    assert found <= reachable_keys(bases)


def test_make_demo_command(tmp_path):
    """What `make demo` runs: serve, crawl, store, report, and a summary a person can read."""
    db, out = tmp_path / "demo.db", tmp_path / "report"
    result = newswatch("demo", "--db", str(db), "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr[-3000:]
    text = result.stdout
    for line in ("pages fetched:", "articles stored:", "relevant articles:", "Dawn Jackson", "Alexis Martin",
                 "Momolu Stewart", "David Sheppard", "The Screen Ledger", "Le Petit Écran", "report:"):
        assert line in text, line
    assert (out / "report.html").stat().st_size > 1000 and (out / "report.md").stat().st_size > 500
    assert "Traceback" not in result.stderr
