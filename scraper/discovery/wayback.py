"""Wayback Machine: what an outlet had, including the pages it has since deleted.

Two uses. *Enumerate*: list every URL the archive captured under a prefix
(``variety.com/2020/``) or a domain over a date range, through the CDX server with
``output=json`` and resume keys. *Rescue*: an article that now answers 404/410, or
redirects to a home or section page, is looked up and its last good capture before
the removal is fetched raw (``{timestamp}id_``: the page as it was served, without
the archive's banner and rewritten links).

The CDX JSON answer (internetarchive/wayback, wayback-cdx-server/README.md): the
first row names the fields, each further row is one capture, and when more results
remain, ``showResumeKey=true`` adds an empty row ``[]`` then ``[resumeKey]``; the next
page is the same query plus ``resumeKey=``.

A capture is not always the article: the archive records redirects (its replay shows
a "Got an HTTP 302 response at crawl time" notice page or answers 3xx) and soft-404
pages. `is_archive_notice` recognises the notice by its structure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

from lxml import etree
from lxml import html as lxml_html

from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson, snippet_of
from scraper.discovery.untrusted import clean_url

CDX_ENDPOINT = "https://web.archive.org/cdx/search/cdx"
REPLAY_BASE = "https://web.archive.org"
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest")
PAGE_LIMIT = 5000          # rows per CDX answer; the rest comes through the resume key
MATCH_TYPES = ("exact", "prefix", "host", "domain")
SERVICE = "Wayback CDX"

_TIMESTAMP = re.compile(r"^\d{14}$")
# /web/20200406120000/http://...  /web/20200406120000id_/...  (any replay modifier)
_REPLAY_PATH = re.compile(r"/web/(?P<ts>\d{1,14})(?P<mod>[a-z]{2}_)?/(?P<url>(?:https?:/?/?)?[^\s]+)$", re.I)
GONE_STATUSES = frozenset({404, 410})
NOTICE_MAX_WORDS = 120     # an archive notice is a few lines; an article is not


# --------------------------------------------------------------------------- CDX queries


def cdx_time(moment: datetime) -> str:
    """14-digit UTC timestamp (CDX from/to and replay paths)."""
    if moment.tzinfo is None:
        raise ValueError("CDX times need an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def enumerate_url(endpoint: str, target: str, match_type: str = "prefix", start: datetime | None = None,
                  end: datetime | None = None, limit: int = PAGE_LIMIT, resume_key: str | None = None) -> str:
    """A CDX query listing one capture per URL (``collapse=urlkey``, status 200) under `target`.

    `target` is a prefix such as ``variety.com/2020/`` (match_type="prefix") or a host
    (match_type="domain": the host and its subdomains). Pass the resume key of the
    previous answer to get the next page; nothing else changes between pages.
    """
    if match_type not in MATCH_TYPES:
        raise ValueError(f"match_type must be one of {', '.join(MATCH_TYPES)}")
    params: list[tuple[str, str]] = [
        ("url", target),
        ("matchType", match_type),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"),
        ("collapse", "urlkey"),
    ]
    params += _range(start, end)
    params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{endpoint}?{urlencode(params, quote_via=quote)}"


def lookup_url(endpoint: str, url: str, before: datetime | None = None, limit: int = PAGE_LIMIT,
               resume_key: str | None = None) -> str:
    """A CDX query for the good captures of one URL up to `before` (the rescue look-up).

    Only status-200 captures are asked for; identical neighbours are collapsed by digest.
    """
    params: list[tuple[str, str]] = [
        ("url", url),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),
    ]
    params += _range(None, before)
    params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{endpoint}?{urlencode(params, quote_via=quote)}"


def _range(start: datetime | None, end: datetime | None) -> list[tuple[str, str]]:
    if start and end and end < start:
        raise ValueError("the range ends before it starts")
    return ([("from", cdx_time(start))] if start else []) + ([("to", cdx_time(end))] if end else [])


# --------------------------------------------------------------------------- CDX answers


@dataclass(frozen=True)
class Capture:
    """One archived fetch of `original` at `timestamp` (14 digits, UTC)."""

    timestamp: str
    original: str
    status: int | None
    mimetype: str
    digest: str

    @property
    def moment(self) -> datetime:
        return parse_timestamp(self.timestamp)  # type: ignore[return-value]  # validated when parsed


@dataclass(frozen=True)
class CdxPage:
    """One CDX answer: its usable captures, rows skipped as unusable, and the key to the next page."""

    captures: tuple[Capture, ...]
    resume_key: str | None
    skipped: int


def parse_timestamp(value: object) -> datetime | None:
    """'20200406120000' -> aware UTC datetime; None when it is not 14 digits of a real time."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_cdx_page(body: bytes) -> CdxPage:
    """A CDX ``output=json`` answer as captures; rows missing a field or with a bad value are skipped and counted.

    ``[]`` (no captures) is an empty page. Raises EmptyBody, NotJson (an HTML error
    page) or MalformedJson (not a list of lists, or no header row).
    """
    text = body.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        raise EmptyBody(SERVICE, "empty answer")
    if not text.startswith("["):
        raise NotJson(SERVICE, "not JSON", snippet_of(body))
    try:
        rows = json.loads(text)
    except ValueError as exc:
        raise MalformedJson(SERVICE, f"invalid JSON: {exc}", snippet_of(body)) from None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise MalformedJson(SERVICE, "expected a list of rows")
    if not rows:
        return CdxPage((), None, 0)
    header, rows = rows[0], rows[1:]
    if not header or not all(isinstance(h, str) for h in header) or "timestamp" not in header \
            or "original" not in header:
        raise MalformedJson(SERVICE, f"first row is not a field list: {header!r}"[:200])
    resume_key = None
    if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1 and isinstance(rows[-1][0], str):
        resume_key = rows[-1][0] or None
        rows = rows[:-2]
    captures, skipped = [], 0
    for row in rows:
        capture = _capture(header, row)
        if capture is None:
            skipped += 1
        else:
            captures.append(capture)
    return CdxPage(tuple(captures), resume_key, skipped)


