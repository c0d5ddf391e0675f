"""The code knows no names: the same demo web under a second watchlist
(tests/fixtures/other_watchlist: a theatre season called "The Justice Project" and
Alice Marie Johnson; the Kardashian documentary is now a homonym) gives exactly that
watchlist's articles, through the matcher alone and through `newswatch demo` (crawl,
store, report), and the report is titled from that watchlist."""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from labelled import demo_pages, verdict
from runner import ROOT, newswatch

from scraper.demoweb import load_demo_web
from scraper.match import load_watchlist

FOLDER = ROOT / "tests" / "fixtures" / "other_watchlist"
OTHER = load_watchlist(FOLDER / "watchlist.toml")
SHIPPED = load_watchlist(ROOT / "watchlist.toml")
LABELS = {(a["outlet"], a["path"]): a["covers"]
          for a in tomllib.loads((FOLDER / "labels.toml").read_text(encoding="utf-8"))["article"]}
# the live demo web a crawl of its sources.toml reaches: listed outlets, deleted articles left out
ANSWER_KEY = [e for e in json.loads((ROOT / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
              if e["listed"] and not e["removed"]]
ALLOWED = {(e["outlet"], e["path"]) for e in ANSWER_KEY if not e["disallowed"]}
# what the demo's backfill may add: the listed outlets' deleted articles, from the archives (sites
# nobody listed are kept only for coverage, and none of them covers this watchlist)
ARCHIVED = {(e["outlet"], e["path"]) for e in json.loads((ROOT / "demo_web" / "answer_key.json").read_text(
    encoding="utf-8")) if e["listed"] and e["removed"]}
OTHER_ENTRIES = [OTHER.documentary.name, *(p.name for p in OTHER.people)]
SHIPPED_ENTRIES = [SHIPPED.documentary.name, *(p.name for p in SHIPPED.people)]


def test_the_two_watchlists_share_no_entry():
    assert not set(OTHER_ENTRIES) & set(SHIPPED.entry_names())
    assert set(OTHER_ENTRIES) == {name for covers in LABELS.values() for name in covers}
    assert set(LABELS) <= {(e["outlet"], e["path"]) for e in ANSWER_KEY}


def test_the_matcher_finds_exactly_the_other_watchlists_articles():
    """Every demo page (robots-disallowed ones too) through the full page path: exactly the
    labelled entries; every page that names another "Justice Project" is left alone."""
    wrong, homonyms = [], 0
    for page in demo_pages(ROOT):
        outlet, path = page.id.split("/", 1)
        expected = LABELS.get((outlet, "/" + path), [])
        got = verdict(page, OTHER)
        if (got["relevant"], set(got["matched"])) != (bool(expected), set(expected)):
            wrong.append((page.id, got["matched"], expected))
        homonyms += not expected and "Justice Project" in page.html.decode("utf-8")
    assert wrong == []
    assert homonyms >= 30, "pages where The Justice Project is the documentary or the legal-aid clinic"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`newswatch demo --watchlist OTHER`: the demo web served, crawled, stored, reported."""
    tmp = tmp_path_factory.mktemp("other-watchlist")
    db, out = tmp / "demo.db", tmp / "report"
    result = newswatch("demo", "--db", str(db), "--out", str(out), "--watchlist", str(FOLDER / "watchlist.toml"),
                       "--no-progress", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("select * from articles")]
    mentions = [dict(r) for r in conn.execute("select entry, kind from mentions")]
    conn.close()
    return {"stdout": result.stdout, "rows": rows, "mentions": mentions, "report": out}


def expected_by_key() -> dict[tuple[str, str], list[str]]:
    """(outlet name, path) -> entries, for the articles a crawl can reach."""
    names = {o.slug: o.name for o in load_demo_web(ROOT / "demo_web").outlets}
    return {(names[outlet], path.rstrip("/")): covers for (outlet, path), covers in LABELS.items()
            if (outlet, path) in ALLOWED}


def test_the_crawl_stores_exactly_the_other_watchlists_coverage(demo):
    stored = {(r["outlet"], urlsplit(r["canonical_url"]).path.rstrip("/")) for r in demo["rows"]}
    names = {o.slug: o.name for o in load_demo_web(ROOT / "demo_web").outlets}
    # every article whatever the watchlist; a short item (brief, listings blurb) only when it is coverage
    must_keep = {(names[e["outlet"]], e["path"].rstrip("/")) for e in ANSWER_KEY if (e["outlet"], e["path"]) in ALLOWED
                 and (not e["short"] or (e["outlet"], e["path"]) in LABELS)}
    allowed = {(names[outlet], path.rstrip("/")) for outlet, path in ALLOWED | ARCHIVED}
    assert must_keep <= stored <= allowed
    got = {(r["outlet"], urlsplit(r["canonical_url"]).path.rstrip("/")): json.loads(r["matched"] or "[]")
           for r in demo["rows"] if r["relevant"] or json.loads(r["matched"] or "[]")}
    expected = expected_by_key()
    assert {k: set(v) for k, v in got.items()} == {k: set(v) for k, v in expected.items()}
    assert {m["entry"] for m in demo["mentions"] if m["kind"] != "supporting"} == set(OTHER_ENTRIES)
    assert not {m["entry"] for m in demo["mentions"]} & set(SHIPPED_ENTRIES)


def test_the_summary_counts_the_other_watchlists_entries(demo):
    section = demo["stdout"].split("relevant articles per documentary / featured person:")[1]
    section = section.split("supporting entities")[0]
    counts = {name: int(n) for n, name in re.findall(r"^\s+(\d+)\s+(.+?)\s*$", section, re.M)}
    expected = expected_by_key().values()
    assert counts == {entry: sum(entry in covers for covers in expected) for entry in OTHER_ENTRIES}


def test_the_report_is_titled_and_drawn_from_the_other_watchlist(demo):
    html = (demo["report"] / "report.html").read_text(encoding="utf-8")
    markdown = (demo["report"] / "report.md").read_text(encoding="utf-8")
    title = f"Demo coverage report: {OTHER.documentary.name}"
    assert re.search(r"<title>(.*?)</title>", html).group(1) == title
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == title
    assert markdown.splitlines()[0] == f"# {title}"
    assert SHIPPED.documentary.name not in html.split("</h1>")[0]
    panels = re.findall(r'font-weight="600"[^>]*>([^<]+)<', html)
    assert sorted(panels) == sorted(OTHER_ENTRIES), "one weekly panel per entry of this watchlist"
    relevant = [r for r in demo["rows"] if r["relevant"]]
    assert f"<b>{len(relevant)}</b>relevant articles" in html and len(relevant) == len(expected_by_key())
    for row in relevant:
        assert row["url"] in html and row["url"] in markdown


def test_the_other_watchlists_entries_resolve_in_search(demo, tmp_path):
    """--person takes this watchlist's names, and refuses the shipped watchlist's."""
    db = str(Path(demo["report"]).parent / "demo.db")
    watchlist = str(FOLDER / "watchlist.toml")
    result = newswatch("search", "commuted", "--db", db, "--watchlist", watchlist, "--person", "Johnson", "--json")
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert hits and all("Alice Marie Johnson" in h["matched"] for h in hits)
    refused = newswatch("search", "x", "--db", db, "--watchlist", watchlist, "--person", "Dawn Jackson")
    assert refused.returncode == 2 and "unknown person" in refused.stderr
