"""Decide which watchlist entries an article covers, and how strongly.

The order of decisions mirrors how a careful reader works:

1. find every watchlist term (names, context words, homonym markers) in one scan;
2. the documentary counts with its full title, or with a short title ("The Justice
   Project") when one of its `support` entities (Kardashian, Oxygen) or an accepted
   featured person is nearby -- a legal-aid group of the same name has neither;
3. a featured person counts only with support that a homonym lacks: a link to the
   documentary (its title, another featured person, a supporting entity) or, with no
   link, enough case facts (e.g. "Pennsylvania" + "felony murder"); a title or job
   right next to the name ("District Attorney David Sheppard") or homonym markers
   that outweigh the support ("cricketer", "bishop") mean someone else;
4. reworded copies -- a title or name with one word replaced ("The Justice Mission",
   "Daybreak Jackson") -- are recognised only behind strong evidence: several entries
   named exactly plus a support entity, or a garbled full title that keeps all but
   one word next to a support entity; a garbled name must also be listed with an
   exact featured name or come with the case's facts. Fuzzy rules therefore cannot
   invent mentions in unrelated text;
5. surname-only mentions ("Sheppard") are added after the person's first full mention;
6. relevance is computed by the formula in `relevance()` (docs/relevance.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from scraper.match.text import Doc, Hit, Tag, Term, term_tokens
from scraper.match.watchlist import (
    ALIAS,
    CONTEXT,
    DOC,
    EXCLUSION,
    FACT,
    FULL,
    FUZZY_IGNORE,
    PREMISE,
    ROLE,
    SHORT,
    WEAK,
    WEAK_EXCLUSION,
    Scoring,
    Watchlist,
)

SNIPPET_CHARS = 200
FUZZY = "fuzzy"
# Appositives: ", the county prosecutor," is read for a job title; relative clauses
# (", who ...") are not, because they tell what happened to the person.
APPOSITIVE_WORDS = 6
RELATIVE_WORDS = frozenset({
    "who", "whose", "whom", "which", "that", "qui", "que", "dont", "lequel", "laquelle",
    "quien", "quienes", "cuyo", "cuya", "dessen", "deren", "welcher", "welche",
})
_CLAUSE_END = frozenset(".;:!?()\n")


@dataclass
class Mention:
    """Evidence that an article names one watchlist entry."""

    entry: str
    kind: str  # documentary | person | supporting
    count: int
    terms: list[str]
    snippet: str
    positions: list[list[int]]


@dataclass
class MatchResult:
    """The verdict for one article; `rejected` says why a found name did not count."""

    relevant: bool
    relevance: float
    matched: list[str]
    mentions: list[Mention]
    rejected: dict[str, str] = field(default_factory=dict)


def match_article(title: str, text: str, watchlist: Watchlist, language: str | None = None) -> MatchResult:
    """Match one article (pure). Offsets refer to `title + "\\n\\n" + text`."""
    ev = _Evidence(watchlist, Doc.parse(f"{title or ''}\n\n{text or ''}"), language)
    primary: dict[int, list[Hit]] = {}
    rejected: dict[str, str] = {}
    doc_hits, _ = ev.documentary(people=[])
    if doc_hits:
        primary[DOC] = doc_hits
    for i in ev.people_owners:
        hits, why = ev.judge_person(i, ev.aliases(i, FULL), link_doc=bool(doc_hits))
        _record(primary, rejected, watchlist, i, hits, why)
    if DOC not in primary:
        doc_hits, why = ev.documentary(people=[h for hits in primary.values() for h in hits])
        _record(primary, rejected, watchlist, DOC, doc_hits, why)
    _add_fuzzy(ev, primary, rejected)
    _add_short_aliases(ev, primary)
    return _result(ev, primary, rejected, len(title or ""))


def _record(primary: dict[int, list[Hit]], rejected: dict[str, str], wl: Watchlist, owner: int,
            hits: list[Hit], why: str) -> None:
    if hits:
        primary[owner] = hits
        rejected.pop(wl.entry_name(owner), None)
    elif why:
        rejected[wl.entry_name(owner)] = why


class _Evidence:
    """Every term found in one article, grouped by meaning, plus the judging rules."""

    def __init__(self, wl: Watchlist, doc: Doc, language: str | None) -> None:
        self.wl, self.doc, self.sc = wl, doc, wl.scoring
        self.people_owners = range(1, len(wl.people) + 1)
        self.support_owners = {wl.supporting_owner(n) for n in wl.documentary.support}
        lang = (language or "").replace("_", "-").split("-")[0].lower()  # "fr-CA" -> "fr"
        langs = {lang, "en"} if lang in wl.context else set(wl.context)
        self.by_alias: dict[tuple[int, str], list[Hit]] = {}
        self.features: dict[tuple[str, int], list[Hit]] = {}
        hits = wl.index.scan(doc)
        for hit in _longest_first([h for h in hits if _has(h, ALIAS)]):
            for tag in hit.tags:
                if tag.category == ALIAS:
                    self.by_alias.setdefault((tag.owner, tag.detail), []).append(hit)
        for hit in hits:
            for tag in hit.tags:
                if tag.category != ALIAS and (tag.category != CONTEXT or tag.detail in langs):
                    self.features.setdefault((tag.category, tag.owner), []).append(hit)

    def aliases(self, owner: int, strength: str) -> list[Hit]:
        return self.by_alias.get((owner, strength), [])

    def feature(self, category: str, owner: int = -1) -> list[Hit]:
        return self.features.get((category, owner), [])

    def supporting_hits(self, owners: set[int] | None = None) -> list[Hit]:
        first = 1 + len(self.wl.people)
        wanted = owners if owners is not None else range(first, first + len(self.wl.supporting))
        return [h for o in wanted for h in self.aliases(o, FULL)]

    # -- documentary

    def documentary(self, people: list[Hit]) -> tuple[list[Hit], str]:
        """Full-title mentions, plus short-title mentions with support nearby (a
        `support` entity or an accepted featured person) and no sign of another
        organisation of the same name next to them."""
        full, weak = self.aliases(DOC, FULL), self.aliases(DOC, WEAK)
        if full:
            return _sorted(full + weak), ""
        anchors = self.supporting_hits(self.support_owners or None) + people
        supported = [h for h in weak if _near(h, anchors, self.sc.weak_alias_window)]
        others = self.feature(WEAK_EXCLUSION)
        kept = [h for h in supported if not _near(h, others, self.sc.near_window)]
        if kept or not weak:
            return kept, ""
        if supported:
            return [], f"{weak[0].term.text!r} next to {_distinct(others)[0]!r}: another organisation"
        return [], f"{weak[0].term.text!r} with no {' / '.join(self.wl.documentary.support)} nearby"

    # -- people

    def judge_person(self, i: int, hits: list[Hit], link_doc: bool) -> tuple[list[Hit], str]:
        """Accept the person's mentions, or return why they look like someone else."""
        if not hits:
            return [], ""
        role = self.role_next_to(hits)
        if role:
            return [], f"{role!r} next to the name: a different person"
        sc = self.sc
        link = link_doc or self.other_person_named(i) or bool(self.supporting_hits())
        facts = _distinct(self.feature(FACT, i))
        context = _distinct(self.feature(CONTEXT) + self.feature(PREMISE))
        excluded = _distinct(self.feature(EXCLUSION, i))
        near = _distinct([h for h in self.feature(EXCLUSION, i) if _near(h, hits, sc.near_window)])
        support = (sc.link_weight * link + sc.fact_weight * len(facts)
                   + sc.context_weight * min(len(context), sc.context_cap))
        against = sc.exclusion_weight * len(excluded) + sc.near_exclusion_weight * len(near)
        if near and not link:
            return [], f"homonym markers next to the name ({', '.join(near)}) and no link to the documentary"
        if not link and len(facts) < sc.min_facts_without_link:
            return [], (f"no link to the documentary or the other cases, and {len(facts)} case fact(s) "
                        f"(needs {sc.min_facts_without_link})")
        if support < sc.min_support or against >= support:
            markers = f"homonym markers {', '.join(excluded)} " if excluded else ""
            return [], f"{markers}weigh {against:g} against support {support:g} (needs {sc.min_support:g}+)"
        return hits, ""

    def role_next_to(self, hits: list[Hit]) -> str:
        """A job title just before the name, or in an appositive just after it."""
        roles = self.feature(ROLE)
        if not roles:
            return ""
        ends = {r.last: r for r in roles}
        for hit in hits:
            before = ends.get(hit.first - 1)
            if before is not None and self.doc.gap(hit.first).strip() in ("", ","):
                return before.term.text
            words = self._appositive_words(hit)
            for r in roles:
                if r.first in words:
                    return r.term.text
        return ""

    def _appositive_words(self, hit: Hit) -> range:
        """Token indices of ", the county's top prosecutor," right after a name: the
        first APPOSITIVE_WORDS words after a comma, up to the clause's end. Relative
        clauses (", who shot an officer") describe the person, not their job."""
        doc, k = self.doc, hit.last + 1
        if k >= len(doc.folded) or doc.gap(k).strip() != "," or doc.folded[k] in RELATIVE_WORDS:
            return range(0)
        limit = doc.ends[hit.last] + self.sc.appositive_chars
        stop = k
        while (stop < len(doc.folded) and stop - k < APPOSITIVE_WORDS and doc.starts[stop] < limit
               and (stop == k or _CLAUSE_END.isdisjoint(doc.gap(stop)))):
            stop += 1
        return range(k, stop)

    def other_person_named(self, i: int) -> bool:
        return any(self.aliases(j, FULL) for j in self.people_owners if j != i)

    # -- reworded copies

    def fuzzy_allowed(self, primary: dict[int, list[Hit]]) -> bool:
        """Strong exact evidence: enough entries named exactly, and a support entity."""
        exact = sum(1 for hits in primary.values() if hits and hits[0].tags[0].detail != FUZZY)
        return exact >= self.sc.fuzzy_min_exact and self.has_support()

    def has_support(self) -> bool:
        return bool(self.supporting_hits(self.support_owners or None))

    def variants(self, owner: int, names: tuple[str, ...], last_exact: bool, taken: list[Hit]) -> list[Hit]:
        """Occurrences of a name with exactly one word replaced by another capitalised
        word ("The Justice Mission"), not overlapping names already found."""
        ignore = {t for h in self.feature(FUZZY_IGNORE) for t in self.doc.folded[h.first : h.last + 1]}
        found: list[Hit] = []
        for name in names:
            words = term_tokens(name)[0]
            if len(words) < 2 or (not last_exact and len(words) < 3):
                continue
            for first, last in _one_word_off(self.doc, words, last_exact, ignore):
                start, end = self.doc.starts[first], self.doc.ends[last]
                if not any(_overlaps(start, end, h) for h in taken):
                    found.append(_fuzzy_hit(self.doc, owner, first, last))
        return _longest_first(found)

    def title_variants(self, taken: list[Hit], strong: bool) -> list[Hit]:
        """One-word-off titles. With strong exact evidence, those that keep
        fuzzy_min_intact words ("Kim Kardashian West: The Justice Mission") or recur
        fuzzy_min_repeats times ("The Justice Mission"); without it, only those that
        keep fuzzy_title_alone_intact words, next to a support entity (Oxygen)."""
        if not self.has_support():
            return []
        doc = self.wl.documentary
        found = self.variants(DOC, (doc.name, *doc.aliases, *doc.weak_aliases), False, taken)
        repeats: dict[tuple[str, ...], int] = {}
        for hit in found:
            repeats[hit.term.tokens] = repeats.get(hit.term.tokens, 0) + 1
        if not strong:
            alone = [h for h in found if len(h.term.tokens) - 1 >= self.sc.fuzzy_title_alone_intact]
            outside = [s for s in self.supporting_hits(self.support_owners or None)
                       if not any(_overlaps(s.start, s.end, h) for h in alone)]
            if not alone or not outside:
                return []
            tails = {h.term.tokens[k:] for h in alone for k in range(len(h.term.tokens))}
            return [h for h in found if h.term.tokens in tails]  # "The Justice Mission" too
        return [h for h in found if len(h.term.tokens) - 1 >= self.sc.fuzzy_min_intact
                or repeats[h.term.tokens] >= self.sc.fuzzy_min_repeats]

    def listed_with(self, hit: Hit, others: list[Hit]) -> bool:
        """True if `hit` sits in a list with another name: "X, Alexis Martin and Y"."""
        text, words = self.doc.text, self.wl.list_words
        for other in others:
            a, b = (hit.end, other.start) if other.start >= hit.end else (other.end, hit.start)
            between = text[a:b] if 0 <= b - a <= 12 else "\n"
            rest = between.replace(",", " ").replace(";", " ").split()
            if "\n" not in between and ((not rest and between.strip()) or
                                        (len(rest) == 1 and rest[0].lower() in words)):
                return True
        return False


