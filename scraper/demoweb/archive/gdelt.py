"""A GDELT-like DOC 2.0 API (artlist, JSON) over an in-memory list of entries.

It answers like the real service where a client can go wrong: at most `maxrecords`
(250) articles sorted by seendate, ``{}`` when nothing matches, and a line of text
under HTTP 200 for a query the real API refuses (OR'd terms outside parentheses, a
quoted phrase under 5 characters, a keyword under 3). With `min_interval` set it also
answers a too-early request with 429, as GDELT does to clients faster than its limit.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from scraper.demoweb.archive.base import Faults, ReplicaServer, Reply
from scraper.demoweb.archive.dataset import GdeltEntry, fold

API_PATH = "/api/v2/doc/doc"
MAX_RECORDS = 250
DEFAULT_RECORDS = 75
TEXT = "text/html; charset=utf-8"   # GDELT labels its plain-text errors as HTML
RATE_TEXT = b"Please limit requests to one every 5 seconds or contact the project for larger queries.\n"


class QueryError(ValueError):
    """A query the real API would refuse; the message is the line of text it answers."""


class _Term:
    def __init__(self, words: list[str], negated: bool = False, field: str = "") -> None:
        self.words, self.negated, self.field = words, negated, field

    def hit(self, entry: GdeltEntry, words: list[str], vocabulary: set[str]) -> bool:
        if self.field in ("domain", "domainis"):
            value = " ".join(self.words)
            found = entry.site == value or (self.field == "domain" and entry.site.endswith("." + value))
        elif self.field == "sourcelang":
            found = fold(entry.language) == self.words
        elif self.field == "sourcecountry":
            found = fold(entry.source_country.replace(" ", "")) == self.words
        elif len(self.words) == 1:
            found = self.words[0] in vocabulary
        else:
            n = len(self.words)
            found = any(words[i:i + n] == self.words for i in range(len(words) - n + 1))
        return found != self.negated


_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<neg>-)?(?:(?P<field>[a-z]+):)?"(?P<phrase>[^"]*)"|'
                    r'(?P<word>[^\s()"]+))')


def parse_query(query: str) -> list[list[_Term]]:
    """The query as AND-ed groups of OR-ed terms, or QueryError with the real API's kind of message."""
    if not query.strip():
        raise QueryError("Please specify a search query.")
    groups: list[list[_Term]] = []
    position, depth, current, expect_or = 0, 0, [], False
    while position < len(query):
        match = _TOKEN.match(query, position)
        if not match or match.end() == position:
            if query[position:].strip():
                raise QueryError("Your query contained unrecognized syntax.")
            break
        position = match.end()
        if match.group("lp"):
            if depth:
                raise QueryError("Nested parentheses are not supported.")
            depth, current, expect_or = 1, [], False
        elif match.group("rp"):
            if not depth or not current:
                raise QueryError("Your query contained unbalanced parentheses.")
            depth = 0
            groups.append(current)
        elif match.group("word") == "OR":
            if not depth:
                raise QueryError("Queries containing OR'd terms must be surrounded by ().")
            expect_or = False
        else:
            term = _term(match)
            if depth:
                if expect_or:
                    raise QueryError("Terms inside parentheses must be OR'd.")
                current.append(term)
                expect_or = True
            else:
                groups.append([term])
    if depth:
        raise QueryError("Your query contained unbalanced parentheses.")
    return groups


def _term(match: re.Match) -> _Term:
    phrase, word = match.group("phrase"), match.group("word")
    field, negated = match.group("field") or "", bool(match.group("neg"))
    if word is not None:
        negated = word.startswith("-")
        word = word.lstrip("-")
        if ":" in word:
            field, _, word = word.partition(":")
        if field:
            return _Term([word.lower()] if field.startswith("domain") else fold(word), negated, field.lower())
        if len(word) < 3:
            raise QueryError("The specified keyword is too short.")
        return _Term(fold(word), negated)
    if field:
        return _Term([phrase.lower()] if field.startswith("domain") else fold(phrase), negated, field.lower())
    if len(phrase) < 5:
        raise QueryError("The specified phrase is too short.")
    return _Term(fold(phrase), negated)


def matches(groups: list[list[_Term]], entry: GdeltEntry) -> bool:
    words = fold(entry.title + " " + entry.text)
    vocabulary = set(words)
    return all(any(term.hit(entry, words, vocabulary) for term in group) for group in groups)


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{14}", value):
        raise QueryError("Invalid STARTDATETIME or ENDDATETIME: use YYYYMMDDHHMMSS.")
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise QueryError("Invalid STARTDATETIME or ENDDATETIME: use YYYYMMDDHHMMSS.") from None


class GdeltReplica(ReplicaServer):
    """``{base_url}/api/v2/doc/doc``: the DOC 2.0 artlist over `entries`."""

    name = "gdelt"

    def __init__(self, entries: Iterable[GdeltEntry], faults: Faults | None = None, min_interval: float = 0.0,
                 host: str = "127.0.0.1", max_seconds: float = 600) -> None:
        self.entries = list(entries)
        self.min_interval = min_interval
        self._last: float | None = None
        self._pace_lock = threading.Lock()
        super().__init__(faults, host, max_seconds)

    @property
    def endpoint(self) -> str:
        return self.base_url + API_PATH

    def fault_for(self, path: str) -> Reply | None:
        with self._pace_lock:
            now = time.monotonic()
            early = self._last is not None and now - self._last < self.min_interval
            self._last = now
        if early:
            return Reply(429, RATE_TEXT, "text/plain; charset=utf-8", {"Retry-After": str(int(self.min_interval) + 1)})
        return super().fault_for(path)

    def route(self, path: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(path)
        if parts.path != API_PATH:
            return Reply(404, b"Not Found\n")
        params = {k.lower(): v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            return self._artlist(params)
        except QueryError as exc:
            return Reply(200, (str(exc) + "\n").encode(), TEXT)

    def _artlist(self, params: dict[str, str]) -> Reply:
        if params.get("mode", "").lower() != "artlist":
            raise QueryError("This replica only answers MODE=ArtList.")
        if params.get("format", "").lower() != "json":
            raise QueryError("This replica only answers FORMAT=JSON.")
        groups = parse_query(params.get("query", ""))
        start, end = _when(params.get("startdatetime")), _when(params.get("enddatetime"))
        try:
            limit = min(MAX_RECORDS, max(1, int(params.get("maxrecords", DEFAULT_RECORDS))))
        except ValueError:
            raise QueryError("Invalid MAXRECORDS.") from None
        found = [e for e in self.entries
                 if (start is None or e.seen >= start) and (end is None or e.seen <= end) and matches(groups, e)]
        found.sort(key=lambda e: (e.seen, e.url), reverse=params.get("sort", "").lower() != "dateasc")
        if not found:
            return Reply(200, b"{}", "application/json; charset=utf-8")
        articles = [{
            "url": e.url, "url_mobile": "", "title": e.title, "seendate": e.seendate, "socialimage": "",
            "domain": e.site, "language": e.language, "sourcecountry": e.source_country,
        } for e in found[:limit]]
        return Reply(200, json.dumps({"articles": articles}, ensure_ascii=False).encode(),
                     "application/json; charset=utf-8")
