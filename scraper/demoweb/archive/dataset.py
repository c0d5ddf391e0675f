"""What the replicas serve: plain dataclasses, filled by the demo (or a test), never by the replicas.

A `Capture` is one archived fetch (Wayback or a Common Crawl crawl); a `GdeltEntry` is
one article GDELT knows, with the words its search runs on. The helpers build the
captures that trip naive clients: a soft 404, a redirect, an archive redirect notice.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Capture:
    """One archived fetch of `url` at `timestamp` (14 digits, UTC).

    `notice_to`: the archive shows its "this URL redirected" notice (to that URL)
    instead of a page, although its index lists the capture as a 200 -- the trap the
    rescue must recognise by content.
    """

    url: str
    timestamp: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", HTML),)
    body: bytes = b""
    notice_to: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{14}", self.timestamp):
            raise ValueError(f"timestamp must be 14 digits: {self.timestamp!r}")

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    @property
    def mime(self) -> str:
        value = self.header("content-type") or "application/octet-stream"
        return value.split(";")[0].strip().lower()

    @property
    def digest(self) -> str:
        """Base32 SHA-1 of the body, as CDX lines give it."""
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode("ascii")

    @property
    def urlkey(self) -> str:
        return surt_key(self.url)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class GdeltEntry:
    """An article as GDELT lists it; `text` is what its search matches (the title is searched too)."""

    url: str
    title: str
    seen: datetime
    text: str = ""
    domain: str = ""
    language: str = "English"
    source_country: str = "United States"

    @property
    def seendate(self) -> str:
        return self.seen.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    @property
    def site(self) -> str:
        return self.domain or (urlsplit(self.url).hostname or "").removeprefix("www.")


@dataclass(frozen=True)
class CrawlSpec:
    """One Common Crawl crawl: when it ran and what it fetched."""

    id: str
    start: datetime
    end: datetime
    captures: tuple[Capture, ...] = ()
    name: str = ""


@dataclass
class ArchiveDataset:
    gdelt: list[GdeltEntry] = field(default_factory=list)
    wayback: list[Capture] = field(default_factory=list)
    crawls: list[CrawlSpec] = field(default_factory=list)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def surt_key(url: str) -> str:
    """A SURT-style sort key (``test,outlet)/2020/04/story?id=3``): host reversed, www and default ports dropped."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port
    labels = ",".join(reversed(host.split("."))) if not _is_ip(host) else host
    if port and port not in (80, 443):
        labels += f":{port}"
    path = parts.path or "/"
    return f"{labels}){path.lower()}" + (f"?{parts.query}" if parts.query else "")


def scope(target: str, match_type: str) -> tuple[str, str]:
    """A CDX ``url`` and ``matchType``, with the wildcard forms (``host/path/*``, ``*.host``) made explicit."""
    if target.endswith("*"):
        return target.rstrip("*"), "prefix"
    if target.startswith("*."):
        return target[2:], "domain"
    return target, match_type or "exact"


def url_matches(url: str, target: str, match_type: str) -> bool:
    """Whether a captured URL falls in a CDX query's scope (exact, prefix, host or domain)."""
    if match_type == "exact":
        return surt_key(url) == surt_key(target)
    if match_type == "prefix":
        return surt_key(url).startswith(surt_key(target))
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    wanted = (urlsplit(target if "://" in target else "http://" + target).hostname or "").removeprefix("www.")
    return host == wanted or (match_type == "domain" and host.endswith("." + wanted))


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", host))


def fold(text: str) -> list[str]:
    """Lower-case words without accents: what the replica's search compares."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.findall(r"[a-z0-9]+", plain)


# --------------------------------------------------------------------------- traps


def page(title: str, paragraphs: list[str], site_name: str = "") -> bytes:
    """A small article page (og:site_name when given)."""
    meta = f'<meta property="og:site_name" content="{escape(site_name)}">' if site_name else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    title = escape(title)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{meta}"
            f'<meta property="og:type" content="article"></head><body><article><h1>{title}</h1>{body}'
            f"</article></body></html>").encode()


def soft_404(url: str, ts: str) -> Capture:
    """A capture whose page says "not found" under status 200 (the CDX index lists it as a good capture)."""
    body = (b"<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Sorry</h1>"
            b"<p>We could not find the page you were looking for.</p><a href='/'>Home</a></body></html>")
    return Capture(url, ts, 200, (("Content-Type", HTML),), body)


def redirect_capture(url: str, ts: str, target: str) -> Capture:
    """A capture of a redirect (status 302 with Location): the archive replays it as a redirect or a notice."""
    return Capture(url, ts, 302, (("Location", target), ("Content-Type", HTML)), b"")


def notice_capture(url: str, ts: str, target: str) -> Capture:
    """A capture the index calls a 200, but whose replay is the archive's redirect notice."""
    return Capture(url, ts, 200, (("Content-Type", HTML),), b"", notice_to=target)
