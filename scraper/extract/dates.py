"""Published and modified dates, with where they came from and how precise they are.

Two kinds of evidence are weighed. Machine-readable dates (JSON-LD, meta tags,
microdata, <time datetime>) are precise but often describe something else: the
first draft, the last cache refresh, a republication. The date printed next to
the headline (`dateline`) is what the publisher shows readers. When a printed date
exists, the machine date that falls on that day is kept (for its time and offset),
and when none does, the printed date wins. Without a printed date the machine dates
are used in order of trust, then the URL, a wider look at the text, what the crawler
saw in a feed or sitemap, and htmldate's page-wide search last (slow, and a guess).

A UTC timestamp says the instant, not the publisher's day: it is moved to the zone
the page itself implies (offsets on its other timestamps, a declared IANA zone,
its locale). Every candidate must fall between 1995 and fetched_at + 1 day; the
clock of this machine is never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from lxml import etree

from scraper.extract import dateline, datelocale, pagesearch
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
    "dc.date.created",
    "dcterms.created",
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
# Names that say "a date" without saying which: CMSs fill them with the last edit or
# the time the page was rendered, so they count only after the specific ones.
GENERIC_META = ("dc.date", "dcterms.date", "date")
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
# "Originally published in April 2017", "ursprünglich erschienen am 3. Mai 2017",
# "initialement publié en avril 2017": a note on when an updated story first appeared.
_ORIGINALLY = re.compile(
    r"\b(?:originally|first|initially|initialement|d'abord|ursprünglich|erstmals|zuerst|originalmente|"
    r"inicialmente|originariamente)\s+(?:been\s+)?(?:publi\w*|posted|appeared|ran|veröffentlicht|erschienen)"
    r"\s+(?P<when>[^.;()]{0,12}?\d[^;()]{0,24})",
    re.I,
)
NEAR_HEADLINE = 300  # characters: a printed date further away may belong to a teaser
_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_ARTICLES = etree.XPath("//article")
# Both microdata dates in one walk of the page (a walk costs as much as the rest of a lookup).
_ITEMPROPS = etree.XPath("//*[@itemprop]")  # then filtered in Python: faster than two tests in XPath
_TIMES = etree.XPath(".//time[@datetime or @pubdate]")
_LD_SCRIPTS = etree.XPath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]')


@dataclass
class DateFound:
    """One dated piece of evidence; `local_day` overrides the day when known better."""

    value: date | datetime
    source: str
    local_day: date | None = None
    generic: bool = False

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
    """What date finders need besides the tree; `cache` keeps per-page work done once."""

    url: str | None
    fetched_at: datetime | None
    language: str | None
    page: PageData
    cache: dict[str, Any] = field(default_factory=dict)

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
    articles = _ARTICLES(tree)
    for article in articles:
        if article.find(".//h1") is not None:
            return article
    return articles[0] if len(articles) == 1 else tree


def _itemprop_dates(tree: etree._Element, ctx: DateContext) -> list[etree._Element]:
    if "itemprop" not in ctx.cache:
        props = ("datePublished", "dateModified")
        ctx.cache["itemprop"] = [el for el in _ITEMPROPS(tree) if el.get("itemprop") in props]
    return ctx.cache["itemprop"]


def _time_values(tree: etree._Element, ctx: DateContext, prop: str) -> Iterator[str | None]:
    for element in _itemprop_dates(tree, ctx):
        if element.get("itemprop") != prop:
            continue
        yield element.get("datetime") or element.get("content") or text_of(element)
    if prop != "datePublished":
        return
    root = _article_root(tree)
    times = _TIMES(root)
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


def _locale(tree: etree._Element, ctx: DateContext) -> datelocale.Locale:
    if "locale" not in ctx.cache:
        ctx.cache["locale"] = datelocale.page_locale(tree, ctx.page, ctx.url, ctx.language)
    return ctx.cache["locale"]


def _reader(tree: etree._Element, ctx: DateContext) -> Callable[[str], date | datetime | None]:
    """parse_human with this page's language, numeric order and fetch time."""
    month_first = _locale(tree, ctx).month_first
    return lambda text: parse_human(text, ctx.language, ctx.fetched_at, month_first)


def _title(tree: etree._Element, page: PageData) -> str | None:
    return page.first_meta("og:title", "twitter:title") or tree.findtext(".//title")


def shown(tree: etree._Element, ctx: DateContext) -> tuple[dateline.Shown | None, dateline.Shown | None]:
    """(publication, update) dates printed next to the headline, implausible ones dropped."""
    if "shown" not in ctx.cache:
        found = dateline.shown_dates(tree, _title(tree, ctx.page), _reader(tree, ctx))
        ctx.cache["shown"] = tuple(d if d is not None and ctx.plausible(d.value) else None for d in found)
    return ctx.cache["shown"]


