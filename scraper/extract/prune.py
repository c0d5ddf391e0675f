"""DOM clean-up before main-text extraction: what a reader never sees, or sees beside the story.

The extractor scores blocks by their text; a hidden copy of the story (schema.org
microdata in a `display:none` div, a collapsed print version) or a "Most read" box is
text too, so it is removed here first. Embedded posts (tweets, Instagram) are quoted
material of the story: their widget wrappers are unwrapped so they are not mistaken
for share buttons. Every removal is guarded so that a page whose story sits in an
oddly named or hidden block is left alone.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache

from lxml import etree

# A class/id token naming a widget ("post-comments", "most-read", "share-buttons",
# "sidebar-primary"); whole tokens only, so "entry-content-read-more" is not one.
_BOILERPLATE_TOKEN = re.compile(
    r"(?:^|\s)(?:[a-z0-9]+[-_])?(?:comments?|comment-?list|disqus(?:_thread)?|most-?(?:read|popular|viewed|shared)|"
    r"trending|related(?:-?(?:articles|stories|posts|content|links|news))?|recommended|recirc(?:ulation)?|"
    r"outbrain|taboola|newsletter|subscribe|signup|share|sharing|social(?:-media)?|sidebar|"
    r"advert(?:isement)?|ad-slot|ad-container|ads|promo|read-more|more-stories|breadcrumbs?|cookie|"
    r"author-?(?:bio|box|info|description|details|profile)|about-?(?:the-?)?author|saboxplugin(?:-wrap)?)"
    r"(?:[-_](?:list|container|wrapper|wrap|box|widget|section|area|module|block|links|bar|buttons|tools|"
    r"title|inner|primary|secondary|right|left|top|bottom|form|signup|items?|tout|panel|rail))*(?=\s|$)",
    re.I,
)
_WIDGET_XPATH = etree.XPath("//*[@class or @id] | //aside | //nav | //footer | //form | //noscript | //template")
# Only elements with these attributes can be hidden (see _is_hidden): found in C, not by a Python walk.
_MAYBE_HIDDEN = etree.XPath("//*[@hidden or @style][not(self::html or self::body)]")
_DROP_TAGS = ("aside", "nav", "footer", "form", "noscript", "template")
_KEEP_TAGS = ("html", "body", "article", "main")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Class tokens of embedded social posts whose text belongs to the story.
_EMBED_CLASS = re.compile(r"^(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed)$", re.I)


def visible_length(element: etree._Element) -> int:
    """Characters of text outside <script> and <style>."""
    hidden = sum(len(node.text or "") for node in element.iter("script", "style"))
    return len(element.text_content()) - hidden


def paragraph_text(tree: etree._Element) -> int:
    """Characters in paragraphs long enough to be running text."""
    lengths = (len(" ".join(p.text_content().split())) for p in tree.iter("p"))
    return sum(n for n in lengths if n >= 80)


def remove_keep_tail(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
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


def _is_hidden(element: etree._Element) -> bool:
    """Hidden by inline style or the `hidden` attribute (what CSS files say is unknowable here)."""
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style", "")))


def remove_hidden(tree: etree._Element) -> None:
    """Drop hidden blocks in place, unless that would take away most of the running text.

    A hidden block can be the only copy of the story on pages that reveal it with
    JavaScript; then it is kept.
    """
    doomed = [el for el in _MAYBE_HIDDEN(tree) if _is_hidden(el)]
    lost = sum(paragraph_text(el) for el in doomed if not any(_is_hidden(a) for a in el.iterancestors()))
    if lost:  # only then can the removal take away most of the running text
        before = paragraph_text(tree)
        if before - lost < 0.3 * before:
            return
    for element in doomed:
        if element.getparent() is not None:
            remove_keep_tail(element)


def unwrap_embeds(tree: etree._Element) -> None:
    """Replace the widget wrappers of embedded posts by a plain <blockquote>.

    Wrapper classes such as "social-embed" or "article-tweet" make extractors drop the
    quoted post, although the story quotes it as a source.
    """
    for quote in list(tree.iter("blockquote")):
        if not any(_EMBED_CLASS.match(token) for token in quote.get("class", "").split()):
            continue
        own = " ".join(quote.text_content().split())
        outer = quote
        parent = quote.getparent()
        while parent is not None and parent.tag in ("div", "span", "figure", "section") and (
            " ".join(parent.text_content().split()) == own
        ):
            outer, parent = parent, parent.getparent()
        quote.attrib.clear()
        if outer is not quote and parent is not None:
            quote.tail = outer.tail
            parent.replace(outer, quote)


@lru_cache(maxsize=4096)
def _names_widget(names: str) -> bool:
    """Whether a "class id" string names a widget; pages repeat a few such strings many times."""
    return bool(_BOILERPLATE_TOKEN.search(names))


def _widget_elements(tree: etree._Element) -> list[etree._Element]:
    """Elements whose tag or class/id names them as navigation, sharing, comments or ads."""
    found = []
    for element in _WIDGET_XPATH(tree):
        tag = element.tag
        if tag in _KEEP_TAGS:
            continue
        if tag in _DROP_TAGS or _names_widget(f"{element.get('class', '')} {element.get('id', '')}"):
            found.append(element)
    return found


def remove_widgets(tree: etree._Element) -> None:
    """Drop asides, navigation, comments and widget blocks in place.

    An element is kept if it holds over 40 % of the page text: a wrapper with a
    stray "has-sidebar" class is not boilerplate.
    """
    body = tree.find(".//body")
    total = visible_length(body if body is not None else tree) or 1
    for element in _widget_elements(tree):
        if element.getparent() is not None and visible_length(element) < 0.4 * total:
            remove_keep_tail(element)


def pruned_copy(tree: etree._Element) -> etree._Element:
    """A copy of the tree ready for text extraction; the original is not touched."""
    tree = deepcopy(tree)
    remove_hidden(tree)
    unwrap_embeds(tree)
    remove_widgets(tree)
    return tree
