"""HTML str -> lxml tree that every other extractor shares (one parse per page).

libxml2 silently drops everything below depth 256 (2048 with huge_tree), so a page
with pathological nesting would lose its text. Such pages are detected with a cheap
tag scan and their container tags are removed before parsing.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

MAX_DEPTH = 200
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "p",
    "li",
    "option",
    "td",
    "tr",
    "th",
}
# Containers whose removal loses no text.
_CONTAINERS = r"div|span|section|font|center|b|i|em|strong|small|table|tbody|thead|tr|td|ul|ol|li|blockquote"
# An element MAX_DEPTH levels below the root: libxml2 may have dropped what was deeper.
_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * MAX_DEPTH) + ")")
_CONTAINER_TAG = re.compile(rf"</?(?:{_CONTAINERS})\b[^>]*>", re.I)
_STRUCTURAL = r"html|head|body|title|meta|link|script|style|p|br|h[1-6]|article|main"
_NON_STRUCTURAL_TAG = re.compile(rf"</?(?!(?:{_STRUCTURAL})\b)[a-zA-Z][^>]*>")


def max_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Approximate nesting depth from open/close tags, stopping once past `limit`."""
    depth = deepest = 0
    for closing, name, selfclosing in _TAG.findall(html):
        if name.lower() in _VOID or selfclosing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
        if deepest > limit:
            break
    return deepest


def flatten(html: str) -> str:
    """Replace container tags by line breaks so libxml2 keeps text at any depth.

    If other tags still nest too deep (`<q>` or `<a>` ten thousand times), every tag
    but the few that carry structure or metadata goes too.
    """
    html = _CONTAINER_TAG.sub("\n", html)
    if max_depth(html) > MAX_DEPTH:
        html = _NON_STRUCTURAL_TAG.sub(" ", html)
    return html


# Every element is an HtmlElement, chosen in C: lxml.html's own lookup is a Python call
# for each element object created, and tree walks here and in trafilatura create
# hundreds of thousands. Only its form-element classes (FormElement.fields...) are lost,
# which no extractor uses.
_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _parse(html: str) -> etree._Element | None:
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(_LOOKUP)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None


def parse_html(html: str) -> etree._Element | None:
    """Parse to an lxml document, or None when there is nothing to parse.

    The parse itself tells whether the page nests too deep (an element exists at
    MAX_DEPTH); only then is the markup scanned and flattened, and parsed again.
    """
    if not html or not html.strip():
        return None
    tree = _parse(html)
    if tree is not None and _TOO_DEEP(tree) and max_depth(html) > MAX_DEPTH:
        tree = _parse(flatten(html))
    return tree


def text_of(element: etree._Element | None) -> str:
    """Visible text of an element with whitespace collapsed."""
    if element is None:
        return ""
    try:
        return " ".join(element.text_content().split())
    except (ValueError, AttributeError):
        return ""


def near_headline(tree: etree._Element, limit: int = 600) -> list[str]:
    """Short text pieces in the block around the first <h1> (bylines, datelines).

    Climbs at most two levels from the headline while the block stays small, so the
    article body and the rest of the page are not included.
    """
    h1 = tree.find(".//h1")
    if h1 is None:
        return []
    parent = h1.getparent()
    for _ in range(2):
        if parent is not None and len(text_of(parent)) < limit and parent.getparent() is not None:
            parent = parent.getparent()
    if parent is None:
        return []
    pieces = (" ".join(piece.split()) for piece in parent.itertext())
    return [piece for piece in pieces if 6 <= len(piece) <= 200]
