"""Whole pages, not bare texts: HTML -> scraper.analysis.page.analyse_page -> relevant / matched.

A name in a "Most read" box or a reader comment is the commonest false hit of a news
monitor; these tests check the full path against labelled pages: every demo-web article
as its outlet serves it over HTTP (six templates, English and French), and the page
fixtures in tests/fixtures/match/pages (sidebars, related links, comments in English,
French, Spanish and German; Spanish and German coverage of the documentary).
"""

from __future__ import annotations

import json
import tomllib
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from labelled import Labelled, Score, fixture_pages, score, text_cases

from scraper.analysis.page import analyse_page, stored_mentions
from scraper.demoweb import DemoWeb
from scraper.match import load_watchlist, match_article

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests/fixtures/match/pages"
LABELS = tomllib.loads((PAGES / "labels.toml").read_text(encoding="utf-8"))["page"]
# the pages the listed outlets serve (deleted articles and the unlisted outlets: tests/test_demoweb_discovery.py)
ANSWER_KEY = [e for e in json.loads((ROOT / "demo_web/answer_key.json").read_text(encoding="utf-8"))
              if e["listed"] and not e["removed"]]
PEOPLE = ["Dawn Jackson", "Alexis Martin", "Momolu Stewart", "David Sheppard"]


@pytest.fixture(scope="module")
def wl():
    return load_watchlist(ROOT / "watchlist.toml")


@pytest.fixture(scope="module")
def served() -> list[tuple[Labelled, str]]:
    """(labelled page, article body as written) for every demo-web article, fetched over HTTP."""
    pages = []
    with DemoWeb(max_seconds=120) as web:
        for slug, site in web.sites.items():
            for article in site.articles:
                url = web.url_for(slug, article.path)
                with urllib.request.urlopen(url, timeout=10) as response:
                    html, headers = response.read(), dict(response.headers)
                page = Labelled(f"{slug}{article.path}", article.language, article.relevant, article.covers,
                                html=html, url=url, headers=headers)
                pages.append((page, f"{article.title}\n{article.text}"))
    return pages


@pytest.fixture(scope="module")
def demo_verdicts(served, wl) -> list[tuple[Labelled, str, dict]]:
    return [(page, body, analyse_page(page.html, url=page.url, watchlist=wl, headers=page.headers))
            for page, body in served]


# ---- the demo web ------------------------------------------------------------------------


def test_every_demo_article_page_is_served_and_labelled(served):
    assert len(served) == len(ANSWER_KEY) >= 86
    assert {p.id for p, _ in served} == {r["outlet"] + r["path"] for r in ANSWER_KEY}


def test_demo_web_precision_and_recall(demo_verdicts):
    result = Score()
    for page, _body, got in demo_verdicts:
        result.add(page, got["relevant"], got["matched"])
    assert result.tp + result.fn >= 30 and result.tn + result.fp >= 30
    assert result.misses == [], "every page's verdict and entries equal its label"
    assert (result.fp, result.fn, result.exact) == (0, 0, len(demo_verdicts))


def test_no_demo_homonym_is_matched_as_a_featured_person(demo_verdicts):
    """A featured name in an article that does not cover that person is a homonym (the
    cricketer-bishop, the fitness coach, the state senator...): it must never be matched,
    nor leave a person mention behind."""
    homonym_pages = 0
    for page, body, got in demo_verdicts:
        homonyms = [name for name in PEOPLE if name in body and name not in page.covers]
        homonym_pages += bool(homonyms)
        wrongly = set(got["matched"]) & set(homonyms)
        assert not wrongly, (page.id, wrongly)
        assert not {m["entry"] for m in stored_mentions(got["matched"], got["mentions"])} & set(homonyms), page.id
        assert set(got["matched"]) & set(PEOPLE) <= set(page.covers), (page.id, got["matched"])
    assert homonym_pages >= 5


# ---- the page fixtures -------------------------------------------------------------------


@pytest.mark.parametrize("label", LABELS, ids=[p["file"] for p in LABELS])
def test_page_fixture(label, wl):
    got = analyse_page((PAGES / label["file"]).read_bytes(), url=f"https://fixtures.example/{label['file']}",
                       watchlist=wl)
    why = f"{label['note']} | matched={got['matched']} relevance={got['relevance']}"
    assert got["relevant"] == label["relevant"], why
    assert set(got["matched"]) == set(label["covers"]), why
    assert got["language"] == label["language"]
    seen = f"{got['title']}\n{got['text']}"
    for name in label["outside"]:
        assert name.split(":")[0] not in seen, f"{name!r} leaked from outside the article into the text"


def test_the_noise_pages_are_real_traps(wl):
    """Matched over the whole page instead of the article, every noise page would be a
    false positive: only extraction keeps them out."""
    for label in LABELS:
        if label["relevant"]:
            continue
        tree = lxml.html.fromstring((PAGES / label["file"]).read_bytes())
        for node in tree.xpath("//script | //style"):
            node.drop_tree()
        assert match_article("", tree.text_content(), wl).relevant, label["file"]


def test_page_fixtures_cover_the_layouts_and_languages_asked_for():
    noise = [p for p in LABELS if not p["relevant"]]
    assert len(noise) >= 8 and {p["language"] for p in noise} >= {"en", "fr", "es", "de"}
    assert {p["language"] for p in LABELS if p["relevant"]} >= {"es", "de"}
    assert all(p["outside"] for p in noise)
    assert {p["file"] for p in LABELS} == {f.name for f in PAGES.glob("*.html")}


def test_labelled_set_size_and_scores(wl):
    """At least 60 labelled pages in several languages and layouts, and every set scores."""
    pages = fixture_pages(ROOT)
    assert len(ANSWER_KEY) + len(pages) >= 60
    assert {r["language"] for r in ANSWER_KEY} | {p.language for p in pages} >= {"en", "fr", "es", "de"}
    for items in (pages, text_cases(ROOT)):
        result = score(items, wl)
        assert result.misses == [] and result.exact == result.items == len(items)
