"""Article metadata: title, authors, language, canonical URL, description, image, section, tags.

Checked on hand-written pages and on every article of the demo web, rendered in
process by the demo's own templates (six different page layouts).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from scraper.demoweb.content import Article, load_demo_web
from scraper.demoweb.site import Site
from scraper.extract import extract_article
from scraper.extract.authors import clean_author_string
from scraper.extract.normalize import squash

PAGES = Path(__file__).parent / "fixtures" / "pages"
BASE = "http://demo.test"


def extract(name: str, url: str) -> dict:
    return extract_article((PAGES / name).read_bytes(), url)


@cache
def demo_sites() -> dict[str, Site]:
    content = load_demo_web()
    articles = content.all_articles()
    return {
        slug: Site(content.outlet(slug), [a for a in articles if a.outlet == slug], BASE)
        for slug in sorted({a.outlet for a in articles})
    }


def demo_articles() -> list[Article]:
    return load_demo_web().all_articles()


@cache
def demo_extract(outlet: str, path: str) -> dict:
    site = demo_sites()[outlet]
    return extract_article(site.handle(path).body, site.abs_url(path))


@pytest.mark.parametrize("article", demo_articles(), ids=lambda a: f"{a.outlet}/{a.slug}")
def test_demo_article_metadata(article: Article):
    art = demo_extract(article.outlet, article.path)
    site = demo_sites()[article.outlet]
    assert "error" not in art
    assert art["title"] == article.title
    assert art["authors"] == list(article.authors)
    assert art["language"] == article.language
    assert art["description"] == article.description
    assert art["canonical_url"].startswith(BASE) and art["canonical_url"].rstrip("/").endswith(
        article.path.rstrip("/").split("?")[0]
    )
    assert squash(art["section"]) == squash(site.outlet.section_name(article.section))


def test_demo_tags_where_the_page_shows_them():
    """Tags come from meta tags, JSON-LD, microdata or the visible tag list, whichever the layout has."""
    found = 0
    for article in demo_articles():
        art = demo_extract(article.outlet, article.path)
        if art["tags"]:
            found += 1
            assert [squash(t) for t in art["tags"]] == [squash(t) for t in article.tags]
    assert found >= 50


def test_demo_image_is_absolute():
    images = [demo_extract(a.outlet, a.path)["image"] for a in demo_articles()]
    assert all(image is None or image.startswith("http") for image in images)
    assert sum(image is not None for image in images) >= 50


def test_section_label_not_in_title_and_tags_cleaned():
    art = extract("split_body_hidden_copy.html", "https://harborledger.example/opinion/x")
    assert art["title"] == "Why the Old Lighthouse Should Stay Open"
    assert art["authors"] == ["Ines Carvalho"]
    assert art["section"] == "Opinion"
    assert art["tags"] == ["lighthouse", "tourism", "Heritage & Culture"]
    assert art["site_name"] == "The Harbor Ledger"
    assert art["canonical_url"] == "https://harborledger.example/opinion/old-lighthouse-stay-open"


def test_visible_section_tags_and_byline():
    art = extract("embed_and_recirc.html", "https://orchardgazette.example/news/cider-festival-vote")
    assert art["authors"] == ["Paul Okafor", "Lena Brandt"]
    assert art["section"] == "Local News"
    assert art["tags"] == ["Orchard", "Council", "Festivals"]


def test_language_detected_when_declaration_is_wrong():
    assert extract("wrong_language.html", "https://stadt.example/radweg")["language"] == "de"


def test_language_detected_when_undeclared():
    raw = (PAGES / "wrong_language.html").read_bytes().replace(b' lang="en"', b"")
    assert extract_article(raw, "https://stadt.example/radweg")["language"] == "de"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Bruce Y. Lee", ["Bruce Y. Lee"]),
        ("JANE DOE AND JOHN ROE", ["Jane Doe", "John Roe"]),
        ("Carrie Arnold, By", ["Carrie Arnold"]),
        ("Jeff FoustMonday, November 18, 2019", ["Jeff Foust"]),
        ("The Russian and Syrian defense ministries", []),
        ("Riverside Heights' Aidan Moore", []),
        ("Conan O'Brien", ["Conan O'Brien"]),
        ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),
        ("Nora Vidal y Pedro Ruiz", ["Nora Vidal", "Pedro Ruiz"]),
        ("Studio Lumen Design", []),
        ("Harborledger", []),
        ("The Harbor Ledger", []),
        ("Harbor Ledger", []),
    ],
)
def test_author_names_are_people(raw, expected):
    assert clean_author_string(raw, site="The Harbor Ledger", host="www.harborledger.example") == expected
