"""RSS/Atom feeds -> article links with their dates (pure; feedparser does the parsing).

feedparser tolerates broken feeds (a malformed item does not hide the ones after it);
we keep the publisher's own date string so its time zone offset survives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published: str | None  # ISO 8601, offset kept when the feed gives one


def feed_date_iso(raw: str | None) -> str | None:
    """RFC 822 (RSS) or RFC 3339 (Atom) -> ISO 8601; None when unparseable."""
    if not raw:
        return None
    raw = raw.strip()
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def absolute_http_url(link: object, base_url: str) -> str | None:
    """`link` resolved against the feed's URL when it is a usable http(s) URL, else None
    (urllib raises on hrefs like "http://[" or a port past 65535: one such item must
    not cost the rest of the feed)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        url = urljoin(base_url, link.strip())
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """Entries with a usable link, in feed order; an unreadable feed gives an empty list."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next(
            (lnk.get("href") for lnk in entry.get("links", []) if lnk.get("href")), None
        )
        url = absolute_http_url(link, base_url)
        if not url:
            continue
        raw_date = entry.get("published") or entry.get("updated") or entry.get("dc_date")
        title = entry.get("title")
        entries.append(FeedEntry(url, title if isinstance(title, str) else None, feed_date_iso(raw_date)))
    return entries