def _capture(header: list[str], row: list) -> Capture | None:
    if len(row) != len(header) or not all(isinstance(v, str) for v in row):
        return None
    values = dict(zip(header, row, strict=True))
    timestamp = values.get("timestamp", "")
    original = clean_url(_with_scheme(values.get("original", "")))
    if parse_timestamp(timestamp) is None or original is None:
        return None
    status_text = values.get("statuscode", "-")
    status = int(status_text) if status_text.isdigit() else None
    return Capture(timestamp, original, status, values.get("mimetype", ""), values.get("digest", ""))


def _with_scheme(url: str) -> str:
    """CDX `original` is usually absolute; a bare ``host/path`` is read as http."""
    return url if "://" in url or not url else "http://" + url


# --------------------------------------------------------------------------- rescue


def candidates_before(captures: Iterable[Capture], moment: datetime | None = None) -> list[Capture]:
    """Status-200 captures taken at or before `moment` (all if None), newest first: the order to try them in."""
    good = [c for c in captures if c.status == 200 and (moment is None or c.moment <= moment)]
    return sorted(good, key=lambda c: c.timestamp, reverse=True)


def closest_before(captures: Iterable[Capture], moment: datetime | None = None) -> Capture | None:
    """The last good capture at or before `moment` (the page as it was just before its removal)."""
    ranked = candidates_before(captures, moment)
    return ranked[0] if ranked else None


def replay_url(base: str, timestamp: str, original: str, raw: bool = True) -> str:
    """`{base}/web/{timestamp}id_/{original}` (raw: the page as served) or the banner form without ``id_``."""
    if not _TIMESTAMP.match(timestamp):
        raise ValueError(f"not a 14-digit timestamp: {timestamp!r}")
    return f"{base.rstrip('/')}/web/{timestamp}{'id_' if raw else ''}/{original}"


