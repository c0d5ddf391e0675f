"""The article database: upserts by identity, revisions, mentions, search, runs, bad files."""

import sqlite3

import pytest
from conftest import article_record

from scraper.dedup.identity import text_fingerprint
from scraper.errors import NewswatchError
from scraper.store import ArticleFilters, Store


def record(url="https://a.example/news/story", **fields):
    return article_record(url, **{"authors": ["Ann Lee"], "published": "2020-04-07T10:30:00-04:00", **fields})


MENTION = {"entry": "Dawn Jackson", "kind": "person", "count": 1, "terms": ["Dawn Jackson"],
           "snippet": "Dawn Jackson was granted clemency", "positions": [[27, 39]]}


def test_a_database_in_a_new_folder_is_created_with_it(tmp_path):
    store = Store(tmp_path / "db" / "articles.db")
    store.articles.save(record(), [MENTION])
    store.close()
    assert (tmp_path / "db" / "articles.db").exists()


def test_new_then_unchanged_then_revised(store):
    first = store.articles.save(record(), [MENTION])
    assert (first.status, first.relevant) == ("new", True)
    again = store.articles.save(record(found_via=["sitemap"]), [MENTION])
    assert again.status == "unchanged"
    row = store.articles.get(first.article_id)
    assert row["found_via"] == ["feed", "sitemap"] and row["revisions"] == 1
    revised = store.articles.save(record(text="Dawn Jackson was released from prison in Ohio."), [MENTION])
    assert revised.status == "updated"
    row = store.articles.get(first.article_id)
    assert row["revisions"] == 2 and "released" in row["text"]
    assert store.reports.count() == 1
    assert store.articles.mentions_of(first.article_id)[0]["positions"] == [[27, 39]]


def test_full_text_search_with_filters_and_snippets(store):
    store.articles.save(record(), [MENTION])
    store.articles.save(
        record("https://b.example/tv/show", text="A new cooking show premieres.", title="Cooking", outlet="Beta",
               outlet_kind="entertainment", relevant=False, matched=[], published_date="2021-01-02"),
        [],
    )
    hits = store.search("clemency")
    assert [h["outlet"] for h in hits] == ["Alpha"] and "[clemency]" in hits[0]["snippet"]
    assert store.search("clemen*", ArticleFilters(person="dawn jackson"))
    assert not store.search("clemency", ArticleFilters(since="2021-01-01"))
    assert [h["outlet"] for h in store.search("show OR clemency", ArticleFilters(kind="entertainment"))] == ["Beta"]
    with pytest.raises(NewswatchError, match="cannot parse search query"):
        store.search('"unbalanced')


def test_counts_and_stats(store):
    store.articles.save(record(), [MENTION])
    store.articles.save(record("https://a.example/news/other", text="Unrelated", relevant=False, matched=[]), [])
    assert store.reports.counts_by_entry() == [("Dawn Jackson", "person", 1)]
    stats = store.reports.stats()
    assert stats["articles"] == 2 and stats["relevant"] == 1
    assert stats["outlets"] == {"Alpha": 2} and stats["by_entry"] == {"Dawn Jackson": 1}


def test_crawl_runs_are_recorded(store):
    run = store.runs.start(["feeds"], ["Alpha"])
    assert store.runs.recent()[0]["status"] == "running"
    store.runs.finish(run, "finished", {"pages_fetched": 12, "articles_new": 3}, {"timeout": 1})
    last = store.runs.recent()[0]
    assert (last["status"], last["pages_fetched"], last["errors"]) == ("finished", 12, {"timeout": 1})


def test_reopening_applies_no_migration_twice(tmp_path):
    path = tmp_path / "a.db"
    Store(path).close()
    store = Store(path)
    names = [r["name"] for r in store.db.query("select name from _sqlite_migrations")]
    assert names == ["0001_articles_mentions_runs", "0002_articles_fts", "0003_http_validators_revisions",
                     "0004_near_duplicate_clusters", "0005_published_month", "0006_article_filters",
                     "0007_fts_follows_title_and_text", "0008_cluster_index", "0009_alerts",
                     "0010_runs_skipped", "0011_warc_locations", "0012_archive_folder_reextract_runs",
                     "0013_provenance_discovery"]
    store.close()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(NewswatchError, match="cannot open database"):
        Store(path)
    assert path.read_bytes() == before


def test_missing_database_for_reading(tmp_path):
    with pytest.raises(NewswatchError, match="database not found"):
        Store(tmp_path / "none.db", readonly=True)


def test_failed_write_leaves_no_half_row(store, monkeypatch):
    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.articles, "_replace_mentions", boom)
    with pytest.raises(sqlite3.OperationalError):
        store.articles.save(record(), [MENTION])
    assert store.reports.count() == 0