def _add_fuzzy(ev: _Evidence, primary: dict[int, list[Hit]], rejected: dict[str, str]) -> None:
    """Recognise garbled titles and names, only behind strong evidence: several
    entries named exactly, or a title so close (all words but one of the full
    title) that it is evidence by itself. A garbled name also needs to sit in a list
    with an exact featured name, or the documentary plus the person's case facts."""
    strong = ev.fuzzy_allowed(primary)
    people_taken = [h for o, hits in primary.items() if o != DOC for h in hits]
    if DOC not in primary:
        _record(primary, rejected, ev.wl, DOC, ev.title_variants(people_taken, strong), "")
    if not strong and DOC not in primary:
        return
    taken = [h for hits in primary.values() for h in hits] + ev.supporting_hits()
    for i in ev.people_owners:
        if i in primary or ev.aliases(i, FULL):
            continue
        person = ev.wl.people[i - 1]
        cands = ev.variants(i, (person.name, *person.aliases), last_exact=True, taken=taken)
        facts = len(_distinct(ev.feature(FACT, i))) >= ev.sc.min_facts_without_link
        cands = [h for h in cands if ev.listed_with(h, people_taken) or (DOC in primary and facts)]
        hits, why = ev.judge_person(i, cands, link_doc=DOC in primary)
        _record(primary, rejected, ev.wl, i, hits, why)


