"""GDELT DOC 2.0 API: who published what about the watchlist, since 2017.

The API (`mode=artlist&format=json`) returns at most 250 articles per request, with no
paging: a window of time with more matches is silently cut to 250. So a query is asked
window by window, and a window that comes back full is split in two and asked again,
down to `MIN_WINDOW`; a window that is still full at the minimum is reported as
*truncated* (the coverage is known to be incomplete there), never dropped quietly.

GDELT's rules, which its API enforces by answering HTTP 200 with a line of text
instead of JSON (so a bad query looks like a broken server until the body is read):
- OR'd terms must be inside parentheses;
- a quoted phrase must be at least 5 characters, a bare keyword at least 3;
- searches run on English text (GDELT machine-translates the other languages and
  dropped native-language search), so only the English context words are sent;
- there are no wildcards: ``prison*`` is sent as a few common English forms, and a
  query too long is cut into several (`MAX_QUERY_CHARS`).
`seendate` is when GDELT saw the article -- a discovery time, never its publication
date, which the article page itself must give.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson, QueryRejected, RateLimited, snippet_of
from scraper.discovery.untrusted import clean_url

if TYPE_CHECKING:
    from scraper.match.watchlist import Watchlist

GDELT_DOC_ENDPOINT = "https://api.gdeltproject.org/api/v2/doc/doc"
MAX_RECORDS = 250                        # the API's ceiling for artlist
MIN_INTERVAL = 5.0                       # seconds between requests, GDELT's published limit
EARLIEST = datetime(2017, 1, 1, tzinfo=UTC)  # the DOC 2.0 index starts here
MIN_WINDOW = timedelta(minutes=15)       # GDELT's seendate moves in 15-minute steps: no finer split helps
MIN_PHRASE_CHARS = 5
MIN_KEYWORD_CHARS = 3
MAX_QUERY_CHARS = 450                    # long queries are reported to fail; each OR group is cut to fit
SERVICE = "GDELT"

# Forms tried for a watchlist term ending in '*' (GDELT has no wildcard): common English
# endings. A form that is not a word ("prisone") matches nothing and costs a few characters.
WILDCARD_SUFFIXES = ("", "s", "e", "es", "ed", "ing", "ion")
WILDCARD_SUFFIXES_AFTER_E = ("", "s", "d")

# GDELT's text answers: the query can never work / we are going too fast.
_QUERY_ERROR = re.compile(r"too short|too long|too common|surrounded by|invalid|unrecognized|not supported|"
                          r"illegal|syntax", re.I)
_RATE_LIMIT = re.compile(r"limit requests|rate limit|too many requests", re.I)
_SEENDATE = re.compile(r"^(\d{8})T(\d{6})Z$")


# --------------------------------------------------------------------------- queries


def queries_from_watchlist(watchlist: Watchlist, max_chars: int = MAX_QUERY_CHARS) -> list[str]:
    """GDELT queries for a watchlist, broadest evidence first, duplicates dropped.

    1. the documentary's full titles, OR'd: each counts on its own;
    2. its short titles ("The Justice Project") AND one of its `support` entities
       (a legal-aid group of the same name is not coverage);
    3. each featured person's name and aliases AND one English context word
       (GDELT searches English text, translations included; the premise words are
       left out: many are not English, and the title queries already cover the show).
    Homonyms (the cricketer, the fitness coach) are left to the matcher: excluding
    words at the source would also lose real coverage that mentions them in passing.
    """
    doc = watchlist.documentary
    queries: list[str] = []
    queries += _or_queries([doc.name, *doc.aliases], [], max_chars)
    if doc.weak_aliases and doc.support:
        support = [name for entity in watchlist.supporting if entity.name in doc.support
                   for name in (entity.name, *entity.aliases)]
        queries += _or_queries(doc.weak_aliases, support, max_chars)
    context = list(watchlist.context.get("en", ())) or [w for words in watchlist.context.values() for w in words]
    for person in watchlist.people:
        queries += _or_queries([person.name, *person.aliases], context, max_chars)
    return list(dict.fromkeys(queries))


def gdelt_terms(term: str) -> list[str]:
    """A watchlist term in GDELT syntax: a quoted phrase or bare keyword(s); [] when GDELT would refuse it."""
    words = _words(term.rstrip("*"))
    if not words:
        return []
    if term.endswith("*") and len(words) == 1:
        stem = words[0]
        suffixes = WILDCARD_SUFFIXES_AFTER_E if stem.endswith("e") else WILDCARD_SUFFIXES
        return [w for w in dict.fromkeys(stem + s for s in suffixes) if len(w) >= MIN_KEYWORD_CHARS]
    text = " ".join(words)
    if len(words) == 1 and re.fullmatch(r"\w+", text):
        return [text] if len(text) >= MIN_KEYWORD_CHARS else []
    return [f'"{text}"'] if len(text) >= MIN_PHRASE_CHARS else []


def _words(term: str) -> list[str]:
    """Lower-case words of a term; punctuation GDELT would read as syntax (":", quotes, parentheses) becomes space."""
    text = unicodedata.normalize("NFC", term).lower().replace("\u2019", "'")
    text = re.sub(r"[^\w\s'\-]", " ", text)
    return [w.strip("'-") for w in text.split() if w.strip("'-")]


def _group(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _or_queries(names: list[str], context: list[str], max_chars: int) -> list[str]:
    """`(names...)` alone, or AND `(context...)`, the context OR group cut so each query fits `max_chars`."""
    name_terms = list(dict.fromkeys(t for n in names for t in gdelt_terms(n)))
    if not name_terms:
        return []
    head = _group(name_terms)
    context_terms = [t for t in dict.fromkeys(t for c in context for t in gdelt_terms(c)) if t not in name_terms]
    if not context:
        return [head]
    if not context_terms:
        return []  # a person with no usable context word would flood the results with homonyms
    queries: list[str] = []
    chunk: list[str] = []
    for term in context_terms:
        if chunk and len(f"{head} {_group([*chunk, term])}") > max_chars:
            queries.append(f"{head} {_group(chunk)}")
            chunk = []
        chunk.append(term)
    queries.append(f"{head} {_group(chunk)}")
    return queries


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True, order=True)
class Window:
    """A half-open span of time [start, end), both aware datetimes in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if moment.tzinfo is None:
                raise ValueError("GDELT windows need aware datetimes (UTC)")
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start.isoformat()} .. {self.end.isoformat()}")

    @property
    def span(self) -> timedelta:
        return self.end - self.start


