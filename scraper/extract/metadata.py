"""Title, description, image, canonical URL, section, tags and site name.

Publishers state these in several layers that disagree in small ways (the <title>
carries " | Site", og:title is sometimes shortened for social cards); each function
picks the layer that is most often right and cleans it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from lxml import etree
from w3lib.url import safe_url_string

from scraper.extract.dom import text_of
from scraper.extract.normalize import normalize_inline, squash
from scraper.extract.structured import PageData, as_list, as_text
from scraper.extract.taxonomy import visible_section, visible_tags

# Separators between a headline and the site name, spaced so hyphenated words survive.
_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|«|/|~)\s+|\s*[|｜]\s*")


def site_name(page: PageData, url: str | None) -> str | None:
    """og:site_name, else the JSON-LD publisher's name, else application-name."""
    name = page.first_meta("og:site_name", "application-name", "al:android:app_name", "twitter:app:name:iphone")
    if not name:
        for node in page.jsonld:
            publisher = node.get("publisher") or node.get("sourceOrganization")
            name = as_text(publisher.get("name") if isinstance(publisher, dict) else publisher)
            if name and not name.startswith("http"):
                break
            name = None
    return normalize_inline(name) or None


def _is_site_part(part: str, site: str | None, url: str | None) -> bool:
    """True if a title segment is the site's name (or its domain)."""
    key = squash(part)
    if not key:
        return True
    if site and (key == squash(site) or key in squash(site) or squash(site) in key):
        return True
    host = urlsplit(url or "").hostname or ""
    compact = key.replace(" ", "")
    labels = [label for label in host.split(".") if label not in ("www", "com", "org", "net", "co", "uk")]
    return bool(compact) and any(compact == label or (len(compact) > 3 and compact in label) for label in labels)


def strip_site_suffix(title: str, site: str | None, url: str | None) -> str:
    """Remove " | Site", " - Site", "Site: " and the like from a title.

    A segment is dropped when it names the site, or when the title uses the pipe
    separator (which headlines themselves practically never use) and it is short.
    """
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    while len(parts) > 1 and _is_site_part(parts[-1], site, url):
        parts.pop()
    while len(parts) > 1 and _is_site_part(parts[0], site, url):
        parts.pop(0)
    if len(parts) > 1 and "|" in title and len(parts[-1].split()) <= 4 and len(parts[0].split()) >= 3:
        parts.pop()
    if len(parts) == 1:
        return parts[0].strip()
    # Keep the original separators of what remains.
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if start >= 0 and end > start else title


def _h1_texts(tree: etree._Element) -> list[str]:
    return [text for text in (text_of(h) for h in tree.iter("h1")) if 3 <= len(text) <= 400][:5]


def _agrees(a: str, b: str) -> bool:
    ka, kb = squash(a), squash(b)
    return bool(ka and kb) and (ka == kb or (min(len(ka), len(kb)) > 15 and (ka in kb or kb in ka)))


def _better_of(candidate: str, h1: str) -> str:
    """The longer of two agreeing headlines, unless the longer one only adds a label.

    "Opinion | Republicans Are..." against an <h1> "Republicans Are..." is the
    section label glued on for social cards, not a fuller headline.
    """
    longer, shorter = (candidate, h1) if len(candidate) >= len(h1) else (h1, candidate)
    if any(squash(part) == squash(shorter) for part in _SEPARATORS.split(longer)):
        return shorter
    return longer


def title(tree: etree._Element, page: PageData, url: str | None, site: str | None) -> str | None:
    """Headline: og:title / JSON-LD headline when they agree with an <h1>, else the best
    available layer, always without the site-name suffix."""
    node = page.main_node() or {}
    structured = [
        as_text(node.get("headline")),
        page.first_meta("og:title"),
        page.first_meta("twitter:title"),
        as_text(node.get("name")),
        page.first_meta("dc.title", "title", "sailthru.title", "parsely-title"),
    ]
    structured = [strip_site_suffix(normalize_inline(t), site, url) for t in structured if t]
    structured = [t for t in structured if t]
    h1s = [normalize_inline(t) for t in _h1_texts(tree)]
    for candidate in structured:
        for h1 in h1s:
            if _agrees(candidate, h1):
                return _better_of(candidate, h1)
    if structured:
        return structured[0]
    html_title = tree.find(".//title")
    plain = strip_site_suffix(normalize_inline(text_of(html_title)), site, url) if html_title is not None else ""
    for h1 in h1s:
        if plain and _agrees(plain, h1):
            return h1
    return plain or (h1s[0] if h1s else None)


def absolute(value: str | None, base: str | None) -> str | None:
    """Resolve a URL against the page URL and make it safe (percent-encoded)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith(("data:", "javascript:", "mailto:")):
        return None
    try:
        return safe_url_string(urljoin(base or "", value))
    except ValueError:
        return None


def canonical_url(tree: etree._Element, page: PageData, url: str | None) -> str | None:
    """rel=canonical, else og:url, resolved against the page URL; else the URL itself."""
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            found = absolute(link.get("href"), url)
            if found and found.startswith("http"):
                return found
    found = absolute(page.first_meta("og:url"), url)
    if found and found.startswith("http"):
        return found
    return url


def image(page: PageData, url: str | None) -> str | None:
    """og:image / twitter:image / JSON-LD image, absolute."""
    found = page.first_meta("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
    if not found:
        node = page.main_node() or {}
        found = as_text(node.get("image") or node.get("thumbnailUrl"))
    return absolute(found, url)


def description(page: PageData) -> str | None:
    """og:description, meta description, JSON-LD description."""
    node = page.main_node() or {}
    found = page.first_meta("og:description", "description", "twitter:description", "dc.description")
    return normalize_inline(found or as_text(node.get("description"))) or None


def section(page: PageData, tree: etree._Element | None = None) -> str | None:
    """article:section, JSON-LD articleSection, a section meta tag, else the visible kicker."""
    node = page.main_node() or {}
    found = page.first_meta("article:section", "section", "parsely-section", "sailthru.section", "dc.subject")
    found = normalize_inline(html.unescape(found or as_text(node.get("articleSection")) or ""))
    if len(found) > 60 and "," in found:
        found = found.split(",")[0].strip()  # a list of every category the post is filed in
    return found or (visible_section(tree) if tree is not None else None)


def _is_internal_tag(tag: str) -> bool:
    """CMS bookkeeping keywords ("@post-id:123", "ctp_video", "/article"), not topics."""
    return tag.startswith(("@", "/", "#")) or ("_" in tag and " " not in tag)


def tags(page: PageData, tree: etree._Element | None = None) -> list[str]:
    """article:tag, news_keywords / keywords, JSON-LD keywords, else the visible tag list.

    De-duplicated, in the page's order.
    """
    raw: list[str] = list(page.meta.get("article:tag", []))
    node = page.main_node() or {}
    for value in as_list(node.get("keywords")):
        if isinstance(value, str):
            raw.extend(value.split(","))
    for key in ("news_keywords", "keywords", "parsely-tags", "sailthru.tags"):
        for value in page.meta.get(key, []):
            raw.extend(re.split(r"[,;]", value))
    if not raw and tree is not None:
        raw = visible_tags(tree)
    seen: set[str] = set()
    result = []
    for tag in raw:
        clean = normalize_inline(html.unescape(tag)).strip(" ;&")
        if _is_internal_tag(clean):
            continue
        if clean and len(clean) <= 80 and squash(clean) not in seen:
            seen.add(squash(clean))
            result.append(clean)
    return result[:50]
