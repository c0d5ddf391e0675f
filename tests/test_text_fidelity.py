"""Text is stored exactly as published; matching, search and de-duplication fold typography themselves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from runner import ROOT

from scraper.analysis.page import analyse_page, store_record
from scraper.dedup.identity import text_fingerprint
from scraper.dedup.minhash import signature
from scraper.match import load_watchlist, match_article
from scraper.match.text import fold
from scraper.store import Store

CURLY = "“I don’t think they’ll ever let me out,” Dawn Jackson said – and she was wrong…"
GERMAN = "„Das ist ein Neuanfang“, sagte die Anwältin — zum ersten Mal seit 1999."
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Dawn Jackson’s long road home – The Example Courier</title>
<meta property="article:published_time" content="2020-04-06T09:00:00-04:00">
</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Dawn Jackson’s long road home</h1>
<p>{CURLY}</p>
<p>Jackson, whose case is featured in Oxygen’s “Kim Kardashian West: The Justice Project”, spent more than
two decades in a New Jersey prison after killing the man who abused her. Her lawyers asked for clemency
twice before the governor’s office agreed to review the sentence.</p>
<p>{GERMAN}</p>
<p>The documentary follows four people: Dawn Jackson, Alexis Martin, Momolu Stewart and David Sheppard,
each serving long sentences, as the lawyers of the project look for a second chance for every one of them.</p>
</article>
<footer>© The Example Courier</footer>
</body></html>"""
STRAIGHT_TEXT = "I don't think they'll ever let me out, said a man whose parole was refused in 2019 by the board."


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(ROOT / "watchlist.toml")


def _save(store: Store, url: str, analysed: dict) -> str:
    record, mentions = store_record(analysed, outlet="Example Courier", outlet_kind="justice", found_via="feed",
                                    body=PAGE.encode(), fetched_at="2020-04-07T10:00:00+00:00")
    return store.articles.save(record, mentions).article_id


def test_curly_text_stored_as_published_and_found_by_straight_search(tmp_path, watchlist):
    url = "https://courier.example/2020/04/06/dawn-jackson-road-home"
    analysed = analyse_page(PAGE.encode(), url=url, watchlist=watchlist, fetched_at=datetime(2020, 4, 7, tzinfo=UTC))
    assert CURLY in analysed["text"] and GERMAN in analysed["text"]
    assert analysed["title"] == "Dawn Jackson’s long road home"
    assert "Dawn Jackson" in analysed["matched"]

    store = Store(tmp_path / "articles.db")
    curly_id = _save(store, url, analysed)
    plain = {"url": "https://other.example/parole", "canonical_url": "https://other.example/parole",
             "title": "Parole refused", "text": STRAIGHT_TEXT, "language": "en",
             "relevant": False, "relevance": 0.0, "matched": [], "mentions": []}
    straight_id = _save(store, plain["url"], plain)

    stored = store.articles.get(curly_id)
    assert CURLY in stored["text"] and GERMAN in stored["text"]
    assert stored["title"] == "Dawn Jackson’s long road home"

    def found(query: str) -> set[str]:
        return {row["id"] for row in store.search(query)}

    assert found('"don\'t think"') == {curly_id, straight_id}  # straight query, curly and straight texts
    assert found('"don’t think"') == {curly_id, straight_id}  # and the reverse
    assert found('"Das ist ein Neuanfang"') == {curly_id}
    assert found('"Jackson said - and"') == {curly_id}  # en dash in the text, hyphen in the query
    assert found("Jackson’s") == {curly_id}
    store.close()


def test_matching_folds_typography_and_keeps_offsets(watchlist):
    title = "Dawn Jackson’s long road home"
    curly = ("Oxygen’s “Kim Kardashian West: The Justice Project” follows Dawn\u00a0Jackson – sentenced to prison "
             "in New Jersey after killing her abuser – as she seeks clemency.")
    straight = ("Oxygen's \"Kim Kardashian West: The Justice Project\" follows Dawn Jackson - sentenced to prison "
                "in New Jersey after killing her abuser - as she seeks clemency.")
    a, b = match_article(title, curly, watchlist, "en"), match_article(title, straight, watchlist, "en")
    assert a.matched == b.matched and a.relevance == b.relevance
    assert [m.positions for m in a.mentions] == [m.positions for m in b.mentions]
    whole = f"{title}\n\n{curly}"
    person = next(m for m in a.mentions if m.entry == "Dawn Jackson")
    assert {whole[s:e] for s, e in person.positions} >= {"Dawn Jackson", "Dawn\u00a0Jackson"}


def test_fold_is_one_character_per_character():
    text = "O’Brien „Tag“ — ‘x’ 10\u202f000 Kardashian‑West"
    cased, lowered = fold(text)
    assert len(cased) == len(lowered) == len(text)
    assert cased == "O'Brien \"Tag\" - 'x' 10 000 Kardashian-West"


def test_fingerprints_ignore_quote_style():
    curly = "“It’s over,” she said – “finally.”"
    straight = "\"It's over,\" she said - \"finally.\""
    assert text_fingerprint(curly) == text_fingerprint(straight)
    assert signature(curly) == signature(straight)