def _add_short_aliases(ev: _Evidence, primary: dict[int, list[Hit]]) -> None:
    """Count "Sheppard" after "David Sheppard" was accepted, unless it is part of
    another name ("Michael Jackson", "Jackson Sloan") or inside a name already found."""
    taken = [h for hits in primary.values() for h in hits] + ev.supporting_hits()
    for i in ev.people_owners:
        if i not in primary:
            continue
        first = primary[i][0].start
        extra = [h for h in ev.aliases(i, SHORT) if h.start > first
                 and not any(_overlaps(h.start, h.end, t) for t in taken)
                 and not _part_of_other_name(ev.doc, h)]
        primary[i] = _sorted(primary[i] + extra)


# --------------------------------------------------------------------------- result


def _result(ev: _Evidence, primary: dict[int, list[Hit]], rejected: dict[str, str],
            title_len: int) -> MatchResult:
    wl, text = ev.wl, ev.doc.text
    doc_spans = primary.get(DOC, [])
    mentions: list[Mention] = []
    for owner in sorted(primary):
        kind = "documentary" if owner == DOC else "person"
        mentions.append(_mention(text, wl.entry_name(owner), kind, primary[owner]))
    first_support = 1 + len(wl.people)
    n_supporting = 0
    for owner in range(first_support, first_support + len(wl.supporting)):
        hits = [h for h in ev.aliases(owner, FULL) if not any(_overlaps(h.start, h.end, d) for d in doc_spans)]
        if hits:
            n_supporting += 1
            mentions.append(_mention(text, wl.entry_name(owner), "supporting", hits))
    lead_end = _lead_end(text, title_len, wl.scoring.lead_chars)
    score = relevance(wl.scoring, list(primary.values()), n_supporting, title_len, lead_end)
    return MatchResult(
        relevant=bool(primary) and score > wl.scoring.threshold,
        relevance=score,
        matched=[wl.entry_name(o) for o in sorted(primary)],
        mentions=mentions,
        rejected=rejected,
    )


