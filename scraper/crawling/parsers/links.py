"""Links on a page, for spiders that navigate (pure: html in, URLs out)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

ALWAYS_BOILERPLATE = {"nav", "aside"}
# A <header>/<footer> is the page's own chrome, unless it heads an <article> or sits in
# <main>: WordPress teasers put the headline link in <header class="entry-header">.
PAGE_CHROME = {"header", "footer"}
CONTENT_ROOTS = {"article", "main"}
BOILERPLATE_CLASS = re.compile(r"\b(nav|menu|sidebar|most-read|trending|share|social|cookie)\b", re.I)
CHROME_CLASS = re.compile(r"\b(header|footer|masthead|colophon)\b", re.I)
NEXT_TEXT = re.compile(r"^\s*(next|next page|older|older posts|more results|suivant|siguiente|weiter|»|›|→)\b",
                       re.I)
NOT_ARTICLE_PATH = re.compile(
    r"/(tag|tags|author|authors|search|login|signin|register|subscribe|newsletter|privacy|terms|contact|"
    r"about|feed|rss|wp-admin|wp-login|cart|account)(/|$|\?)|\.(jpg|jpeg|png|gif|webp|svg|pdf|mp4|mp3|zip|xml|"
    r"css|js|json)$",
    re.I,
)


def _document(html: str | bytes):
    try:
        return lxml_html.fromstring(html) if html else None
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None


def _absolute(href: str | None, base_url: str) -> str | None:
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        url = urljoin(base_url, href).split("#", 1)[0]
        parts = urlsplit(url)
        valid_port = parts.port is None or parts.port > 0  # .port raises ValueError when out of range
        return url if parts.scheme in ("http", "https") and valid_port else None
    except ValueError:  # "http://[" or a port out of range: skip this href, keep the others
        return None


def _in_boilerplate(element) -> bool:
    ancestors = list(element.iterancestors())
    in_content = any(a.tag in CONTENT_ROOTS for a in ancestors)
    for ancestor in ancestors:
        names = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if ancestor.tag in ALWAYS_BOILERPLATE or BOILERPLATE_CLASS.search(names):
            return True
        if not in_content and (ancestor.tag in PAGE_CHROME or CHROME_CLASS.search(names)):
            return True
    return False


def _unique(urls) -> list[str]:
    return list(dict.fromkeys(u for u in urls if u))


def page_links(html: str | bytes, base_url: str) -> list[str]:
    """Every followable link on the page, absolute, fragments dropped, in page order."""
    doc = _document(html)
    if doc is None:
        return []
    return _unique(_absolute(a.get("href"), base_url) for a in doc.iter("a"))


def content_links(html: str | bytes, base_url: str) -> list[str]:
    """Links in the page's main content (search results, section listings), not in
    navigation, headers, footers or sidebars, and not to obvious non-article pages."""
    doc = _document(html)
    if doc is None:
        return []
    urls = (_absolute(a.get("href"), base_url) for a in doc.iter("a") if not _in_boilerplate(a))
    return [u for u in _unique(urls) if not NOT_ARTICLE_PATH.search(urlsplit(u).path)]


def next_page(html: str | bytes, base_url: str) -> str | None:
    """The page after this one in a paginated listing: rel=next, else a 'Next' link."""
    doc = _document(html)
    if doc is None:
        return None
    for element in doc.iter("a", "link"):
        if "next" in (element.get("rel") or "").lower().split():
            return _absolute(element.get("href"), base_url)
    for anchor in doc.iter("a"):
        if NEXT_TEXT.match(anchor.text_content() or "") or NEXT_TEXT.match(anchor.get("aria-label") or ""):
            return _absolute(anchor.get("href"), base_url)
    return None


def same_site(url: str, host: str) -> bool:
    """True when url is on the outlet's host (www. and subdomains of it allowed)."""
    netloc = urlsplit(url).netloc.lower()
    host = host.lower()
    bare = host.removeprefix("www.")
    return netloc in (host, bare) or netloc.endswith("." + bare)
