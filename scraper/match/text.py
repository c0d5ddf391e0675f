"""Text folding, tokenising and multi-word term lookup for the matcher.

Matching works on word tokens rather than one regex per term, so an article is scanned
once whatever the size of the watchlist: each token is looked up in a dict keyed by
the first word of every term. Folding keeps one character per input character, so a
token's offsets are offsets into the original text (the contract's `positions`).

Stored text keeps the publisher's typography (curly quotes, dashes, no-break spaces),
so folding is where "O’Brien" becomes "O'Brien" and "Kardashian–West" becomes
"Kardashian-West": the matcher compares folded text, never the text itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

WORD = re.compile(r"\w+")
# Longest run of punctuation/space allowed between two words of one term: covers
# "West: The", "West : The", "Kardashian-West", "O'Brien", "Bunim/Murray", " - ".
MAX_GAP = 3
# A term ending in this matches any word starting with the rest ("prison*").
PREFIX_MARK = "*"
MIN_PREFIX = 4
_SENTENCE_END = frozenset(".!?\n")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


# Typographic punctuation and spaces -> their ASCII form, one character for one.
_TYPOGRAPHY = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u00b4\uff07", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
                    "\u202f\u205f\u3000", " "),
}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One non-ASCII character without its accents ("é" -> "e"), a typographic quote,
    dash or space as its ASCII form ("’" -> "'"), or itself if that would not be a
    single character (ligatures, "ß"), so lengths never change."""
    if ch in _TYPOGRAPHY:
        return _TYPOGRAPHY[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base if len(base) == 1 else ch


def fold(text: str) -> tuple[str, str]:
    """(accent-free text, accent-free lower-case text), both exactly as long as `text`,
    with typographic quotes, dashes and spaces in their ASCII form."""
    cased = text if text.isascii() else _NON_ASCII.sub(lambda m: _fold_char(m.group()), text)
    folded = cased.lower()
    if len(folded) != len(cased):  # rare: "İ" lower-cases to two characters
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in cased)
    return cased, folded


