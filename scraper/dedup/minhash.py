"""Near-duplicate clustering of article texts (pure functions, deterministic).

Why: a wire story syndicated on several outlets, or a machine-reworded ("spun",
synonym-swapped) copy of an article, must reach the user once. Exact copies share a
`scraper.dedup.identity.text_fingerprint`; near copies are found here.

Method
------
* Text -> case-folded words (the same ``\\w+`` rule as `text_fingerprint`) -> word
  2-shingles (bigrams). Bigrams were chosen by measurement on the demo web
  (see docs/dedup.md): a reworded copy that swaps ~13% of the words keeps bigram
  Jaccard >= 0.59 with its original, while two different articles on the same topic
  stay <= 0.13. Unigrams separate worse (0.72 vs 0.36), trigrams lose the copies
  faster (0.46 vs 0.09). A word swapped with probability p breaks two bigrams, so the
  expected Jaccard is s / (2 - s) with s = (1 - p)**2: THRESHOLD 0.3 still catches
  copies with about 30% of their words swapped.
* MinHash by one-permutation hashing: each bigram is hashed once (blake2b, 64 bits);
  the low 7 bits choose one of NUM_BINS = 128 bins, the high 32 bits are the value, and
  each bin keeps its minimum. Empty bins (short texts) are filled by "optimal
  densification" (Shrivastava 2017): bin i copies the first non-empty bin in a fixed
  pseudo-random probe order of its own, so equal texts give equal signatures. One hash
  per bigram keeps a signature under 1 ms for a 500-word article, without numpy.
* `similarity(a, b)` is the fraction of equal bins: an estimate of the bigram Jaccard
  (standard error about 0.04 at J = 0.3 with 128 bins).
* Candidate pairs come from LSH banding: BANDS = 64 bands of ROWS = 2 bins. A pair at
  Jaccard J becomes a candidate with probability 1 - (1 - J**2)**64: 0.998 at J = 0.3,
  0.98 at 0.25, so pairs at the threshold are practically never missed; the S-curve's
  midpoint (1/64)**(1/2) = 0.125 sits below THRESHOLD on purpose, and every candidate
  is verified with the full signature.
* Union-find over verified pairs (similarity >= THRESHOLD) and over equal fingerprints
  (single linkage: a chain of near copies forms one cluster). The original of a cluster
  is its earliest-published member; undated or unreadable dates sort last and ties go
  to the smallest article_id, so the result never depends on the input order.

Limit: Jaccard compares whole texts, so a short excerpt of a long article (a teaser,
a first paragraph) is not merged with it.
"""

from __future__ import annotations

import base64
import hashlib
import operator
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from scraper.dedup.identity import text_fingerprint, text_words

THRESHOLD = 0.3  # estimated bigram Jaccard at or above which two texts are one story
SHINGLE_WORDS = 2
NUM_BINS = 128  # a power of two: the bin is the hash's low bits
BANDS = 64
ROWS = 2
assert BANDS * ROWS == NUM_BINS

EMPTY_FINGERPRINT = text_fingerprint("")  # texts without words are never merged
_VERSION = "m1"
_PACK = struct.Struct(f"<I{NUM_BINS}I")
_UNDATED = (1, 0.0)


@dataclass(frozen=True)
class Signature:
    """MinHash of a text's word bigrams: NUM_BINS 32-bit values (all 0 for an empty
    text) and the number of distinct shingles (0 means empty)."""

    values: tuple[int, ...]
    shingles: int

    def __post_init__(self) -> None:
        if len(self.values) != NUM_BINS:
            raise ValueError(f"a signature has {NUM_BINS} values, not {len(self.values)}")

    @property
    def empty(self) -> bool:
        return self.shingles == 0

    def to_str(self) -> str:
        """Compact ASCII form for a TEXT column: version tag, then base64 of the
        little-endian shingle count and bin values (about 690 characters)."""
        return f"{_VERSION}:{base64.b64encode(self.to_bytes()).decode('ascii')}"

    def to_bytes(self) -> bytes:
        """The packed form (shingle count and bin values, little-endian) for a BLOB column."""
        return _PACK.pack(min(self.shingles, 0xFFFFFFFF), *self.values)

    @classmethod
    def from_bytes(cls, packed: bytes) -> Signature:
        """Inverse of `to_bytes`; struct.error when the length is wrong."""
        unpacked = _PACK.unpack(packed)
        return cls(values=unpacked[1:], shingles=unpacked[0])

    @classmethod
    def from_str(cls, value: str) -> Signature:
        """Inverse of `to_str`; ValueError on anything else (another version included),
        so a stale stored signature is recomputed rather than silently compared."""
        tag, _, payload = value.partition(":")
        if tag != _VERSION:
            raise ValueError(f"not a {_VERSION} signature: {value[:20]!r}")
        try:
            return cls.from_bytes(base64.b64decode(payload, validate=True))
        except (ValueError, struct.error) as exc:
            raise ValueError(f"corrupt signature: {exc}") from None


