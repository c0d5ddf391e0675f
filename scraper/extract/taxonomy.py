"""Section and tags from the visible page, for sites that state them nowhere else.

Many templates print the section as a kicker link above the headline and the tags
as a list under the story, without any meta tag. Microdata (`itemprop`), `rel`
attributes and class names say which element is which; navigation menus, which
link to every section, are never read.
"""

from __future__ import annotations

import re

from lxml import etree

from scraper.extract.dom import text_of
from scraper.extract.normalize import normalize_inline

_MENU_TAGS = frozenset({"nav", "footer", "aside", "li", "menu"})
_SITE_MENUS = frozenset({"nav", "aside", "menu"})
_SECTION_CLASS = re.compile(
    r"(?:^|[-_])(?:section|kicker|rubrique|rubric|category|cat-links|eyebrow|ressort|overline)(?:$|[-_])", re.I
)
_SECTION_HREF = re.compile(
    r"/(?:sections?|category|categories|rubriques?|ressorts?|seccion|categoria)/[^/?#]+/?$", re.I
)
_TAGS_CLASS = re.compile(
    r"(?:^|[-_])(?:tags|tag-list|taglist|tags-links|keywords|mots-cles|schlagworte|etiquetas|topics)(?:$|[-_])", re.I
)
_SECTION_XPATH = etree.XPath("//*[@itemprop='articleSection'] | //a[contains(concat(' ', @rel, ' '), ' category ')]")
_KEYWORDS_XPATH = etree.XPath("//*[@itemprop='keywords' and not(self::meta)]")
_REL_TAG_XPATH = etree.XPath(
    "//*[contains(concat(' ', @rel, ' '), ' tag ') and not(contains(concat(' ', @rel, ' '), ' category '))]"
)
_MAX_LABEL = 60


def _in_menu(element: etree._Element, menus: frozenset[str] = _MENU_TAGS) -> bool:
    """Inside navigation, a footer, an aside or a list item (menus list every section)."""
    return any(ancestor.tag in menus for ancestor in element.iterancestors())


def _label(element: etree._Element) -> str:
    value = element.get("content") if element.tag == "meta" else text_of(element)
    value = normalize_inline(value)
    return value if 0 < len(value) <= _MAX_LABEL else ""


def _classed_section(tree: etree._Element) -> str:
    """A short element whose class names it as the section kicker (or its single link)."""
    for element in tree.iter("a", "p", "span", "div"):
        if not _SECTION_CLASS.search(element.get("class", "")) or _in_menu(element):
            continue
        links = element.findall(".//a")
        label = _label(links[0] if len(links) == 1 else element)
        if label and len(label.split()) <= 4:
            return label
    return ""


def _linked_section(tree: etree._Element) -> str:
    """The first link to a section page outside the menus."""
    for link in tree.iter("a"):
        if _SECTION_HREF.search(link.get("href", "")) and not _in_menu(link):
            label = _label(link)
            if label and len(label.split()) <= 4:
                return label
    return ""


def visible_section(tree: etree._Element) -> str | None:
    """Section named by microdata, rel=category, a kicker class or a section link."""
    for element in _SECTION_XPATH(tree):
        label = _label(element)
        if label:
            return label
    return _classed_section(tree) or _linked_section(tree) or None


def _split(value: str) -> list[str]:
    return [normalize_inline(part) for part in re.split(r"[,;]", value) if normalize_inline(part)]


def _tag_items(container: etree._Element) -> list[str]:
    """The items of a tag list: its links, list items or tag spans (not its "Tags:" label)."""
    for path in (".//a", ".//li", ".//*[contains(@class, 'tag')]"):
        items = [_label(item) for item in container.xpath(path)]
        items = [item for item in items if item]
        if items:
            return items
    return []


def visible_tags(tree: etree._Element) -> list[str]:
    """Tags from itemprop=keywords, rel=tag, or a list whose class names it as tags."""
    for element in _KEYWORDS_XPATH(tree):
        items = _split(text_of(element))
        if items:
            return items
    items = [label for label in (_label(el) for el in _REL_TAG_XPATH(tree)) if label]
    if items:
        return items
    for element in tree.iter("ul", "ol", "div", "p", "span", "footer", "section"):
        if _TAGS_CLASS.search(element.get("class", "")) and not _in_menu(element, _SITE_MENUS):
            items = _tag_items(element)
            if items:
                return items
    return []
