"""Main text of an article: the story itself, nothing around it.

Watchlist matching downstream counts every name in `text`, so a "Most read" box or a
comment naming someone would be a false hit. The pipeline: prune the DOM (hidden
copies, widgets, embed wrappers: prune.py), let trafilatura pick the story in its
fast mode, merge a story split over twin blocks (split.py), ask trafilatura's slower
mode only when the result looks short for the page, then drop boilerplate lines
(lines.py).
"""

from __future__ import annotations

import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from scraper.extract.dom import text_of
from scraper.extract.lead import with_lead
from scraper.extract.lines import clean_lines, link_key
from scraper.extract.prune import paragraph_text, pruned_copy, visible_length
from scraper.extract.split import merge_split_body
from scraper.extract.stoplists import install as install_stoplists

install_stoplists()  # jusText's stop-words once per process, not twice (see stoplists.py)

# trafilatura replaces a result under 250 characters by its "baseline", the whole
# <article> (or body) as one line: section label, headline, byline and date run into
# the story of a short brief. Asked again without that rescue, it gives the brief's own
# paragraphs (_rescued below has rescues of its own for pages that really are short).
_NO_BASELINE = use_config()
_NO_BASELINE.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
_ONE_LINE_DUMP = 1000  # a single-line result shorter than this may be that baseline
# Below this many characters a fast extraction is checked by trafilatura's slower mode,
# unless it already holds this share of the page's visible text.
_SHORT = 1000
_MOST_OF_PAGE = 0.15


def _trafilatura(tree: etree._Element, url: str | None, fast: bool = True, config=None) -> str:
    """trafilatura's text; `fast` skips its own readability/jusText comparison (half its time)."""
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
            fast=fast,
            config=config,
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


def _paragraph_total(tree: etree._Element) -> int:
    """Characters in all paragraphs that _paragraph_fallback would count."""
    lengths = (len(text_of(p)) for p in tree.iter("p"))
    return sum(n for n in lengths if n > 40)


def _visible_total(tree: etree._Element) -> int:
    """Characters of text a reader could see on the (pruned) page."""
    body = tree.find(".//body")
    return visible_length(body if body is not None else tree)


def _rescued(text: str, cleaned: etree._Element, tree: etree._Element, url: str | None, config=None) -> str:
    """A second, slower opinion when the fast extraction looks too short for the page.

    "Too short" is under _SHORT characters (a few paragraphs: the fast mode often keeps
    only a lead or one block of a story laid out in several), or under half the
    densest block of paragraphs, a crude but cheap estimate of the story's length.
    """
    if len(text) >= _SHORT:
        if len(text) >= 0.5 * _paragraph_total(cleaned):
            return text  # cheap upper bound of the densest block: no need to compute it
        if len(text) >= 0.5 * len(_paragraph_fallback(cleaned)):
            return text
    elif len(text) >= 200 and len(text) >= _MOST_OF_PAGE * _visible_total(cleaned):
        return text  # short, but so is the page: there is nothing more to find
    careful = _trafilatura(cleaned, url, fast=False, config=config)
    if len(careful) > len(text):
        text = careful
    if len(text) < 200:
        raw = _trafilatura(tree, url, fast=False, config=config)
        text = raw if len(raw) > len(text) else text
    if len(text) < 100:  # the last resort: the densest block of paragraphs
        densest = _paragraph_fallback(cleaned)
        return densest if len(densest) > len(text) else text
    return text


def main_text(
    tree: etree._Element,
    url: str | None = None,
    title: str | None = None,
    authors: list[str] | None = None,
    description: str | None = None,
) -> str:
    """The article's running text, paragraphs separated by a blank line."""
    cleaned = pruned_copy(tree)
    if paragraph_text(cleaned) < 0.6 * paragraph_text(tree):
        cleaned = tree  # the "widget" held the story: do not trust the cleaning
    text = _trafilatura(cleaned, url)
    config = None
    if text and "\n" not in text and len(text) < _ONE_LINE_DUMP:
        paragraphs = _trafilatura(cleaned, url, config=_NO_BASELINE)
        if paragraphs:
            text, config = paragraphs, _NO_BASELINE  # and no later step brings the dump back
    if cleaned is not tree and merge_split_body(cleaned, text):
        merged = _trafilatura(cleaned, url, config=config)
        text = merged if len(merged) > len(text) else text
    text = with_lead(cleaned, _rescued(text, cleaned, tree, url, config), description)
    return clean_lines(text, title, authors, _link_keys(tree), url)


def _link_keys(tree: etree._Element) -> set[str]:
    """Keys of the page's link texts (see lines.clean_lines)."""
    return {link_key(a.text_content()) for a in tree.iter("a")} - {""}
