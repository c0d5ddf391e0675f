"""XML sitemaps -> child sitemaps or article entries (pure).

Handles sitemap indexes, plain url sets and Google News sitemaps
(news:publication_date and news:title become evidence for dating and titling).
Parsing is hardened: no entity expansion, no network, malformed XML recovered.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
SITEMAP_LINE = re.compile(r"^\s*sitemap\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None
    news_title: str | None = None
    news_published: str | None = None


@dataclass
class Sitemap:
    kind: str  # "index", "urlset" or "invalid"
    entries: list[SitemapEntry] = field(default_factory=list)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _gunzip(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, MAX_SITEMAP_BYTES)
        return data if not decompressor.unconsumed_tail else b""
    except (zlib.error, gzip.BadGzipFile):
        return b""


def _child_text(element: etree._Element, *path: str) -> str | None:
    node = element
    for name in path:
        node = next((c for c in node if _local(c.tag) == name), None)
        if node is None:
            return None
    text = (node.text or "").strip()
    return text or None


def parse_sitemap(body: bytes) -> Sitemap:
    body = _gunzip(body)
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None or _local(root.tag) not in ("sitemapindex", "urlset"):
        return Sitemap("invalid")
    kind = "index" if _local(root.tag) == "sitemapindex" else "urlset"
    entries = []
    for element in root:
        loc = _http_url(_child_text(element, "loc"))
        if not loc:
            continue
        entries.append(
            SitemapEntry(
                loc=loc,
                lastmod=_child_text(element, "lastmod"),
                news_title=_child_text(element, "news", "title"),
                news_published=_child_text(element, "news", "publication_date"),
            )
        )
    return Sitemap(kind, entries)


def _http_url(value: str | None, base_url: str | None = None) -> str | None:
    """An absolute http(s) URL that urllib can split, else None: a bad <loc> or
    Sitemap: line is skipped instead of failing the whole file when requested."""
    if not value:
        return None
    try:
        url = urljoin(base_url, value) if base_url else value
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def sitemaps_from_robots(robots_txt: str, base_url: str | None = None) -> list[str]:
    """The Sitemap: URLs of a robots.txt (relative ones resolved against base_url when given)."""
    return [url for url in (_http_url(line, base_url) for line in SITEMAP_LINE.findall(robots_txt)) if url]