def relevance(sc: Scoring, entries: list[list[Hit]], n_supporting: int, title_end: int,
              lead_end: int) -> float:
    """How strongly the article is about the watchlist, in 0..1.

    E = documentary/person entries covered, M = their mentions in total,
    P = 1 if one is in the title, 0.5 if one is in the first paragraph, else 0,
    S = distinct supporting entities named. With E = 0 the relevance is 0, else

        w_entries * (1 - 0.5**E) + w_mentions * min(M, mention_cap) / mention_cap
        + w_placement * P + w_supporting * min(S, supporting_cap) / supporting_cap

    Weights and caps come from [scoring]; they sum to 1 in the shipped watchlist.
    A covered entry is worth half the entry weight, each further entry half the rest,
    so one passing mention in the body scores low and a headline about several cases
    scores near 1.
    """
    if not entries:
        return 0.0
    starts = [h.start for hits in entries for h in hits]
    placement = 1.0 if min(starts) < title_end else 0.5 if min(starts) < lead_end else 0.0
    score = (sc.weight_entries * (1 - 0.5 ** len(entries))
             + sc.weight_mentions * min(len(starts), sc.mention_cap) / max(sc.mention_cap, 1)
             + sc.weight_placement * placement
             + sc.weight_supporting * min(n_supporting, sc.supporting_cap) / max(sc.supporting_cap, 1))
    return round(min(1.0, score), 4)


