"""The standfirst: the paragraph between the headline and the story that extractors drop.

Most templates set the lead ("standfirst", "chapô", "Vorspann", "entradilla") apart
from the body: in the article's <header>, or in a block named "lead", "intro",
"teaser", "excerpt" or "summary". Block scorers see a short, differently styled block
(often under a class they treat as a teaser of another page) and leave it out,
although it is the first paragraph a reader reads. Here the blocks between the
headline and the first extracted paragraph that look like a lead are put back in
front of the text. Only that stretch of the page is searched, so a teaser of
another story elsewhere on the page is never taken.
"""

from __future__ import annotations

import re

from lxml import etree

from scraper.extract.normalize import squash

# A class/id naming the lead block; whole tokens, possibly prefixed ("article__intro",
# "story-lead-text", "c-page-intro__copy", "entry-excerpt", "af-chapo").
_LEAD_NAME = re.compile(
    r"(?:^|[\s_-])(?:lead|lede|leadin|intro|introduction|teaser|excerpt|standfirst|summary|abstract|"
    r"sub-?title|sub-?headline|subhead|deck|dek|chapo|chapeau|sapo|entradilla|vorspann|anriss|strapline|"
    r"description|kicker-text)(?=$|[\s_-])",
    re.I,
)
# Names of blocks that are never the lead although they may say "description" or "summary".
_NOT_LEAD = re.compile(r"author|byline|bio|caption|credit|related|comment|share|newsletter|promo|sidebar|footer", re.I)
# Tags a lead can be; its text is read whole, inline markup included.
_LEAD_TAGS = frozenset({"p", "div", "h2", "h3", "section", "span", "strong", "b", "em"})
_MIN_CHARS, _MAX_CHARS = 40, 1200
_MAX_LEADS = 3
# Without a headline before the story, climb at most this many levels from its first
# paragraph to find the article block that holds the header area and the story.
_CLIMB = 6
# A lead starts at most this many characters of page text before the story.
_NEAR = 2500


def _norm(text: str) -> str:
    return " ".join(text.split())


def _first_node(tree: etree._Element, text: str) -> etree._Element | None:
    """The element whose own text starts the extracted story (its first long line)."""
    lines = [_norm(line) for line in text.split("\n") if len(line.strip()) >= 25][:3]
    if not lines:
        return None
    for element in tree.iter():
        raw = element.text
        if not raw or len(raw) < 20 or not isinstance(element.tag, str):
            continue  # (whitespace only shrinks: a raw text under 20 characters cannot qualify)
        if element.tag in ("script", "style", "title", "head", "h1"):
            continue
        own = _norm(raw)
        if len(own) >= 20 and any(own in line for line in lines) and not any(
            a.tag == "h1" for a in element.iterancestors()
        ):
            return element  # not the headline, which some extractions begin with
    return None


def _link_share(element: etree._Element, length: int) -> float:
    linked = sum(len(_norm(a.text_content())) for a in element.iter("a"))
    return linked / length if length else 1.0


def _described(text: str, description: str) -> bool:
    """The block starts like the page's description (both squash()ed; a prefix is enough)."""
    return len(description) >= _MIN_CHARS and squash(text[:300]).startswith(description[:80])


def _is_lead(element: etree._Element, description: str) -> str:
    """The lead's text if the element is one, else "". `description` is squash()ed."""
    if element.tag not in _LEAD_TAGS:
        return ""
    parent = element.getparent()
    tokens = f"{element.get('class', '')} {element.get('id', '')}".split()
    named = any(_LEAD_NAME.search(token) and not _NOT_LEAD.search(token) for token in tokens)
    in_header = element.tag == "p" and parent is not None and parent.tag in ("header", "hgroup")
    text = _norm(element.text_content())
    if not _MIN_CHARS <= len(text) <= _MAX_CHARS or len(text.split()) < 6:
        return ""
    if not (named or in_header or _described(text, description)):
        return ""
    if _link_share(element, len(text)) > 0.3:
        return ""  # a teaser linking to another story
    if any(a.tag in ("figure", "figcaption", "a") for a in element.iterancestors()) or any(
        True for _ in element.iter("figure", "figcaption", "img", "picture")
    ):
        return ""  # a caption, a picture block, or a teaser link
    return text


def _between(tree: etree._Element, anchor: etree._Element) -> list[etree._Element]:
    """Elements after the page's first <h1> (when it comes before the story) and before
    the story's first paragraph.

    Without such a headline, the stretch is the part of the article block (the
    anchor's ancestor _CLIMB levels up) before the anchor. Either way only the last
    _NEAR characters of text before the story are searched: a lead sits next to it.
    The first <h1>, not the nearest: later ones are often a paywall's or a widget's.
    """
    ancestors = set(anchor.iterancestors())
    block = anchor
    for _ in range(_CLIMB):
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        block = parent
    in_block = False
    stretch: list[tuple[etree._Element, int]] = []
    seen_h1, chars = False, 0
    for element in tree.iter():
        if element is anchor:
            break
        if element is block:
            in_block = True
        if not isinstance(element.tag, str) or element in ancestors:
            continue
        if element.tag == "h1" and not seen_h1:
            stretch, seen_h1, chars = [], True, 0
        elif seen_h1 or in_block:
            stretch.append((element, chars))
        chars += len(element.text or "") + len(element.tail or "")
    return [element for element, at in stretch if chars - at <= _NEAR]


def with_lead(tree: etree._Element, text: str, description: str | None = None) -> str:
    """The extracted text with the page's lead paragraph(s) in front, when it was left out."""
    if not text:
        return text
    anchor = _first_node(tree, text)
    if anchor is None:
        return text
    flat = _norm(text)
    key = squash(description)
    leads: list[str] = []
    taken: set[etree._Element] = set()
    for element in _between(tree, anchor):
        if any(a in taken for a in element.iterancestors()):
            continue  # inside a lead already taken
        lead = _is_lead(element, key)
        if lead and lead not in flat and all(lead not in other for other in leads):
            leads.append(lead)
            taken.add(element)
    if not leads or len(leads) > _MAX_LEADS:
        return text
    return "\n".join([*leads, text])
