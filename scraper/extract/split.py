"""Stories split over several containers of the same kind.

Some templates cut the story into blocks between ad rows, each block its own
`<div class="article-body ...">` in its own grid row. Extractors keep the first block
and lose the rest. Here the block holding the extracted text is located, its
same-tag-same-class siblings elsewhere in the page are found, and their content is
moved into it so that a second extraction sees one story.
"""

from __future__ import annotations

from lxml import etree

_MIN_PARAGRAPH = 80
_CLIMB = 4


def _norm(text: str) -> str:
    return " ".join(text.split())


def _anchor_paragraph(tree: etree._Element, text: str) -> etree._Element | None:
    """The first <p> whose text is one of the extracted lines."""
    lines = {_norm(line) for line in text.split("\n") if len(line) >= _MIN_PARAGRAPH}
    if not lines:
        return None
    for paragraph in tree.iter("p"):
        if _norm(paragraph.text_content()) in lines:
            return paragraph
    return None


def _has_new_text(element: etree._Element, text: str) -> bool:
    """Whether the element holds a long paragraph that the extraction missed."""
    for paragraph in element.iter("p"):
        own = _norm(paragraph.text_content())
        if len(own) >= _MIN_PARAGRAPH and own not in text:
            return True
    return False


def _twins(tree: etree._Element, block: etree._Element, text: str) -> list[etree._Element]:
    """Other elements with the block's tag and class that hold missed running text."""
    key = block.get("class")
    if not key or len(key) < 4:
        return []
    twins = []
    for other in tree.iter(block.tag):
        if other is block or other.get("class") != key:
            continue
        if block in other.iterancestors() or other in block.iterancestors():
            return []
        if _has_new_text(other, text):
            twins.append(other)
    return twins


def merge_split_body(tree: etree._Element, text: str) -> bool:
    """Move the content of the story's twin blocks into its first block; True if any moved.

    Only blocks that follow the first one in document order are merged, so a teaser
    list using the same class above the story is not pulled in.
    """
    flat = _norm(text)
    anchor = _anchor_paragraph(tree, text)
    if anchor is None:
        return False
    block = anchor.getparent()
    for _ in range(_CLIMB):
        if block is None or block.tag in ("body", "html"):
            return False
        twins = _twins(tree, block, flat)
        if twins:
            break
        block = block.getparent()
    else:
        return False
    order = {el: i for i, el in enumerate(tree.iter())}
    later = [twin for twin in twins if order[twin] > order[block]]
    for twin in later:
        for child in list(twin):
            block.append(child)
    return bool(later)