def from_text(tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """A date written for readers in a byline/date element further from the headline."""
    read = _reader(tree, ctx)
    for text in _headline_zone(tree)[:80]:
        if _NOT_PUBLISHED.search(text) or (len(text) > 60 and not _PUBLISHED_WORD.search(text)):
            continue
        if _MODIFIED_HINT.search(text) and not re.search(r"publi|veröffentlicht|posted", text, re.I):
            continue
        found = read(text)
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
    """htmldate's page search: slow and approximate, so the last resort.

    Its fast mode first; the extensive mode hands strings to dateparser (in the page's
    language: see pagesearch.py), so it runs only when the fast mode finds nothing.
    An answer on January 1st is htmldate's fallback to a lone year (the copyright
    line's, or any year in the page) written as a day: a year is not a publication
    day, so it counts as no answer.
    """
    for extensive in (False, True):
        value = _htmldate(tree, ctx, extensive)
        if value is not None and (value.month, value.day) != (1, 1):
            return DateFound(value, "htmldate")
    return None


def _htmldate(tree: etree._Element, ctx: DateContext, extensive: bool) -> date | datetime | None:
    max_date = (ctx.fetched_at + timedelta(days=1)).replace(tzinfo=None) if ctx.fetched_at else datetime(2100, 1, 1)
    try:
        found = pagesearch.find_date(
            tree,
            ctx.language,
            extensive_search=extensive,
            original_date=True,
            url=ctx.url,
            outputformat="%Y-%m-%d",
            min_date=datetime(1995, 1, 1),
            max_date=max_date,
        )
    except Exception:  # noqa: BLE001 - htmldate can fail on odd trees; this is a fallback
        return None
    value = parse_machine(found) if found else None
    return value if ctx.plausible(value) else None


def _broken_jsonld(tree: etree._Element) -> Iterator[str | None]:
    """datePublished in JSON-LD scripts that do not parse (trailing commas, raw newlines...)."""
    for script in _LD_SCRIPTS(tree):
        match = _LD_PUBLISHED.search(script.text or "")
        if match:
            yield match[1]


def machine_dates(tree: etree._Element, ctx: DateContext) -> list[DateFound]:
    """The best machine-readable publication date of each kind, most trusted first."""
    if "machine" not in ctx.cache:
        ctx.cache["machine"] = _machine_dates(tree, ctx)
    return ctx.cache["machine"]


def _machine_dates(tree: etree._Element, ctx: DateContext) -> list[DateFound]:
    page = ctx.page
    found = [
        _first(ctx, _jsonld_values(page, "datePublished"), parse_machine, "json-ld")
        or _first(ctx, _jsonld_values(page, "dateCreated"), parse_machine, "json-ld")
        or _first(ctx, _broken_jsonld(tree), parse_machine, "json-ld"),
        _first(ctx, _meta_values(page, PUBLISHED_META), parse_machine, "meta"),
        _first(ctx, _time_values(tree, ctx, "datePublished"), parse_machine, "time"),
        _first(ctx, _meta_values(page, GENERIC_META), parse_machine, "meta"),
    ]
    if found[-1] is not None:
        found[-1].generic = True
    return [f for f in found if f is not None]


def _on_day(found: DateFound, day: date) -> bool:
    """Same day, or for a UTC timestamp a day that some zone (UTC-12 to UTC+14) gives it."""
    value = found.value
    if not isinstance(value, datetime):
        return value == day
    if value.date() == day:
        return True
    if value.utcoffset() != timedelta(0):
        return False
    return (value - timedelta(hours=12)).date() <= day <= (value + timedelta(hours=14)).date()


def _first_published_in(tree: etree._Element, ctx: DateContext, found: DateFound) -> bool:
    """The page says in words that the story first appeared when `found` says.

    An updated story that prints its update day in the header often notes "initially
    published in April 2017" at the end; the machine date in that year (and on that day,
    when the note gives one) is then the publication date.
    """
    day = _day_of(found.value)
    for note in _ORIGINALLY.finditer(" ".join(_article_root(tree).itertext())):
        when = note["when"]
        if str(day.year) not in when:
            continue
        stated = parse_human(when, ctx.language, None, _locale(tree, ctx).month_first)
        if stated is None or _day_of(stated) == day:
            return True
    return False


def _agree(tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """The printed date or the most trusted machine date, whichever has more support.

    Without a printed date, the most trusted machine date wins. Otherwise each day counts
    its backers: the machine sources on it, the URL for the machine date, and for the
    printed date the print itself (half when far from the headline: it may be a teaser's)
    and a modification date on that day (the page shows its last version). On a tie the
    printed date wins, as what the publisher shows readers. The winning day keeps the
    most trusted machine date on it, for its time and offset.
    """
    machine, printed = machine_dates(tree, ctx), shown(tree, ctx)[0]
    if printed is None:
        return machine[0] if machine else None
    on_printed = [f for f in machine if _on_day(f, printed.day)]
    if machine and machine[0] not in on_printed:
        top, changed, in_url = machine[0], modified(tree, ctx, None), from_url(ctx.url, ctx)
        near = 1.0 if printed.distance <= NEAR_HEADLINE else 0.5
        for_printed = near + len(on_printed) + bool(changed and _on_day(changed, printed.day))
        for_top = sum(_day_of(f.value) == _day_of(top.value) for f in machine)
        for_top += bool(in_url and in_url.value == _day_of(top.value))
        if for_printed < for_top or _first_published_in(tree, ctx, top):
            return top
    if not on_printed:
        return DateFound(printed.value, "text")
    on_printed[0].local_day = printed.day
    return on_printed[0]


def _publisher_zone(tree: etree._Element, ctx: DateContext) -> tzinfo | None:
    """The publisher's zone: the offset the page's other timestamps agree on, the zone its
    locale implies, or one it declares in a script (scanning scripts is the slow part)."""
    stamps = [f.value for f in (modified(tree, ctx, None), *machine_dates(tree, ctx)) if f is not None]
    written = datelocale.written_offset([v for v in stamps if isinstance(v, datetime)])
    if written is not None:
        return timezone(written)
    return datelocale.zone(_locale(tree, ctx).zone_name) or datelocale.declared_zone(tree, ctx.page)


def _localize(found: DateFound | None, tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """Express a UTC timestamp in the publisher's zone, so its day is the publisher's day.

    A printed day, when there is one, has the last word on the day.
    """
    if found is None or not isinstance(found.value, datetime) or found.value.utcoffset() != timedelta(0):
        return found
    zone = _publisher_zone(tree, ctx)
    if zone is not None:
        local = found.value.astimezone(zone)
        if found.local_day in (None, local.date()):
            found.value = local
    if found.local_day == _day_of(found.value):
        found.local_day = None
    return found


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


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


def _only_update_shown(tree: etree._Element, ctx: DateContext) -> DateFound | None:
    """The update date, when it is the only date the page prints next to its headline.

    A page that shows readers "Updated March 14" and no publication date presents that
    day as the story's date; its machine publication date is then often the first
    draft of a long-rewritten page. The machine date on that day, if any, gives the time.
    """
    printed, update = shown(tree, ctx)
    if printed is not None or update is None:
        return None
    stamps = [f for f in (*machine_dates(tree, ctx), modified(tree, ctx, None)) if f is not None]
    on_day = next((f for f in stamps if _on_day(f, update.day)), None)
    if on_day is None:
        return DateFound(update.value, "text")
    return DateFound(on_day.value, on_day.source, local_day=update.day)


def published(tree: etree._Element, ctx: DateContext, hints: Mapping[str, str] | None) -> DateFound | None:
    """The publication date from the best evidence available, on the publisher's day."""
    found = (
        _only_update_shown(tree, ctx)
        or _agree(tree, ctx)
        or from_url(ctx.url, ctx)
        or from_text(tree, ctx)
        or from_hints(hints, ctx)
        or from_htmldate(tree, ctx)
    )
    return _local_day_from_url(_localize(found, tree, ctx), ctx)


def modified(tree: etree._Element, ctx: DateContext, headers: Mapping[str, str] | None) -> DateFound | None:
    """The last-modified date: JSON-LD, meta, microdata, an update printed near the
    headline, then the HTTP header."""
    key = f"modified {bool(headers)}"
    if key not in ctx.cache:
        ctx.cache[key] = _modified(tree, ctx, headers)
    return ctx.cache[key]


def _modified(tree: etree._Element, ctx: DateContext, headers: Mapping[str, str] | None) -> DateFound | None:
    page = ctx.page
    header = next((v for k, v in (headers or {}).items() if k.lower() == "last-modified"), None)
    update = shown(tree, ctx)[1]
    return (
        _first(ctx, _jsonld_values(page, "dateModified"), parse_machine, "json-ld")
        or _first(ctx, _meta_values(page, MODIFIED_META), parse_machine, "meta")
        or _first(ctx, _time_values(tree, ctx, "dateModified"), parse_machine, "time")
        or (DateFound(update.value, "text") if update is not None else None)
        or _first(ctx, iter([header]), parse_machine, "http")
    )