def _lead_end(text: str, title_len: int, lead_chars: int) -> int:
    """End of the first paragraph of the body, at most `lead_chars` long."""
    body = title_len + 2
    para = text.find("\n\n", body)
    return min(para if para >= 0 else len(text), body + lead_chars)


def _mention(text: str, entry: str, kind: str, hits: list[Hit]) -> Mention:
    hits = _sorted(hits)
    terms = list(dict.fromkeys(text[h.start : h.end] for h in hits))
    return Mention(entry, kind, len(hits), terms, snippet(text, hits[0].start, hits[0].end),
                   [[h.start, h.end] for h in hits])


def snippet(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    """About `width` characters around text[start:end], whole words, one space each."""
    pad = max(0, (width - (end - start)) // 2)
    a, b = max(0, start - pad), min(len(text), end + pad)
    if a > 0:
        space = text.find(" ", a, start)
        a = space + 1 if space >= 0 else a
    if b < len(text):
        space = text.rfind(" ", end, b)
        b = space if space >= 0 else b
    core = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + core + ("…" if b < len(text) else "")


# --------------------------------------------------------------------------- helpers


def _has(hit: Hit, category: str) -> bool:
    return any(t.category == category for t in hit.tags)


def _sorted(hits: list[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: (h.start, h.end))


def _overlaps(start: int, end: int, hit: Hit) -> bool:
    return start < hit.end and hit.start < end


def _longest_first(hits: list[Hit]) -> list[Hit]:
    """Non-overlapping hits, preferring the longer one ("Jessica Jackson" over "Jackson")."""
    kept: list[Hit] = []
    taken: set[int] = set()
    for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
        tokens = range(hit.first, hit.last + 1)
        if taken.isdisjoint(tokens):
            kept.append(hit)
            taken.update(tokens)
    return _sorted(kept)


def _near(hit: Hit, others: list[Hit], window: int) -> bool:
    return any(o.start - window <= hit.end and hit.start <= o.end + window for o in others)


def _distinct(hits: list[Hit]) -> list[str]:
    return sorted({h.term.text for h in hits})


def _one_word_off(doc: Doc, words: tuple[str, ...], last_exact: bool,
                  ignore: set[str]) -> Iterator[tuple[int, int]]:
    """Token spans equal to `words` except one capitalised replacement word.

    With one word replaced, the first or the second word is intact (the last one when
    `last_exact`), so only spans anchored on those are tried.
    """
    n = len(words)
    free = range(n - 1) if last_exact else range(n)
    anchors = ({k - n + 1 for k in doc.where(words[-1])} if last_exact
               else set(doc.where(words[0])) | {k - 1 for k in doc.where(words[1])})
    for i in sorted(a for a in anchors if 0 <= a <= len(doc.folded) - n):
        replaced = -1
        for j, want in enumerate(words):
            k = i + j
            if j and not doc.joined(k):
                break
            got = doc.folded[k]
            if got == want:
                continue
            if replaced >= 0 or j not in free or not doc.capitalized(k) or got in ignore:
                break
            replaced = j
        else:
            if replaced >= 0:
                yield i, i + n - 1


def _fuzzy_hit(doc: Doc, owner: int, first: int, last: int) -> Hit:
    start, end = doc.starts[first], doc.ends[last]
    words = tuple(doc.folded[first : last + 1])
    term = Term(doc.text[start:end], words, tuple(doc.cased[first : last + 1]), False, False)
    return Hit(term, (Tag(ALIAS, owner, FUZZY),), start, end, first, last)


def _part_of_other_name(doc: Doc, hit: Hit) -> bool:
    """"Jackson" in "Michael Jackson" or "Jackson Browne": a capitalised word joined by
    a plain space (not starting a sentence) means it belongs to someone else's name."""
    k = hit.first - 1
    if k >= 0 and doc.gap(hit.first) == " " and doc.capitalized(k) and not doc.sentence_initial(k):
        return True
    k = hit.last + 1
    return k < len(doc.folded) and doc.gap(k) == " " and doc.capitalized(k)

