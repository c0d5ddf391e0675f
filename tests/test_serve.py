"""`newswatch serve`: Datasette over the database, read-only, yet seeing what a running
crawl commits (not --immutable). No browser needed: plain HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import article_record, mention_row
from runner import serving

from scraper.store import Store


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "served.db"
    store = Store(db)
    for n in range(3):
        store.articles.save(article_record(f"https://alpha.example/story-{n}", title=f"Story {n}"), [mention_row()])
    store.close()
    with serving(db) as base:
        yield {"base": base, "db": db, "name": db.stem}


def test_serve_is_read_only_and_sees_a_crawl_writing(served):
    def count() -> int:
        with urllib.request.urlopen(f"{served['base']}/{served['name']}/articles.json?_size=0") as response:
            return json.load(response)["filtered_table_rows_count"]

    assert count() == 3
    store = Store(served["db"])  # a writer, as a crawl is: WAL, commit, no checkpoint yet
    try:
        url = "https://late.example/news"
        store.articles.save({"id": "late-article", "canonical_url": url, "url": url, "outlet": "Late",
                            "title": "Late", "text": "Late news.", "found_via": ["feed"], "relevant": False}, [])
        assert count() == 4, "Datasette sees what a crawl committed (WAL), so not --immutable"
    finally:
        store.close()
    for sql in ("delete from articles", "update articles set title = 'x'", "drop table mentions"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{served['base']}/{served['name']}.json?sql={urllib.parse.quote(sql)}")
        assert refused.value.code == 400, sql
    assert count() == 4
