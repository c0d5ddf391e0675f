"""Main text of an article: the story itself, nothing around it.

Watchlist matching downstream counts every name in `text`, so a "Most read" box or a
comment naming someone would be a false hit. trafilatura does the heavy lifting;
before it, blocks whose class/id says they are boilerplate are removed (as long as
they are not the bulk of the page), and after it, stray boilerplate lines (share
prompts, "Advertisement", newsletter calls) are dropped.
"""

from __future__ import annotations

import re
from copy import deepcopy

import trafilatura
from lxml import etree

from scraper.extract.dateparse import parse_iso, parse_month_name, parse_numeric
from scraper.extract.dom import text_of
from scraper.normalize import normalize_text, squash

# A class/id token naming a widget ("post-comments", "most-read", "share-buttons",
# "sidebar-primary"); whole tokens only, so "entry-content-read-more" is not one.
_BOILERPLATE_TOKEN = re.compile(
    r"^(?:[a-z0-9]+[-_])?(?:comments?|comment-?list|disqus(?:_thread)?|most-?(?:read|popular|viewed|shared)|"
    r"trending|related(?:-?(?:articles|stories|posts|content|links|news))?|recommended|recirc(?:ulation)?|"
    r"outbrain|taboola|newsletter|subscribe|signup|share|sharing|social(?:-media)?|sidebar|"
    r"advert(?:isement)?|ad-slot|ad-container|ads|promo|read-more|more-stories|breadcrumbs?|cookie)"
    r"(?:[-_](?:list|container|wrapper|wrap|box|widget|section|area|module|block|links|bar|buttons|tools|"
    r"title|inner|primary|secondary|right|left|top|bottom|form|signup|items?|tout|panel|rail))*$",
    re.I,
)
_DROP_TAGS = ("aside", "nav", "footer", "form", "noscript", "template")
_BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advertisment|anzeige|publicité|publicidad|pubblicità|reklama|sponsored(?: content)?|"
    r"story continues below(?: advertisement)?|continue reading(?: below)?|scroll to continue.*|"
    r"most (?:read|popular|viewed)|trending(?: now)?|related(?: articles| stories| content)?|"
    r"share(?: this)?(?: article| story| on \w+)?|click to share.*|tweet|pin it|email|print|"
    r"(?:read|see) (?:more|also|next)\b.{0,150}|related:.{0,150}|also read:.{0,150}|"
    r"lesen sie auch.{0,150}|mehr zum thema.{0,150}|(?:à )?lire aussi.{0,150}|lee también.{0,150}|"
    r"leggi anche.{0,150}|image:?|photo:?|getty images|copyright.{0,80}|©.{0,80}|all rights reserved\.?)$",
    re.I,
)
_NEWSLETTER_LINE = re.compile(
    r"newsletter|^(?:sign up|subscribe|get our|join our|register now|inscrivez|abonnez|jetzt anmelden|"
    r"suscr[ií]bete|iscriviti)\b",
    re.I,
)


def _strip_boilerplate_blocks(tree: etree._Element) -> etree._Element:
    """A copy of the tree without asides, navigation, comments and widget blocks.

    An element is kept if it holds over 40 % of the page text: a wrapper with a
    stray "has-sidebar" class is not boilerplate.
    """
    tree = deepcopy(tree)
    body = tree.find(".//body")
    total = _visible_length(body if body is not None else tree) or 1
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "article", "main"):
            continue
        tokens = f"{element.get('class', '')} {element.get('id', '')}".split()
        if element.tag in _DROP_TAGS or any(_BOILERPLATE_TOKEN.match(token) for token in tokens):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is None:
            continue
        if _visible_length(element) < 0.4 * total:
            _remove_keep_tail(element)
    return tree


def _visible_length(element: etree._Element) -> int:
    """Characters of text outside <script> and <style>."""
    hidden = sum(len(node.text or "") for node in element.iter("script", "style"))
    return len(element.text_content()) - hidden


def _paragraph_text(tree: etree._Element) -> int:
    """Characters in paragraphs long enough to be running text."""
    lengths = (len(text_of(p)) for p in tree.iter("p"))
    return sum(n for n in lengths if n >= 80)


def _remove_keep_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _trafilatura(tree: etree._Element, url: str | None) -> str:
    try:
        text = trafilatura.extract(
            tree,
            url=url,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            favor_precision=False,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # noqa: BLE001 - trafilatura may fail on odd trees; we fall back
        text = None
    return text or ""


def _paragraph_fallback(tree: etree._Element) -> str:
    """Paragraphs of the container with the most paragraph text; else long text lines."""
    best, best_len = None, 0
    for container in tree.iter():
        if not isinstance(container.tag, str):
            continue
        paragraphs = [text_of(p) for p in container.findall("p")]
        length = sum(len(p) for p in paragraphs if len(p) > 40)
        if length > best_len:
            best, best_len = paragraphs, length
    if best:
        return "\n\n".join(p for p in best if len(p) > 40)
    body = tree.find(".//body")
    lines = (body if body is not None else tree).text_content().split("\n")
    return "\n\n".join(" ".join(line.split()) for line in lines if len(line.split()) >= 8)


_LEAD_WORD = re.compile(
    r"^(?:published|posted|updated|last updated|publié|mis à jour|veröffentlicht|aktualisiert|stand|"
    r"publicado|actualizado|pubblicato)\b",
    re.I,
)
_BY = re.compile(r"^(?:by|von|par|por|di|door|written by)\s", re.I)


def _is_lead_meta(line: str, authors: list[str]) -> bool:
    """A byline or dateline that the extractor kept above the story."""
    if len(line) > 120:
        return False
    if _BY.match(line) and any(name in line for name in authors):
        return True
    words = len(line.split())
    has_date = parse_iso(line) or parse_month_name(line) or parse_numeric(line)
    return bool(has_date) and (words <= 8 or bool(_LEAD_WORD.match(line)))


def _clean_lines(text: str, title: str | None, authors: list[str] | None = None) -> str:
    """Drop boilerplate lines, a first line repeating the headline, leading bylines."""
    lines = [line for line in normalize_text(text).split("\n\n") if line]
    kept = []
    for line in lines:
        if _BOILERPLATE_LINE.match(line):
            continue
        if len(line) < 160 and _NEWSLETTER_LINE.search(line):
            continue
        kept.append(line)
    if kept and title and squash(kept[0]) == squash(title):
        kept.pop(0)
    while len(kept) > 1 and _is_lead_meta(kept[0], authors or []):
        kept.pop(0)
    return "\n\n".join(kept)


def main_text(
    tree: etree._Element, url: str | None = None, title: str | None = None, authors: list[str] | None = None
) -> str:
    """The article's running text, paragraphs separated by a blank line."""
    cleaned = _strip_boilerplate_blocks(tree)
    if _paragraph_text(cleaned) < 0.6 * _paragraph_text(tree):
        cleaned = tree  # the "widget" held the story: do not trust the cleaning
    text = _trafilatura(cleaned, url)
    if len(text) < 200:
        raw = _trafilatura(tree, url)
        text = raw if len(raw) > len(text) else text
    if len(text) < 100:
        fallback = _paragraph_fallback(cleaned)
        text = fallback if len(fallback) > len(text) else text
    return _clean_lines(text, title, authors)
