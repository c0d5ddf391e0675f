"""`rematch`: a watchlist edit re-judges stored articles without crawling, and says what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from runner import ROOT, newswatch

from scraper.analysis.page import match_fields, store_record
from scraper.analysis.rematch import BECAME_RELEVANT, ENTRIES_CHANGED, NO_LONGER_RELEVANT, rematch
from scraper.match import load_watchlist
from scraper.store import Store

SHIPPED = (ROOT / "watchlist.toml").read_text(encoding="utf-8")
DOC = "Kim Kardashian West: The Justice Project"

ARTICLES = {
    "review": ("en", "Review: 'Kim Kardashian West: The Justice Project' follows four people in prison",
               "Oxygen's documentary follows Dawn Jackson, Alexis Martin, Momolu Stewart and David Sheppard, "
               "each sentenced to decades in prison, as lawyers seek clemency."),
    "german": ("de", "Kim Kardashian: Im Namen der Gerechtigkeit startet bei Oxygen",
               "Die Dokumentation zeigt, wie Kim Kardashian West sich für Häftlinge einsetzt, die zu langen "
               "Haftstrafen verurteilt wurden. Im Namen der Gerechtigkeit läuft ab Sonntag."),
    "passing": ("en", "Kim Kardashian passes the bar",
                "Kim Kardashian West passed the California baby bar exam on her fourth try.\n\n"
                "Her Oxygen documentary, The Justice Project, aired in 2020."),
    "narrator": ("en", "Oxygen sets premiere for Kim Kardashian West: The Justice Project",
                 "Narrator David Sheppard voices the two-hour special, which follows Dawn Jackson, sentenced "
                 "to prison in New Jersey after killing the man who abused her."),
    "recipe": ("en", "Ten-minute lentil soup", "A warming soup for cold evenings, ready in ten minutes."),
}


def edited_watchlist(tmp_path: Path) -> Path:
    """The shipped watchlist after three realistic edits: a German title as an alias, a job
    title that marks another person ("narrator"), and a stricter threshold."""
    text = (SHIPPED.replace('"KKW: The Justice Project",', '"KKW: The Justice Project", "Im Namen der Gerechtigkeit",')
            .replace('"trooper", "judge",', '"trooper", "judge", "narrator",')
            .replace("threshold = 0.25 ", "threshold = 0.4  "))
    assert text.count("Im Namen") == 1 and text.count("narrator") == 1 and "threshold = 0.4 " in text
    path = tmp_path / "watchlist.toml"
    path.write_text(text, encoding="utf-8")
    return path


def build_db(path: Path) -> dict[str, str]:
    """A database stored the way a crawl stores pages (same match and mention filter)."""
    watchlist = load_watchlist(ROOT / "watchlist.toml")
    store = Store(path)
    ids = {}
    for key, (language, title, text) in ARTICLES.items():
        url = f"https://news.example/{key}"
        analysed = {"url": url, "canonical_url": url, "title": title, "text": text, "language": language,
                    **match_fields(title, text, watchlist, language)}
        record, mentions = store_record(analysed, outlet="Example News", outlet_kind="entertainment",
                                        found_via="feed", body=text.encode(), fetched_at="2020-04-06T10:00:00+00:00")
        ids[key] = store.articles.save(record, mentions).article_id
    store.close()
    return ids


@pytest.fixture
def db(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "articles.db"
    return path, build_db(path)


def test_rematch_reports_and_stores_every_kind_of_change(db, tmp_path):
    path, ids = db
    store = Store(path)
    before = {k: store.articles.get(i) for k, i in ids.items()}
    assert before["german"]["relevant"] is False and before["passing"]["relevant"] is True
    assert before["narrator"]["matched"] == [DOC, "Dawn Jackson", "David Sheppard"]

    summary = rematch(store, load_watchlist(edited_watchlist(tmp_path)))
    by_id = {c.article_id: c for c in summary.changes}
    assert summary.articles == 5 and len(summary.changes) == 3
    assert (summary.relevant_before, summary.relevant_after) == (3, 3)
    assert by_id[ids["german"]].change == BECAME_RELEVANT and by_id[ids["german"]].added == [DOC]
    assert by_id[ids["passing"]].change == NO_LONGER_RELEVANT
    narrator = by_id[ids["narrator"]]
    assert narrator.change == ENTRIES_CHANGED and narrator.removed == ["David Sheppard"] and not narrator.added
    assert summary.counts() == {BECAME_RELEVANT: 1, NO_LONGER_RELEVANT: 1, ENTRIES_CHANGED: 1}

    after = {k: store.articles.get(i) for k, i in ids.items()}
    assert after["german"]["relevant"] is True and after["german"]["matched"] == [DOC]
    assert after["passing"]["relevant"] is False
    assert after["narrator"]["matched"] == [DOC, "Dawn Jackson"]
    assert after["review"] == before["review"] and after["recipe"] == before["recipe"]
    entries = {m["entry"] for m in store.articles.mentions_of(ids["narrator"])}
    assert "David Sheppard" not in entries and {"Dawn Jackson", "Oxygen"} <= entries
    assert DOC in {m["entry"] for m in store.articles.mentions_of(ids["german"])}
    assert store.reports.count("where relevant = 1") == 3
    store.close()


def test_rematch_is_idempotent_and_unchanged_rows_are_not_rewritten(db, tmp_path):
    path, _ = db
    store = Store(path)
    assert rematch(store, load_watchlist(ROOT / "watchlist.toml")).updated == 0
    edited = load_watchlist(edited_watchlist(tmp_path))
    assert rematch(store, edited).updated >= 3
    again = rematch(store, edited)
    assert again.changes == [] and again.updated == 0
    store.close()


def test_dry_run_stores_nothing(db, tmp_path):
    path, ids = db
    store = Store(path)
    summary = rematch(store, load_watchlist(edited_watchlist(tmp_path)), dry_run=True)
    assert len(summary.changes) == 3 and summary.updated == 0
    assert store.articles.get(ids["german"])["relevant"] is False
    assert "David Sheppard" in {m["entry"] for m in store.articles.mentions_of(ids["narrator"])}
    store.close()


def test_a_failed_update_leaves_the_article_as_it_was(db, tmp_path, monkeypatch):
    path, ids = db
    store = Store(path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store.articles, "_replace_mentions", broken)
    with pytest.raises(RuntimeError):
        rematch(store, load_watchlist(edited_watchlist(tmp_path)))
    row = store.articles.get(ids["narrator"])
    assert row["matched"] == [DOC, "Dawn Jackson", "David Sheppard"]
    assert "David Sheppard" in {m["entry"] for m in store.articles.mentions_of(ids["narrator"])}
    store.close()


def test_an_article_a_crawl_rewrites_meanwhile_is_left_to_the_crawl(db, tmp_path, monkeypatch):
    path, ids = db
    store = Store(path)
    original = store.articles.for_rematch

    def crawl_in_between():
        for row in original():
            if row["id"] == ids["narrator"]:  # a crawl stores a new revision after we read it
                store.db.execute("update articles set text_sha1 = 'new' where id = ?", [row["id"]])
            yield row

    monkeypatch.setattr(store.articles, "for_rematch", crawl_in_between)
    summary = rematch(store, load_watchlist(edited_watchlist(tmp_path)))
    assert summary.skipped == 1 and len(summary.changes) == 2
    assert ids["narrator"] not in {c.article_id for c in summary.changes}
    assert "David Sheppard" in store.articles.get(ids["narrator"])["matched"]
    store.close()


def test_cli_json_then_text(db, tmp_path):
    path, ids = db
    watchlist = str(edited_watchlist(tmp_path))
    dry = newswatch("rematch", "--db", str(path), "--watchlist", watchlist, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] and report["updated"] == 0
    assert (report["became_relevant"], report["no_longer_relevant"], report["entries_changed"]) == (1, 1, 1)
    assert {c["article_id"]: c["change"] for c in report["changes"]}[ids["german"]] == BECAME_RELEVANT
    done = newswatch("rematch", "--db", str(path), "--watchlist", watchlist)
    assert done.returncode == 0, done.stderr
    assert "1 became relevant, 1 no longer relevant, 1 entries changed" in done.stdout
    assert "https://news.example/passing" in done.stdout and "-David Sheppard" in done.stdout
    assert "0 became relevant" in newswatch("rematch", "--db", str(path), "--watchlist", watchlist).stdout


@pytest.mark.parametrize("problem", ["missing db", "bad watchlist"])
def test_cli_errors_are_one_line_and_create_nothing(tmp_path, problem):
    bad = tmp_path / "bad.toml"
    bad.write_text("[documentary\n", encoding="utf-8")
    db = tmp_path / ("none.db" if problem == "missing db" else "articles.db")
    if problem == "bad watchlist":
        build_db(db)
    args = ["rematch", "--db", str(db)] + (["--watchlist", str(bad)] if problem == "bad watchlist" else [])
    result = newswatch(*args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("newswatch: error:"), result.stderr
    assert ("database not found" if problem == "missing db" else "bad.toml") in lines[0]
    assert db.exists() == (problem == "bad watchlist")
