"""The watchlist: WHAT the matcher looks for, read from watchlist.toml.

Everything specific to one documentary (titles, names, case facts, homonym markers,
weights) lives in the TOML so that the next documentary needs no code change. This
module only validates that file strictly -- unknown keys are errors, so a typo such as
`aliasses` is reported instead of silently ignored -- and compiles the terms once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from scraper.config import read_toml_with_source
from scraper.errors import ConfigError
from scraper.match.text import Tag, TermIndex, term_tokens

# Tag categories (see scraper.match.engine for how each is weighed).
ALIAS, CONTEXT, PREMISE, FACT, EXCLUSION, ROLE, WEAK_EXCLUSION, FUZZY_IGNORE = (
    "alias", "context", "premise", "fact", "exclusion", "role", "weak_exclusion", "fuzzy_ignore",
)
# Alias strengths.
FULL, WEAK, SHORT = "full", "weak", "short"
# Words that join names in a list ("A, B and C"), used to spot a garbled name in a list.
LIST_WORDS = ("and", "&", "or", "et", "ou", "y", "e", "o", "und", "oder")
# Entry owners: the documentary is owner 0, people 1..n, supporting entities after them.
DOC = 0


@dataclass(frozen=True)
class Scoring:
    """Weights and thresholds ([scoring] in the TOML); see docs/relevance.md."""

    threshold: float = 0.25
    near_window: int = 150
    weak_alias_window: int = 1500
    appositive_chars: int = 70
    link_weight: float = 3.0
    fact_weight: float = 2.0
    context_weight: float = 1.0
    context_cap: int = 3
    exclusion_weight: float = 2.0
    near_exclusion_weight: float = 3.0
    min_support: float = 4.0
    min_facts_without_link: int = 2
    fuzzy_min_exact: int = 2
    fuzzy_min_intact: int = 3
    fuzzy_min_repeats: int = 2
    fuzzy_title_alone_intact: int = 5
    lead_chars: int = 500
    weight_entries: float = 0.5
    weight_mentions: float = 0.2
    weight_placement: float = 0.2
    weight_supporting: float = 0.1
    mention_cap: int = 8
    supporting_cap: int = 2


@dataclass(frozen=True)
class Documentary:
    """The documentary itself; `weak_aliases` count only with `support` nearby."""

    name: str
    aliases: tuple[str, ...]
    weak_aliases: tuple[str, ...]
    support: tuple[str, ...]
    weak_alias_exclusions: tuple[str, ...]
    fuzzy_ignore: tuple[str, ...]
    network: str
    premise: tuple[str, ...]
    search_queries: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    """A featured person; a mention counts only with context and no homonym markers."""

    name: str
    aliases: tuple[str, ...]
    short_aliases: tuple[str, ...]
    places: tuple[str, ...]
    facts: tuple[str, ...]
    exclusions: tuple[str, ...]
    search_queries: tuple[str, ...]


@dataclass(frozen=True)
class Supporting:
    """Someone or something that raises confidence but never makes an article relevant."""

    name: str
    aliases: tuple[str, ...]
    case_sensitive: bool
    note: str


@dataclass
class Watchlist:
    """A loaded watchlist with its terms compiled for matching."""

    path: str
    title: str
    documentary: Documentary
    people: tuple[Person, ...]
    supporting: tuple[Supporting, ...]
    roles: tuple[str, ...]
    context: dict[str, tuple[str, ...]]
    list_words: tuple[str, ...]
    scoring: Scoring

    def __post_init__(self) -> None:
        self.index = _build_index(self)
        self._by_form = _name_forms(self)

    def entry_name(self, owner: int) -> str:
        """Canonical name of entry number `owner` (documentary, people, supporting)."""
        if owner == DOC:
            return self.documentary.name
        if owner <= len(self.people):
            return self.people[owner - 1].name
        return self.supporting[owner - 1 - len(self.people)].name

    def entry_names(self) -> list[str]:
        """Canonical names: the documentary, the people, then supporting entities."""
        return [self.documentary.name, *(p.name for p in self.people), *(s.name for s in self.supporting)]

    def resolve_name(self, name: str) -> str | None:
        """The canonical name for a name or alias as a user types it ("sheppard",
        "Kim Kardashian"), ignoring case, accents and punctuation; None if unknown."""
        return self._by_form.get(term_tokens(name)[0])

    def supporting_owner(self, name: str) -> int:
        return 1 + len(self.people) + [s.name for s in self.supporting].index(name)

    def search_queries(self) -> list[str]:
        """Site-search queries: the documentary's, then each person's, duplicates dropped."""
        queries = list(self.documentary.search_queries)
        for person in self.people:
            queries.extend(person.search_queries)
        return list(dict.fromkeys(q for q in queries if q.strip()))


def _name_forms(wl: Watchlist) -> dict[tuple[str, ...], str]:
    """Every name form -> canonical name; full names win over short forms."""
    doc = wl.documentary
    groups: list[tuple[str, tuple[str, ...]]] = [(doc.name, (doc.name, *doc.aliases, *doc.weak_aliases))]
    groups += [(p.name, (p.name, *p.aliases)) for p in wl.people]
    groups += [(s.name, (s.name, *s.aliases)) for s in wl.supporting]
    groups += [(p.name, p.short_aliases) for p in wl.people]
    forms: dict[tuple[str, ...], str] = {}
    for canonical, names in groups:
        for name in names:
            forms.setdefault(term_tokens(name)[0], canonical)
    return forms


def _build_index(wl: Watchlist) -> TermIndex:
    """Register every term with what it means; done once, reused for every article."""
    index = TermIndex()
    doc = wl.documentary
    for name in (doc.name, *doc.aliases):
        index.add(name, Tag(ALIAS, DOC, FULL))
    for name in doc.weak_aliases:
        index.add(name, Tag(ALIAS, DOC, WEAK))
    for word in doc.weak_alias_exclusions:
        index.add(word, Tag(WEAK_EXCLUSION))
    for word in doc.fuzzy_ignore:
        index.add(word, Tag(FUZZY_IGNORE))
    for word in doc.premise:
        index.add(word, Tag(PREMISE))
    for i, person in enumerate(wl.people, start=1):
        for name in (person.name, *person.aliases):
            index.add(name, Tag(ALIAS, i, FULL))
        for name in person.short_aliases:
            index.add(name, Tag(ALIAS, i, SHORT))
        for word in (*person.places, *person.facts):
            index.add(word, Tag(FACT, i))
        for word in person.exclusions:
            index.add(word, Tag(EXCLUSION, i))
    for j, entity in enumerate(wl.supporting, start=1 + len(wl.people)):
        for name in (entity.name, *entity.aliases):
            index.add(name, Tag(ALIAS, j, FULL), case_sensitive=entity.case_sensitive)
    for word in wl.roles:
        index.add(word, Tag(ROLE))
    for lang, words in wl.context.items():
        for word in words:
            index.add(word, Tag(CONTEXT, -1, lang))
    index.freeze()
    return index


# --------------------------------------------------------------------------- loading


def load_watchlist(path: str | Path) -> Watchlist:
    """Read and validate a watchlist TOML file.

    Raises ConfigError naming the file, and the line where it can be found: tomllib's
    own "(at line N, column M)" for malformed TOML, the table's header line for a
    missing or invalid key.
    """
    path = Path(path)
    data, source = read_toml_with_source(path)
    return _Parser(path, source).watchlist(data)


class _Parser:
    """Turns the parsed TOML into dataclasses, with messages that point at the table."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {message}")

    def where(self, header: str, nth: int = 0) -> str:
        """'[[person]] #2 (line 40)': the table's header line, for error messages."""
        pattern = re.compile(r"^\s*\[+\s*" + re.escape(header) + r"\s*\]+")
        found = [n for n, line in enumerate(self.lines, start=1) if pattern.match(line)]
        label = f"[[{header}]] #{nth + 1}" if header in ("person", "supporting") else f"[{header}]"
        return f"{label} (line {found[nth]})" if nth < len(found) else label

    def watchlist(self, data: dict[str, Any]) -> Watchlist:
        self.check_keys(data, {"watchlist", "scoring", "documentary", "people", "person", "supporting"},
                        "top level")
        meta = self.table(data, "watchlist", required=False)
        self.check_keys(meta, {"name", "description"}, self.where("watchlist"))
        doc = self.documentary(self.table(data, "documentary", required=True))
        people_defaults = self.table(data, "people", required=False)
        roles, context, list_words = self.people_defaults(people_defaults)
        people = tuple(self.person(raw, n) for n, raw in enumerate(self.array(data, "person")))
        supporting = tuple(self.supporting(raw, n) for n, raw in enumerate(self.array(data, "supporting")))
        self.check_references(doc, people, supporting)
        scoring = self.scoring(self.table(data, "scoring", required=False))
        title = self.string(meta, "name", self.where("watchlist"), default=doc.name)
        return Watchlist(str(self.path), title, doc, people, supporting, roles, context, list_words, scoring)

    # -- tables

    def table(self, data: dict, key: str, required: bool) -> dict:
        value = data.get(key)
        if value is None:
            if required:
                raise self.fail("top level", f"missing required table [{key}]")
            return {}
        if not isinstance(value, dict):
            raise self.fail("top level", f"[{key}] must be a table, got {type(value).__name__}")
        return value

    def array(self, data: dict, key: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail("top level", f"'{key}' must be an array of tables: write [[{key}]]")
        return value

    def documentary(self, raw: dict) -> Documentary:
        where = self.where("documentary")
        self.check_keys(raw, {f.name for f in fields(Documentary)} | {"premiered"}, where)
        return Documentary(
            name=self.string(raw, "name", where),
            aliases=self.strings(raw, "aliases", where),
            weak_aliases=self.strings(raw, "weak_aliases", where),
            support=self.strings(raw, "support", where),
            weak_alias_exclusions=self.strings(raw, "weak_alias_exclusions", where),
            fuzzy_ignore=self.strings(raw, "fuzzy_ignore", where),
            network=self.string(raw, "network", where) if "network" in raw else "",
            premise=self.strings(raw, "premise", where),
            search_queries=self.strings(raw, "search_queries", where, terms=False),
        )

    def people_defaults(self, raw: dict) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], tuple[str, ...]]:
        where = self.where("people")
        self.check_keys(raw, {"roles", "context", "list_words"}, where)
        context_raw = raw.get("context", {})
        if not isinstance(context_raw, dict):
            raise self.fail(where, "'context' must be a table of language = [words]")
        context = {lang: self.strings(context_raw, lang, f"{where} context") for lang in context_raw}
        list_words = self.strings(raw, "list_words", where, default=LIST_WORDS, terms=False)
        return self.strings(raw, "roles", where), context, tuple(w.lower() for w in list_words)

    def person(self, raw: dict, n: int) -> Person:
        where = self.where("person", n)
        self.check_keys(raw, {f.name for f in fields(Person)}, where)
        name = self.string(raw, "name", where)
        where = f"{where} {name!r}"
        return Person(
            name=name,
            aliases=self.strings(raw, "aliases", where),
            short_aliases=self.strings(raw, "short_aliases", where),
            places=self.strings(raw, "places", where),
            facts=self.strings(raw, "facts", where),
            exclusions=self.strings(raw, "exclusions", where),
            search_queries=self.strings(raw, "search_queries", where, default=(name,), terms=False),
        )

    def supporting(self, raw: dict, n: int) -> Supporting:
        where = self.where("supporting", n)
        self.check_keys(raw, {f.name for f in fields(Supporting)}, where)
        case_sensitive = raw.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            raise self.fail(where, "'case_sensitive' must be true or false")
        return Supporting(
            name=self.string(raw, "name", where),
            aliases=self.strings(raw, "aliases", where),
            case_sensitive=case_sensitive,
            note=self.string(raw, "note", where) if "note" in raw else "",
        )

    def scoring(self, raw: dict) -> Scoring:
        where = self.where("scoring")
        defaults = Scoring()
        self.check_keys(raw, {f.name for f in fields(Scoring)}, where)
        values: dict[str, float | int] = {}
        for f in fields(Scoring):
            default = getattr(defaults, f.name)
            value = raw.get(f.name, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise self.fail(where, f"{f.name!r} must be a number >= 0, got {value!r}")
            if isinstance(default, int) and not isinstance(value, int):
                raise self.fail(where, f"{f.name!r} must be a whole number, got {value!r}")
            values[f.name] = value
        if not 0 <= values["threshold"] <= 1:
            raise self.fail(where, "'threshold' must be between 0 and 1")
        return Scoring(**values)  # type: ignore[arg-type]

    def check_references(self, doc: Documentary, people: tuple, supporting: tuple) -> None:
        known = {s.name for s in supporting}
        for name in doc.support:
            if name not in known:
                raise self.fail(self.where("documentary"),
                                f"'support' names {name!r}, which is not a [[supporting]] entry")
        names = [doc.name, *(p.name for p in people), *(s.name for s in supporting)]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise self.fail("entries", f"duplicate canonical name(s): {', '.join(sorted(dupes))}")

    # -- values

    def check_keys(self, raw: dict, allowed: set[str], where: str) -> None:
        """Reject unknown keys (usually typos), pointing at the line of the first one."""
        unknown = sorted(set(raw) - allowed)
        if unknown:
            key = re.compile(r"^\s*\[*\s*[\"']?" + re.escape(unknown[0]) + r"[\"']?\s*[=\]]")
            line = next((n for n, text in enumerate(self.lines, start=1) if key.match(text)), None)
            at = f" (line {line})" if line else ""
            raise self.fail(where, f"unknown key(s) {', '.join(map(repr, unknown))}{at}; "
                                   f"allowed: {', '.join(sorted(allowed))}")

    def string(self, raw: dict, key: str, where: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if value is None:
            raise self.fail(where, f"missing required key {key!r}")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key!r} must be a non-empty string, got {value!r}")
        return value.strip()

    def strings(self, raw: dict, key: str, where: str, default: tuple[str, ...] = (),
                terms: bool = True) -> tuple[str, ...]:
        """A list of strings; with `terms`, each must be a matchable term (has letters)."""
        value = raw.get(key, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, f"{key!r} must be a list of non-empty strings, got {value!r}")
        for term in value if terms else ():
            self.check_term(term, f"{where} {key}")
        return tuple(v.strip() for v in value)

    def check_term(self, term: str, where: str) -> None:
        probe = TermIndex()
        try:
            probe.add(term, Tag(ALIAS))
        except ValueError as exc:
            raise self.fail(where, str(exc)) from None