@dataclass(frozen=True)
class ClusterInput:
    article_id: str
    published: str | None  # ISO 8601 (offset or bare date); None when undated
    text_signature: Signature
    text_fingerprint: str

    @classmethod
    def from_text(cls, article_id: str, published: str | None, text: str) -> ClusterInput:
        """Convenience for callers that still hold the text."""
        return cls(article_id, published, signature(text), text_fingerprint(text))


@dataclass(frozen=True)
class ClusterAssignment:
    article_id: str
    cluster_id: str  # the article_id of the cluster's original
    is_original: bool
    similarity_to_original: float  # 1.0 for the original and for exact copies of it


def shingles(text: str) -> set[str]:
    """Case-folded word bigrams; a one-word text is its single word."""
    return shingles_of_words(text_words(text))


def shingles_of_words(words: list[str]) -> set[str]:
    """`shingles` for a text already split by dedup.text_words."""
    if len(words) < SHINGLE_WORDS:
        return set(words)
    return set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)))


def signature(text: str) -> Signature:
    """One-permutation MinHash of the text's bigrams, densified (see module docstring)."""
    return signature_of_words(text_words(text))


def signature_of_words(words: list[str]) -> Signature:
    """`signature` for a text already split by dedup.text_words (the crawl splits it once
    for both the fingerprint and the signature)."""
    found = shingles_of_words(words)
    if not found:
        return Signature(values=(0,) * NUM_BINS, shingles=0)
    return Signature(values=_densify(_bin_minima(found)), shingles=len(found))


_NO_VALUE = 1 << 32  # above every 32-bit value: the bin is still empty


def _bin_minima(found: Iterable[str]) -> dict[int, int]:
    """Bin (low 7 bits of a 64-bit blake2b) -> smallest value (high 32 bits) in it."""
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes  # locals: this loop is the hot path
    minima = [_NO_VALUE] * NUM_BINS
    mask = NUM_BINS - 1
    for shingle in found:
        h = from_bytes(blake2b(shingle.encode(), digest_size=8).digest(), "little")
        v = h >> 32
        if v < minima[h & mask]:
            minima[h & mask] = v
    return {b: v for b, v in enumerate(minima) if v != _NO_VALUE}


def _densify(present: dict[int, int]) -> tuple[int, ...]:
    """Fill each empty bin from the first non-empty bin of its fixed probe order."""
    if len(present) == NUM_BINS:
        return tuple(present[i] for i in range(NUM_BINS))
    return tuple(present[i] if i in present else present[_donor(i, present)] for i in range(NUM_BINS))


def _donor(i: int, present: dict[int, int]) -> int:
    return next(j for j in _probe_order(i) if j in present)


@lru_cache(maxsize=NUM_BINS)
def _probe_order(i: int) -> tuple[int, ...]:
    """A pseudo-random order of the other bins, fixed forever for bin i."""

    def key(j: int) -> bytes:
        return hashlib.blake2b(f"{i}:{j}".encode(), digest_size=8).digest()

    return tuple(sorted((j for j in range(NUM_BINS) if j != i), key=key))


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard of the two texts' bigram sets; 0.0 when either is empty."""
    if a.empty or b.empty:
        return 0.0
    return sum(map(operator.eq, a.values, b.values)) / NUM_BINS


def cluster(items: Iterable[ClusterInput]) -> list[ClusterAssignment]:
    """Group near-duplicates; one assignment per input, sorted by article_id.

    Raises ValueError when an article_id appears twice (the answer would depend on
    which copy won)."""
    ordered = _sorted_unique(items)
    parent = list(range(len(ordered)))
    reps = _merge_exact(ordered, parent)
    # Candidates are verified bucket by bucket, never gathered into one set: on texts that
    # all look a little alike, the pairs grow with the square of the articles. The groups
    # do not depend on the order of the checks (they are connected components).
    for members in _buckets([ordered[r].text_signature for r in reps]):
        for x, i in enumerate(members):
            a = reps[i]
            for j in members[x + 1 :]:
                b = reps[j]
                if _find(parent, a) != _find(parent, b) and _similar(ordered[a], ordered[b]):
                    _union(parent, a, b)
    return _assign(ordered, parent)


