"""Read the machine-readable layers of a page once: JSON-LD, <meta> tags, microdata.

Every field extractor (title, authors, dates, page type) looks at the same evidence,
so it is collected here into a `PageData` and passed around instead of re-walking
the tree each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from extruct.jsonld import JsonLdExtractor
from lxml import etree

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "askpublicnewsarticle",
    "liveblogposting",
    "techarticle",
    "scholarlyarticle",
    "socialmediaposting",
    "report",
    "satiricalarticle",
    "advertisercontentarticle",
    "posting",
    "review",
    "liveblog",
}
_JSONLD = JsonLdExtractor()
_SCRIPT_XPATH = etree.XPath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')


@dataclass
class PageData:
    """Structured evidence of one page."""

    jsonld: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)

    def first_meta(self, *keys: str) -> str | None:
        """First non-empty content among the given meta names/properties."""
        for key in keys:
            for value in self.meta.get(key, []):
                if value and value.strip():
                    return value.strip()
        return None

    def articles(self) -> list[dict[str, Any]]:
        """JSON-LD nodes whose @type is an article kind, top-level ones first."""
        return [node for node in self.jsonld if ARTICLE_TYPES & node_types(node)]

    def main_node(self) -> dict[str, Any] | None:
        """The JSON-LD node that describes this page: an article, else a WebPage."""
        articles = self.articles()
        if articles:
            return articles[0]
        for node in self.jsonld:
            if node_types(node) & {"webpage", "itempage", "newsmediaarticle", "mediaobject", "videoobject"}:
                return node
        return None


def node_types(node: dict[str, Any]) -> set[str]:
    """Lower-case type names of a JSON-LD node, without the schema.org prefix."""
    raw = node.get("@type") or node.get("type") or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return set()
    return {str(t).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for t in raw}


def _walk(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Top-level nodes, @graph members and list items; not nested property values."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        if "@graph" in data:
            yield from _walk(data["@graph"], depth + 1)
        if "@type" in data:
            yield data
        main = data.get("mainEntity")
        if isinstance(main, dict) and "@type" in main:
            yield main


def read_jsonld(tree: etree._Element) -> list[dict[str, Any]]:
    """All JSON-LD nodes of the page; broken scripts are skipped one by one."""
    nodes: list[dict[str, Any]] = []
    for script in _SCRIPT_XPATH(tree):
        try:
            items = list(_JSONLD._extract_items(script))
        except Exception:  # noqa: BLE001 - any malformed script is just skipped
            continue
        nodes.extend(_walk(items))
    return nodes


def read_meta(tree: etree._Element) -> dict[str, list[str]]:
    """<meta> content by lower-cased name / property / itemprop / http-equiv."""
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None:
            content = element.get("value")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attr)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content)
    return meta


def read_page(tree: etree._Element) -> PageData:
    """Collect JSON-LD and meta evidence of a parsed page."""
    return PageData(jsonld=read_jsonld(tree), meta=read_meta(tree))


def as_text(value: Any) -> str | None:
    """A JSON-LD value as a string: strings as-is, {"name"/"@value"/"url"} unwrapped."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        for item in value:
            text = as_text(item)
            if text:
                return text
        return None
    if isinstance(value, dict):
        for key in ("@value", "name", "url", "contentUrl", "@id"):
            text = as_text(value.get(key))
            if text:
                return text
    return None


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value that may be a single item or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