def gdelt_time(moment: datetime) -> str:
    """YYYYMMDDHHMMSS in UTC, GDELT's startdatetime/enddatetime format."""
    if moment.tzinfo is None:
        raise ValueError("GDELT times need an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def window_url(endpoint: str, query: str, start: datetime, end: datetime, maxrecords: int = MAX_RECORDS,
               sort: str = "DateAsc") -> str:
    """The artlist request for [start, end): GDELT's bounds are inclusive, so the end sent is one second earlier."""
    window = Window(start, end)
    if not 1 <= maxrecords <= MAX_RECORDS:
        raise ValueError(f"maxrecords must be 1..{MAX_RECORDS}")
    last = max(window.start, window.end - timedelta(seconds=1))
    params = {
        "query": query,
        "mode": "artlist",
        "format": "json",
        "maxrecords": str(maxrecords),
        "startdatetime": gdelt_time(window.start),
        "enddatetime": gdelt_time(last),
        "sort": sort,
    }
    return f"{endpoint}?{urlencode(params, quote_via=quote)}"


def split_window(start: datetime, end: datetime) -> tuple[Window, Window]:
    """Two halves of [start, end), split on a whole second (GDELT's resolution)."""
    window = Window(start, end)
    middle = window.start + window.span / 2
    middle = middle.replace(microsecond=0)
    if not window.start < middle < window.end:
        raise ValueError("window too short to split")
    return Window(window.start, middle), Window(middle, window.end)


COMPLETE, SPLIT, TRUNCATED = "complete", "split", "truncated"


@dataclass
class PlanReport:
    """What a query's windows came to: nothing here is silent."""

    complete: list[Window] = field(default_factory=list)
    truncated: list[Window] = field(default_factory=list)   # full even at the minimum window: coverage cut
    failed: list[tuple[Window, str]] = field(default_factory=list)
    splits: int = 0
    requests: int = 0