def _sorted_unique(items: Iterable[ClusterInput]) -> list[ClusterInput]:
    ordered = sorted(items, key=lambda item: item.article_id)
    for prev, item in zip(ordered, ordered[1:], strict=False):
        if prev.article_id == item.article_id:
            raise ValueError(f"duplicate article_id {item.article_id!r}")
    return ordered


def _merge_exact(ordered: Sequence[ClusterInput], parent: list[int]) -> list[int]:
    """Union equal fingerprints; return one representative index per distinct text,
    so a thousand copies of one text cost one LSH entry, not a quadratic bucket."""
    first: dict[str, int] = {}
    reps: list[int] = []
    for index, item in enumerate(ordered):
        fp = item.text_fingerprint
        if fp == EMPTY_FINGERPRINT or fp not in first:
            first.setdefault(fp, index)
            reps.append(index)
        else:
            _union(parent, first[fp], index)
    return reps


def _buckets(signatures: Sequence[Signature]) -> Iterator[list[int]]:
    """The LSH buckets holding two or more signatures (indexes in ascending order): every
    pair inside one is a candidate. One band at a time, so memory stays linear."""
    for band in range(BANDS):
        start = band * ROWS
        buckets: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for index, sig in enumerate(signatures):
            if not sig.empty:
                buckets[tuple(sig.values[start : start + ROWS])].append(index)
        yield from (members for members in buckets.values() if len(members) > 1)


def _similar(a: ClusterInput, b: ClusterInput) -> bool:
    return similarity(a.text_signature, b.text_signature) >= THRESHOLD


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def _assign(ordered: Sequence[ClusterInput], parent: list[int]) -> list[ClusterAssignment]:
    groups: dict[int, list[ClusterInput]] = defaultdict(list)
    for index, item in enumerate(ordered):
        groups[_find(parent, index)].append(item)
    result = [assignment for members in groups.values() for assignment in assign_group(members)]
    result.sort(key=lambda a: a.article_id)
    return result


def assign_group(members: Sequence[ClusterInput]) -> list[ClusterAssignment]:
    """One cluster's assignments, in the members' order: its original is the earliest
    published member (ties to the smallest article_id), and each member's similarity to it."""
    original = min(members, key=_original_key)
    return [_assignment(item, original) for item in members]


def _assignment(item: ClusterInput, original: ClusterInput) -> ClusterAssignment:
    same = item is original or (
        item.text_fingerprint == original.text_fingerprint and item.text_fingerprint != EMPTY_FINGERPRINT
    )
    score = 1.0 if same else similarity(item.text_signature, original.text_signature)
    return ClusterAssignment(item.article_id, original.article_id, item is original, score)


def _original_key(item: ClusterInput) -> tuple[tuple[int, float], str]:
    return published_key(item.published), item.article_id


def published_key(published: str | None) -> tuple[int, float]:
    """Sort key for "earliest first": (0, UTC timestamp) or (1, 0.0) when undated or
    unreadable. A bare date counts as 00:00 UTC that day and a naive time as UTC: the
    earliest moment the publisher could mean."""
    if not published or not published.strip():
        return _UNDATED
    text = published.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return 0, datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _UNDATED
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return 0, moment.timestamp()


_BAND = struct.Struct("<BII")


def band_keys(sig: Signature) -> list[int]:
    """One 48-bit key per LSH band, for an index that finds candidates by lookup (two
    articles sharing a key are candidates); none for an empty text, which is never merged."""
    if sig.empty:
        return []
    values = sig.values
    return [int.from_bytes(hashlib.blake2b(_BAND.pack(band, *values[band * ROWS:(band + 1) * ROWS]),
                                           digest_size=6).digest(), "little")
            for band in range(BANDS)]


def share_a_band(a: Signature, b: Signature) -> bool:
    """The exact LSH candidate rule of `cluster` (`_buckets`): band keys are hashes, and a
    collision must not make a pair `cluster` would never compare."""
    return any(a.values[i:i + ROWS] == b.values[i:i + ROWS] for i in range(0, BANDS * ROWS, ROWS))
