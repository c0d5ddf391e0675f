"""Is this page one article, or an index (home, section, tag, search, about) page?

Two decisions. `is_article_tree`: a full article, by URL shape, the declarations
publishers make for articles (og:type, JSON-LD *Article, article:published_time) and
the balance between running text and headline links. `is_index_tree`: a page that
lists other pages (home, section, tag, search, archive), by URL, by declaration, or
by structure: its main text is mostly the teasers of repeated link cards. A page that
is neither (a two-sentence brief, a listings blurb) is still a page of its own: the
crawl keeps it when the watchlist finds it relevant. Length decides neither.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from scraper.extract.dom import text_of
from scraper.extract.normalize import squash
from scraper.extract.structured import ARTICLE_TYPES, PageData, node_types

_INDEX_PATH = re.compile(
    r"/(?:tags?|topics?|categor(?:y|ies)|sections?|search|suche|recherche|buscar|authors?|autor(?:en)?|"
    r"auteurs?|archives?|about(?:-us)?|contact(?:-us)?|impressum|kontakt|privacy|terms|legal|login|register|"
    r"subscribe|newsletters?|page|feed|rss|sitemap|index|latest)(?:/|\.html?$|$)",
    re.I,
)
_LEAF_ONLY = re.compile(r"^(?:about|contact|impressum|kontakt|privacy|terms|legal|login|register)", re.I)
_DATE_IN_URL = re.compile(r"/(?:19|20)\d{2}[/-]?(?:0?[1-9]|1[0-2])[/-]?(?:0?[1-9]|[12]\d|3[01])?[/-]")
_SEARCH_PARAMS = {"q", "s", "query", "search", "keywords", "page", "p"}


def _url_says_index(url: str | None) -> bool:
    """Home page, listing paths (/tag/x, /category/y, /search?q=) and site pages."""
    if not url:
        return False
    parts = urlsplit(url)
    path = parts.path or "/"
    if path in ("/", "") or re.fullmatch(r"/(?:index\.\w+|[a-z]{2}(?:-[a-z]{2})?/?)", path, re.I):
        return True
    if _SEARCH_PARAMS & set(parse_qs(parts.query)) and not re.search(r"\d{4,}", path):
        return True
    segments = [s for s in path.split("/") if s]
    if segments and _LEAF_ONLY.match(segments[-1]):
        return True
    return bool(_INDEX_PATH.search(path)) and not _DATE_IN_URL.search(path) and len(segments) <= 3


def _declared_article(page: PageData) -> bool:
    """og:type article, a top-level JSON-LD article node or article:published_time."""
    og_type = (page.first_meta("og:type") or "").lower()
    if og_type == "article" or og_type.startswith("article"):
        return True
    if any(ARTICLE_TYPES & node_types(node) for node in page.jsonld):
        return True
    return bool(page.first_meta("article:published_time"))


def _declared_index(page: PageData) -> bool:
    og_type = (page.first_meta("og:type") or "").lower()
    types = set().union(*(node_types(n) for n in page.jsonld)) if page.jsonld else set()
    return og_type == "website" or bool(types & {"collectionpage", "searchresultspage", "itemlist"})


def _paragraph_length(paragraph: etree._Element) -> int:
    """Length of a paragraph's text, 0 when it is mostly link text (a teaser)."""
    text = " ".join(paragraph.text_content().split())
    link_text = sum(len(a.text_content()) for a in paragraph.iter("a"))
    return len(text) if link_text < 0.5 * max(1, len(text)) else 0


def text_balance(tree: etree._Element) -> tuple[int, int, int]:
    """(longest run of paragraph text in one container, headline links, paragraphs there).

    Articles have one container with long running paragraphs; index pages have many
    links with headline-length text and short teasers.
    """
    best = best_count = 0
    for paragraph_parent in {p.getparent() for p in tree.iter("p")}:
        if paragraph_parent is None:
            continue
        lengths = [_paragraph_length(p) for p in paragraph_parent if isinstance(p.tag, str) and p.tag == "p"]
        long_ones = [n for n in lengths if n >= 60]
        if sum(long_ones) > best:
            best, best_count = sum(long_ones), len(long_ones)
    links = sum(1 for anchor in tree.iter("a") if 5 <= len(anchor.text_content().split()) <= 25)
    return best, links, best_count


def is_article_tree(tree: etree._Element | None, page: PageData, url: str | None) -> bool:
    """Decision shared by `is_article` and `extract_article`'s page_type."""
    if tree is None or _url_says_index(url):
        return False
    body_text, headline_links, paragraphs = text_balance(tree)
    declared = _declared_article(page)
    if declared and body_text >= 300:
        return True
    if _declared_index(page) and body_text < 1500:
        return False
    if body_text >= 700 and paragraphs >= 3 and headline_links < body_text / 40:
        return True
    if url and _DATE_IN_URL.search(urlsplit(url).path) and body_text >= 400:
        return True
    return declared and headline_links < 15 and body_text >= 150


_MIN_CARDS = 2  # a run of link cards: this many siblings, each led by a headline link
_TEASER_SHARE = 0.5  # main text this much made of card text: the page lists other pages
_PIECE = 40  # characters of a line's start or end found in a card make it a teaser


_CARD_CHARS = 600  # a teaser card: a headline link, a date, a summary; not a section of a page
_CARD_LINKS = 4


def _card(element: etree._Element) -> str | None:
    """The element's text when it is a teaser card: small, few links, one of them a headline."""
    links = [a for a in element.iter("a")]
    if not links or len(links) > _CARD_LINKS or not any(3 <= len(a.text_content().split()) <= 30 for a in links):
        return None
    text = text_of(element)
    return text if len(text) <= _CARD_CHARS else None


def card_text(tree: etree._Element) -> str:
    """The text of every run of link cards: siblings (two or more, most of their
    parent's children) that each hold a headline link, as teasers on a listing do."""
    parts: list[str] = []
    for parent in tree.iter():
        if not isinstance(parent.tag, str):
            continue
        children = [c for c in parent if isinstance(c.tag, str)]
        if len(children) < _MIN_CARDS:
            continue
        cards = [text for text in map(_card, children) if text]
        if len(cards) >= _MIN_CARDS and len(cards) >= 0.6 * len(children):
            parts.extend(cards)
    return squash("\n".join(parts))


def is_index_tree(tree: etree._Element | None, page: PageData, url: str | None, text: str | None) -> bool:
    """A page that lists other pages: its URL says so, it declares itself a website or a
    collection (and no article), or its main text is mostly teasers from link cards."""
    if tree is None or _url_says_index(url):
        return True
    if _declared_index(page) and not _declared_article(page):
        return True
    lines = [squash(line) for line in (text or "").split("\n\n")]
    lines = [line for line in lines if line]
    total = sum(len(line) for line in lines)
    if not total:
        return False
    cards = card_text(tree)
    # a teaser line is a card's headline, its summary, or both (its date and byline left out)
    teaser = sum(len(line) for line in lines if line[:_PIECE] in cards or line[-_PIECE:] in cards)
    return teaser >= _TEASER_SHARE * total
