"""Shared fixtures: article records and mentions as the crawl builds them (from the one
definition in scraper.record), an empty store, and an environment without proxies."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from runner import without_proxies

from scraper.dedup.identity import article_id, text_fingerprint
from scraper.record import empty_extraction
from scraper.store import Store

DOC = "Kim Kardashian West: The Justice Project"


def article_record(url: str = "https://a.example/news/story", **fields) -> dict:
    """A store-ready article record: every extracted field present, the identity fields
    computed from the URL and the text, a match verdict from `matched`; `fields` override.

    Defaults: a justice outlet "Alpha", English, published 2020-04-07, found by a feed,
    relevant for Dawn Jackson with relevance 0.8 (not relevant, 0.0, when `matched` is empty).
    """
    record = empty_extraction(url)
    del record["page_type"]  # the crawl stores articles only
    record.update({"id": article_id(url), "title": "Clemency for Dawn Jackson",
                   "text": "Dawn Jackson was granted clemency in Ohio.", "published": "2020-04-07", "language": "en",
                   "outlet": "Alpha", "outlet_kind": "justice", "matched": ["Dawn Jackson"], "found_via": ["feed"],
                   **fields})
    record["matched"] = list(record["matched"])
    derived = {"published_date": (record["published"] or "")[:10] or None, "relevant": bool(record["matched"]),
               "text_sha1": text_fingerprint(record["text"] or "")}
    record.update({key: value for key, value in derived.items() if key not in fields})
    record.setdefault("relevance", 0.8 if record["relevant"] else 0.0)
    return record


def mention_row(entry: str = "Dawn Jackson", kind: str | None = None, **fields) -> dict:
    """A stored mention of `entry` (documentary or person by its name, unless `kind` says)."""
    row = {"entry": entry, "kind": kind or ("documentary" if entry == DOC else "person"), "count": 1,
           "terms": [entry], "snippet": f"... {entry} ...", "positions": [[0, len(entry)]]}
    row.update(fields)
    return row


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    """An empty article database in the test's folder."""
    opened = Store(tmp_path / "articles.db")
    yield opened
    opened.close()


@pytest.fixture(scope="session", autouse=True)
def no_proxies() -> Iterator[None]:
    """Loopback only: no *_proxy variable reaches urllib, Scrapy or a child for the whole
    session (a proxy would receive the requests the tests send to 127.0.0.1), and
    no_proxy names loopback. Children get the same from tests/runner.py's child_env()."""
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.lower().endswith("_proxy")]:
            patch.delenv(key)
        for key, value in without_proxies({}).items():
            patch.setenv(key, value)
        yield