def test_near_duplicates_cluster_under_the_earliest_article(store):
    wire = ("A Washington man sentenced to life as a teenager walked out of prison on Tuesday after a judge "
            "granted his petition under the District's Second Look law, which lets people convicted of crimes "
            "before their 25th birthday ask for a new sentence after fifteen years. ") * 3
    store.articles.save(record("https://b.example/wire", text=wire, published="2019-10-08T17:20:00-04:00"), [])
    store.articles.save(record("https://a.example/wire", text=wire + " Credit: Wire Services.",
                              published="2019-10-08T14:05:00-04:00"), [])
    store.articles.save(record("https://c.example/other", text="A new cooking show premieres on Friday night."), [])
    assert store.clusters.update() == 3
    by_url = {r["url"]: r for r in store.articles.select()}
    original = by_url["https://a.example/wire"]
    assert original["is_original"] == 1 and original["cluster_id"] == original["id"]
    assert by_url["https://b.example/wire"]["cluster_id"] == original["id"]
    assert by_url["https://c.example/other"]["is_original"] == 1
    assert store.reports.stats()["unique_stories"] == 2 and store.reports.stats()["duplicates"] == 1
    assert store.clusters.update() == 0, "clustering again changes nothing"


# ---- group commit and the search filter table -------------------------------------------------


def test_save_articles_stores_a_batch_in_one_go(store):
    """A crawl's group commit: several articles (a copy of one among them) in one call,
    each with the status save_article would give it."""
    other = record(url="https://a.example/news/other", text="Alexis Martin was sentenced in Cleveland.",
                   matched=["Alexis Martin"], relevant=False)
    results = store.articles.save_many([(record(), [MENTION]), (other, []), (record(found_via=["sitemap"]), [MENTION])])
    assert [r.status for r in results] == ["new", "new", "unchanged"]
    assert store.reports.count() == 2
    assert store.articles.get(results[0].article_id)["found_via"] == ["feed", "sitemap"]
    assert store.articles.mentions_of(results[0].article_id)[0]["entry"] == "Dawn Jackson"


def test_a_failing_batch_stores_nothing(store):
    broken = record(url="https://a.example/news/broken")
    del broken["canonical_url"]  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.articles.save_many([(record(), [MENTION]), (broken, [])])
    assert store.reports.count() == 0 and store.http_cache.validators(record()["url"]) is None


def test_a_signature_computed_with_the_record_is_kept(store):
    from scraper.dedup.minhash import signature

    text = record()["text"]
    store.articles.save(record(signature=signature(text).to_str(), signature_of=text_fingerprint(text)), [])
    row = store.db.execute("select signature, signature_of from articles").fetchone()
    assert row == (signature(text).to_str(), text_fingerprint(text))
    store.articles.save(record(url="https://a.example/news/stale", signature="stale", signature_of="not this text"),
                       [])
    assert store.db.execute("select signature from articles where url like '%stale'").fetchone() == (None,)
    assert store.clusters.update() == 2  # computes the missing one, clusters both


def test_the_filter_table_follows_inserts_updates_and_deletes(store):
    saved = store.articles.save(record(), [MENTION])
    filters = "select id, outlet, outlet_kind, language, published_date, relevant from article_filters"
    assert store.db.execute(filters).fetchall() == [(saved.article_id, "Alpha", "justice", "en", "2020-04-07", 1)]
    store.articles.update_match(saved.article_id, False, 0.0, [], [])
    store.articles.save(record(text="Dawn Jackson was released.", outlet="Beta", published_date="2020-05-01",
                              relevant=False), [])
    assert store.db.execute(filters).fetchall() == [(saved.article_id, "Beta", "justice", "en", "2020-05-01", 0)]
    store.db.execute("delete from revisions")
    store.db.execute("delete from articles")
    assert store.db.execute(filters).fetchall() == []


def test_filtered_search_reads_the_filter_table_and_old_databases_still_work(tmp_path):
    path = tmp_path / "a.db"
    store = Store(path)
    store.articles.save(record(), [MENTION])
    store.articles.save(record(url="https://b.example/x", outlet="Beta", relevant=False, matched=[],
                              text="Dawn Jackson spoke to the Ohio parole board."), [])
    want = ["https://a.example/news/story"]
    assert [r["url"] for r in store.search("dawn", ArticleFilters(relevant=True))] == want
    assert [r["url"] for r in store.search("dawn", ArticleFilters(outlet="alpha", person="dawn jackson"))] == want
    assert len(store.search("dawn")) == 2
    # a database that has not had migration 0006 yet, opened read-only (search does not migrate)
    store.db.execute("drop table article_filters")
    store.db.conn.commit()
    store.close()
    old = Store(path, readonly=True)
    assert [r["url"] for r in old.search("dawn", ArticleFilters(relevant=True))] == want
    old.close()


def test_a_new_database_has_exactly_the_record_s_columns(tmp_path):
    """The migrations (history) and the article record (today's list of fields) agree."""
    from scraper.record import COLUMNS

    store = Store(tmp_path / "a.db")
    columns = [row[1] for row in store.db.execute("pragma table_xinfo(articles)")]
    store.close()
    assert sorted(columns) == sorted(COLUMNS)