def parse_replay_url(url: str) -> tuple[str, str, str] | None:
    """(timestamp, modifier, original URL) of an archive replay URL, or None."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    match = _REPLAY_PATH.search(path)
    if not match:
        return None
    original = re.sub(r"^(https?):/+", r"\1://", match.group("url"), flags=re.I)
    return match.group("ts"), match.group("mod") or "", original


def needs_rescue(status: int, requested_url: str, final_url: str | None = None) -> bool:
    """True when a known article is gone: 404/410, or it now lands on a home or section page.

    `final_url` is where redirects ended (or a 3xx's Location). Landing on the site's
    root, or on a path that is a strict ancestor of the article's (``/tv/`` for
    ``/tv/2020/story``), means the article was removed; a move to another article
    path (a new slug, http to https) is not a removal.
    """
    if status in GONE_STATUSES:
        return True
    if not final_url or final_url == requested_url:
        return False
    old, new = urlsplit(requested_url), urlsplit(final_url)
    if _site(old.hostname) != _site(new.hostname):
        return False
    new_path = new.path.rstrip("/")
    old_path = old.path.rstrip("/")
    if new_path == "" or new_path in ("/index.html", "/index.php", "/home"):
        return True
    return old_path.startswith(new_path + "/") and new_path != old_path


def _site(host: str | None) -> str:
    return (host or "").lower().removeprefix("www.")


# --------------------------------------------------------------------------- notices


def is_archive_notice(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    """True when an archive answer is the archive's own redirect notice, not the captured page.

    Recognised by structure, not by one archive's wording:
    - a 3xx answer (the raw ``id_`` replay of a capture that was a redirect);
    - an HTML page with little text whose way out -- a link, a meta refresh or a script
      setting ``location`` -- leads to another replay URL (``/web/<timestamp>/<url>``)
      of a *different* original URL: the page only says "this URL redirected there".
    A captured article also links to archived pages, but it has far more text than a notice.
    """
    if 300 <= status < 400:
        return True
    content_type = _header(headers, "content-type").lower()
    if content_type and "html" not in content_type:
        return False
    try:
        tree = lxml_html.fromstring(body[:200_000])
    except (ValueError, TypeError, etree.ParserError):
        return False
    for bad in tree.xpath("//script|//style|//noscript"):
        bad.text = ""
    words = " ".join(tree.itertext()).split()
    if len(words) > NOTICE_MAX_WORDS:
        return False
    targets = [found for found in map(parse_replay_url, _ways_out(tree, body)) if found]
    if not targets:
        return False
    own = _own_original(headers)
    return any(own is None or not _same_page(target[2], own) for target in targets)


def _ways_out(tree: lxml_html.HtmlElement, body: bytes) -> list[str]:
    """Where a page sends the reader: links, meta refresh URLs and script-assigned locations."""
    targets = [str(href) for href in tree.xpath("//a/@href")]
    for content in tree.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content"):
        match = re.search(r"url\s*=\s*['\"]?([^'\";]+)", str(content), re.I)
        if match:
            targets.append(match.group(1).strip())
    script = body.decode("utf-8", "replace")
    targets += re.findall(r"location(?:\.href)?\s*=\s*['\"]([^'\"]+)['\"]", script)
    return targets


def _own_original(headers: Mapping[str, str]) -> str | None:
    """The captured URL, from the Memento ``Link: <...>; rel="original"`` header archives send."""
    link = _header(headers, "link")
    match = re.search(r"<([^>]+)>\s*;\s*rel=\"?original\"?", link)
    return match.group(1) if match else None


def _same_page(a: str, b: str) -> bool:
    pa, pb = urlsplit(a if "://" in a else "http://" + a), urlsplit(b if "://" in b else "http://" + b)
    return (_site(pa.hostname), pa.path.rstrip("/"), pa.query) == (_site(pb.hostname), pb.path.rstrip("/"), pb.query)


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""
