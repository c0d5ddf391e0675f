"""Published and modified dates, with where they came from and how precise they are.

Evidence is tried from the most to the least trustworthy: JSON-LD, meta tags,
microdata / <time> in the article, the URL, visible text near the headline, then
what the crawler saw in a feed or sitemap, and htmldate's page-wide search last
(it is slow and guesses). Each candidate must fall between 1995 and fetched_at + 1
day; the clock of this machine is never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import htmldate
from lxml import etree

from scraper.extract.dateparse import MIN_DAY, parse_human, parse_machine
from scraper.extract.dom import near_headline, text_of
from scraper.extract.structured import PageData, as_text

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article:published",
    "published_time",
    "og:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "og:pubdate",
    "originalpublicationdate",
    "cxenseparse:recs:publishtime",
    "article_date_original",
    "datecreated",
    "created",
    "displaydate",
    "citation_publication_date",
    "citation_date",
    "weibo:article:create_at",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "modified_time",
    "dc.date.modified",
    "dcterms.modified",
    "last-modified",
    "lastmod",
    "article.updated",
    "revised",
)
_URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_DATE_SLASHED = re.compile(r"/((?:19|20)\d{2})/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/")
_DATE_CLASS = re.compile(
    r"date|time|byline|posted|publish|meta|datum|fecha|data|entry-info|dateline|article-info|info", re.I
)
# Text that holds a date which is not the publication date: ranges, deadlines, the
# forum's clock, copyright lines.
_NOT_PUBLISHED = re.compile(
    r"\bbis\b|\buntil\b|\btill\b|\bjusqu|\bhasta\b|\bfino al|aktuelle zeit|current time|it is currently|"
    r"heute ist|today is|deadline|frist|gültig|valid|©|copyright|\bborn\b|geboren|\bné(?:e)? le\b",
    re.I,
)
_PUBLISHED_WORD = re.compile(
    r"publi|veröffentlicht|posted|erstellt|erschienen|\bstand\b|datum|\bdate\b|\bvon\b|\bby\b|\bpar\b", re.I
)
_MODIFIED_HINT = re.compile(r"updat|modif|aktualisiert|mis à jour|actualizado|edited|geändert", re.I)


@dataclass
class DateFound:
    """One dated piece of evidence; `local_day` overrides the day when known better."""

    value: date | datetime
    source: str
    local_day: date | None = None

    @property
    def precision(self) -> str:
        return "time" if isinstance(self.value, datetime) else "day"

    @property
    def day(self) -> str:
        """The publisher's local day (the datetime keeps the publisher's offset)."""
        if self.local_day is not None:
            return self.local_day.isoformat()
        return (self.value.date() if isinstance(self.value, datetime) else self.value).isoformat()

    @property
    def iso(self) -> str:
        return self.value.isoformat()


@dataclass
class DateContext:
    """What date finders need besides the tree."""

    url: str | None
    fetched_at: datetime | None
    language: str | None
    page: PageData

    def plausible(self, value: date | datetime | None) -> bool:
        """Between 1995-01-01 and fetched_at + 1 day (no upper bound without fetched_at)."""
        if value is None:
            return False
        day = value.date() if isinstance(value, datetime) else value
        if day < MIN_DAY:
            return False
        if self.fetched_at is None:
            return day.year <= 2100
        limit = self.fetched_at + timedelta(days=1)
        if isinstance(value, datetime):
            if limit.tzinfo is None:
                limit = limit.replace(tzinfo=value.tzinfo)
            return value <= limit
        return day <= limit.date()


def _first(ctx: DateContext, values: Iterator[str | None], parse: Callable, source: str) -> DateFound | None:
    for raw in values:
        if raw:
            found = parse(raw)
            if ctx.plausible(found):
                return DateFound(found, source)
    return None


def _jsonld_values(page: PageData, key: str) -> Iterator[str | None]:
    main = page.main_node()
    nodes = ([main] if main else []) + page.articles() + page.jsonld
    for node in nodes:
        yield as_text(node.get(key))


def _meta_values(page: PageData, keys: tuple[str, ...]) -> Iterator[str | None]:
    for key in keys:
        yield from page.meta.get(key, [])


def _article_root(tree: etree._Element) -> etree._Element:
    """The first <article> holding an <h1>, else the first <article>, else the page."""
    articles = tree.xpath("//article")
    for article in articles:
        if article.find(".//h1") is not None:
            return article
    return articles[0] if len(articles) == 1 else tree


def _time_values(tree: etree._Element, prop: str) -> Iterator[str | None]:
    for element in tree.xpath(f"//*[@itemprop='{prop}']"):
        yield element.get("datetime") or element.get("content") or text_of(element)
    if prop != "datePublished":
        return
    root = _article_root(tree)
    times = root.xpath(".//time[@datetime or @pubdate]")
    if root is tree and len(times) > 3:
        return
    for element in times:
        hint = " ".join(filter(None, (element.get("class"), element.getparent().get("class") or "")))
        if not _MODIFIED_HINT.search(hint) and not _MODIFIED_HINT.search(text_of(element)):
            yield element.get("datetime") or text_of(element)


def from_url(url: str | None, ctx: DateContext) -> DateFound | None:
    """/2020/04/07/ or -20200407- style dates in the URL path (day precision)."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for pattern in (_URL_DATE_SLASHED, _URL_DATE):
        match = pattern.search(path)
        if match:
            try:
                found = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                continue
            if ctx.plausible(found):
                return DateFound(found, "url")
    return None