@lru_cache(maxsize=8192)
def term_tokens(term: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(folded words, cased words, is_prefix) for a term as written in the watchlist."""
    raw = term.strip()
    prefix = raw.endswith(PREFIX_MARK)
    cased, folded = fold(raw.rstrip(PREFIX_MARK))
    return tuple(WORD.findall(folded)), tuple(WORD.findall(cased)), prefix


class Tag(NamedTuple):
    """What a term means: its category, the entry it belongs to (-1: none) and a detail
    (alias strength, or the language of a context word)."""

    category: str
    owner: int = -1
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable term: words to match, and whether the last one is a prefix."""

    text: str
    tokens: tuple[str, ...]
    cased: tuple[str, ...]
    prefix: bool
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence of a term: character span and first/last token index."""

    term: Term
    tags: tuple[Tag, ...]
    start: int
    end: int
    first: int
    last: int


@dataclass(slots=True)
class Doc:
    """The article as word tokens with their offsets and the separators before them."""

    text: str
    folded: list[str]
    cased: list[str]
    starts: list[int]
    ends: list[int]
    plain: str = ""  # `text` folded (same length): what gaps between words are judged on
    _where: dict[str, list[int]] | None = None

    @classmethod
    def parse(cls, text: str) -> Doc:
        cased_text, folded_text = fold(text)
        spans = [m.span() for m in WORD.finditer(folded_text)]
        starts = [a for a, _ in spans]
        ends = [b for _, b in spans]
        folded = WORD.findall(folded_text)
        cased = [cased_text[a:b] for a, b in spans] if cased_text is not folded_text else folded
        return cls(text, folded, cased, starts, ends, cased_text)

    def gap(self, k: int) -> str:
        """The folded text between token k-1 and token k ("" before the first token):
        a no-break space reads as " ", a curly apostrophe as "'"."""
        return self.plain[self.ends[k - 1] : self.starts[k]] if k else ""

    def where(self, word: str) -> list[int]:
        """Indices of the tokens equal to a folded word (index built on first use)."""
        if self._where is None:
            self._where = {}
            for k, tok in enumerate(self.folded):
                self._where.setdefault(tok, []).append(k)
        return self._where.get(word, [])

    def joined(self, k: int) -> bool:
        """True if token k follows token k-1 closely enough to belong to one name/term."""
        a, b = self.ends[k - 1], self.starts[k]
        return b - a <= MAX_GAP and "\n" not in self.plain[a:b]

    def capitalized(self, k: int) -> bool:
        return self.cased[k][:1].isupper()

    def sentence_initial(self, k: int) -> bool:
        return k == 0 or not _SENTENCE_END.isdisjoint(self.gap(k))


@dataclass
class TermIndex:
    """All watchlist terms, looked up by their first word; built once per Watchlist."""

    _terms: dict[tuple, Term] = field(default_factory=dict)
    _tags: dict[tuple, list[Tag]] = field(default_factory=dict)
    _by_first: dict[str, list[tuple[Term, tuple[Tag, ...]]]] = field(default_factory=dict)
    # single-word prefix terms ("prison*"), keyed by their first MIN_PREFIX letters
    _prefixes: dict[str, list[tuple[Term, tuple[Tag, ...]]]] = field(default_factory=dict)

    def add(self, text: str, tag: Tag, case_sensitive: bool = False) -> None:
        """Register a term with one more meaning (the same words may serve several)."""
        tokens, cased, prefix = term_tokens(text)
        if not tokens:
            raise ValueError(f"term {text!r} has no letters or digits")
        if prefix and len(tokens[-1]) < MIN_PREFIX:
            raise ValueError(f"prefix term {text!r}: the part before '*' needs {MIN_PREFIX}+ letters")
        key = (tokens, prefix, case_sensitive, cased if case_sensitive else ())
        self._terms.setdefault(key, Term(text.strip(), tokens, cased, prefix, case_sensitive))
        tags = self._tags.setdefault(key, [])
        if tag not in tags:
            tags.append(tag)

    def freeze(self) -> None:
        """Build the lookup tables; longer terms first so the longest match wins ties."""
        by_first: dict[str, list] = {}
        prefixes: dict[str, list] = {}
        for key, term in self._terms.items():
            entry = (term, tuple(self._tags[key]))
            if term.prefix and len(term.tokens) == 1:
                prefixes.setdefault(term.tokens[0][:MIN_PREFIX], []).append(entry)
            else:
                by_first.setdefault(term.tokens[0], []).append(entry)
        for entries in by_first.values():
            entries.sort(key=lambda e: -len(e[0].tokens))
        self._by_first = by_first
        self._prefixes = prefixes

    def scan(self, doc: Doc) -> list[Hit]:
        """Every occurrence of every term (overlaps included; callers decide)."""
        hits: list[Hit] = []
        by_first, prefixes = self._by_first, self._prefixes
        for i, tok in enumerate(doc.folded):
            for term, tags in by_first.get(tok, ()):
                last = _match_at(doc, i, term)
                if last >= 0:
                    hits.append(Hit(term, tags, doc.starts[i], doc.ends[last], i, last))
            for term, tags in prefixes.get(tok[:MIN_PREFIX], ()):
                if tok.startswith(term.tokens[0]) and _same_case(doc, i, term, 0):
                    hits.append(Hit(term, tags, doc.starts[i], doc.ends[i], i, i))
        return hits


def _same_case(doc: Doc, k: int, term: Term, j: int) -> bool:
    if not term.case_sensitive:
        return True
    want, got = term.cased[j], doc.cased[k]
    return got.startswith(want) if term.prefix and j == len(term.tokens) - 1 else got == want


def _match_at(doc: Doc, i: int, term: Term) -> int:
    """Index of the term's last token if the term starts at token i, else -1."""
    n = len(term.tokens)
    if i + n > len(doc.folded):
        return -1
    for j in range(1, n):
        k = i + j
        if not doc.joined(k):
            return -1
        want, got = term.tokens[j], doc.folded[k]
        ok = got.startswith(want) if term.prefix and j == n - 1 else got == want
        if not ok:
            return -1
    if term.case_sensitive and not all(_same_case(doc, i + j, term, j) for j in range(n)):
        return -1
    return i + n - 1