class WindowPlanner:
    """Decides which windows of one query to ask for, from the counts they returned.

    The range is clamped to start no earlier than `EARLIEST` (GDELT has nothing before).

    Pure and clock-free: the caller asks `next_window()`, fetches it, and tells
    `record(window, returned)` how many entries the answer held (all of them, bad ones
    included: the cap counts entries, not usable ones). A window that returned fewer than
    `maxrecords` is complete; a full one is split in two, unless it is no longer than
    `min_window`, in which case it is kept as *truncated* in the report. A window that
    could not be fetched at all is recorded with `failed(window, reason)`.
    """

    def __init__(self, start: datetime, end: datetime, *, maxrecords: int = MAX_RECORDS,
                 min_window: timedelta = MIN_WINDOW, initial_span: timedelta | None = None) -> None:
        whole = Window(max(start, EARLIEST), end) if end > EARLIEST else Window(start, end)
        if min_window <= timedelta(0):
            raise ValueError("min_window must be positive")
        self.maxrecords = maxrecords
        self.min_window = min_window
        self.report = PlanReport()
        self._pending: deque[Window] = deque(_chunks(whole, initial_span))
        self._in_flight: set[Window] = set()

    def next_window(self) -> Window | None:
        """The next window to fetch (earliest first), or None when none is waiting."""
        if not self._pending:
            return None
        window = self._pending.popleft()
        self._in_flight.add(window)
        return window

    def record(self, window: Window, returned: int) -> str:
        """COMPLETE, SPLIT (its halves are queued first) or TRUNCATED."""
        self._settle(window)
        self.report.requests += 1
        if returned < self.maxrecords:
            self.report.complete.append(window)
            return COMPLETE
        if window.span <= self.min_window:
            self.report.truncated.append(window)
            return TRUNCATED
        try:
            first, second = split_window(window.start, window.end)
        except ValueError:
            self.report.truncated.append(window)
            return TRUNCATED
        self._pending.extendleft((second, first))
        self.report.splits += 1
        return SPLIT

    def failed(self, window: Window, reason: str) -> None:
        """A window given up on (retries spent, query rejected): reported, not retried."""
        self._settle(window)
        self.report.requests += 1
        self.report.failed.append((window, reason))

    @property
    def done(self) -> bool:
        return not self._pending and not self._in_flight

    @property
    def waiting(self) -> int:
        """Windows handed out and not recorded, plus those queued (a split adds two)."""
        return len(self._pending) + len(self._in_flight)

    def _settle(self, window: Window) -> None:
        if window not in self._in_flight:
            raise ValueError(f"window {window} was not handed out by this planner (or was already recorded)")
        self._in_flight.discard(window)


def _chunks(whole: Window, span: timedelta | None) -> list[Window]:
    if span is None or span >= whole.span:
        return [whole]
    if span <= timedelta(0):
        raise ValueError("initial_span must be positive")
    windows, start = [], whole.start
    while start < whole.end:
        end = min(start + span, whole.end)
        windows.append(Window(start, end))
        start = end
    return windows


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class GdeltArticle:
    """One artlist entry. `seen` is GDELT's discovery time, not the publication date."""

    url: str
    title: str
    seen: datetime
    domain: str
    language: str
    source_country: str


@dataclass(frozen=True)
class ArtList:
    """A parsed artlist answer: `returned` entries came back, `skipped` of them unusable."""

    articles: tuple[GdeltArticle, ...]
    returned: int
    skipped: int


def parse_seendate(value: object) -> datetime | None:
    """'20200406T120000Z' -> aware UTC datetime; None when it is not that form."""
    if not isinstance(value, str):
        return None
    match = _SEENDATE.match(value.strip())
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_artlist(body: bytes, content_type: str | None = None) -> ArtList:
    """An artlist JSON answer as values; entries without a usable url or seendate are skipped and counted.

    Raises EmptyBody, RateLimited (GDELT's rate-limit text), QueryRejected (its
    query-error text: retrying cannot help), NotJson (an HTML page or other text) or
    MalformedJson. `{}` -- GDELT's answer when nothing matches -- is an empty list.
    """
    text = body.decode("utf-8", "replace").lstrip("\ufeff").strip()
    if not text:
        raise EmptyBody(SERVICE, "empty answer")
    if not text.startswith("{"):
        snippet = snippet_of(body)
        if _RATE_LIMIT.search(text[:2000]):
            raise RateLimited(SERVICE, "rate limited", snippet)
        if not text.startswith("<") and _QUERY_ERROR.search(text[:2000]):
            raise QueryRejected(SERVICE, "query refused", snippet)
        raise NotJson(SERVICE, f"not JSON ({content_type or 'no content type'})", snippet)
    try:
        data = json.loads(text, strict=False)  # GDELT titles sometimes carry raw control characters
    except ValueError as exc:
        raise MalformedJson(SERVICE, f"invalid JSON: {exc}", snippet_of(body)) from None
    if not isinstance(data, dict):
        raise MalformedJson(SERVICE, "expected a JSON object")
    entries = data.get("articles", [])
    if not isinstance(entries, list):
        raise MalformedJson(SERVICE, "'articles' is not a list")
    articles, skipped = [], 0
    for entry in entries:
        article = _article(entry)
        if article is None:
            skipped += 1
        else:
            articles.append(article)
    return ArtList(tuple(articles), len(entries), skipped)


def _article(entry: object) -> GdeltArticle | None:
    if not isinstance(entry, dict):
        return None
    url = clean_url(entry.get("url"))
    seen = parse_seendate(entry.get("seendate"))
    if url is None or seen is None:
        return None
    return GdeltArticle(url, _text(entry.get("title")), seen, _text(entry.get("domain")).lower(),
                        _text(entry.get("language")), _text(entry.get("sourcecountry")))


def _text(value: object, limit: int = 500) -> str:
    """A short one-line string from an untrusted field ('' for anything else)."""
    if not isinstance(value, str):
        return ""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())[:limit]