def _headline_zone(tree: etree._Element) -> list[str]:
    """Short texts around the headline and in date/byline-looking elements."""
    texts = near_headline(tree)
    root = _article_root(tree)
    for element in root.iter():
        if len(texts) > 60:
            break
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if marks.strip() and _DATE_CLASS.search(marks):
            text = text_of(element)
            if 6 <= len(text) <= 200:
                texts.append(text)
    return texts


def from_text(tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """A date written for readers near the headline or in a byline/date element."""
    for text in _headline_zone(tree)[:80]:
        if _NOT_PUBLISHED.search(text) or (len(text) > 60 and not _PUBLISHED_WORD.search(text)):
            continue
        if _MODIFIED_HINT.search(text) and not re.search(r"publi|veröffentlicht|posted", text, re.I):
            continue
        found = parse_human(text, ctx.language, ctx.fetched_at)
        if ctx.plausible(found):
            return DateFound(found, "text")
    return None


def from_hints(hints: Mapping[str, str] | None, ctx: DateContext) -> DateFound | None:
    """The date the crawler read in a feed or sitemap entry for this URL."""
    if not hints or not hints.get("published"):
        return None
    found = parse_machine(str(hints["published"]))
    source = hints.get("published_source") or "feed"
    if source not in ("feed", "sitemap"):
        source = "feed"
    return DateFound(found, source) if ctx.plausible(found) else None


def from_htmldate(tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """htmldate's extensive page search: slow and approximate, so the last resort."""
    max_date = (ctx.fetched_at + timedelta(days=1)).replace(tzinfo=None) if ctx.fetched_at else datetime(2100, 1, 1)
    try:
        found = htmldate.find_date(
            tree,
            extensive_search=True,
            original_date=True,
            url=ctx.url,
            outputformat="%Y-%m-%d",
            min_date=datetime(1995, 1, 1),
            max_date=max_date,
        )
    except Exception:  # noqa: BLE001 - htmldate can fail on odd trees; this is a fallback
        return None
    value = parse_machine(found) if found else None
    return DateFound(value, "htmldate") if ctx.plausible(value) else None


def _local_day_from_url(found: DateFound | None, ctx: DateContext) -> DateFound | None:
    """A UTC timestamp does not say the publisher's day; a date in the URL does.

    Applied only when the two are at most a day apart (the time-zone shift).
    """
    if found is None or not isinstance(found.value, datetime) or found.value.utcoffset() != timedelta(0):
        return found
    in_url = from_url(ctx.url, ctx)
    if in_url is not None and abs((in_url.value - found.value.date()).days) == 1:
        found.local_day = in_url.value  # type: ignore[assignment]
    return found


def published(tree: etree._Element, ctx: DateContext, hints: Mapping[str, str] | None) -> DateFound | None:
    """The publication date from the best evidence available."""
    return _local_day_from_url(_published(tree, ctx, hints), ctx)


def _published(tree: etree._Element, ctx: DateContext, hints: Mapping[str, str] | None) -> DateFound | None:
    page = ctx.page
    return (
        _first(ctx, _jsonld_values(page, "datePublished"), parse_machine, "json-ld")
        or _first(ctx, _jsonld_values(page, "dateCreated"), parse_machine, "json-ld")
        or _first(ctx, _meta_values(page, PUBLISHED_META), parse_machine, "meta")
        or _first(ctx, _time_values(tree, "datePublished"), parse_machine, "time")
        or from_url(ctx.url, ctx)
        or from_text(tree, ctx)
        or from_hints(hints, ctx)
        or from_htmldate(tree, ctx)
    )


def modified(tree: etree._Element, ctx: DateContext, headers: Mapping[str, str] | None) -> DateFound | None:
    """The last-modified date: JSON-LD, meta, microdata, then the HTTP header."""
    page = ctx.page
    header = next((v for k, v in (headers or {}).items() if k.lower() == "last-modified"), None)
    return (
        _first(ctx, _jsonld_values(page, "dateModified"), parse_machine, "json-ld")
        or _first(ctx, _meta_values(page, MODIFIED_META), parse_machine, "meta")
        or _first(ctx, _time_values(tree, "dateModified"), parse_machine, "time")
        or _first(ctx, iter([header]), parse_machine, "http")
    )
