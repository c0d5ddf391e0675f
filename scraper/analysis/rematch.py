"""Re-run watchlist matching over stored articles, without crawling again.

A watchlist edit (a new alias, a homonym marker, a raised threshold) changes which
stored articles count as coverage. Matching reads only the stored title and main text,
so the verdicts can be recomputed from the database; this module does it article by
article through the store (one transaction each, so an interrupted run leaves every
article either fully old or fully new) and says what changed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from scraper.analysis.page import match_fields, stored_mentions
from scraper.match import Watchlist
from scraper.store import Store

BECAME_RELEVANT = "became relevant"
NO_LONGER_RELEVANT = "no longer relevant"
ENTRIES_CHANGED = "entries changed"
_MENTION_KEYS = ("entry", "kind", "count", "terms", "snippet", "positions")


@dataclass
class Change:
    """One article whose verdict (relevant, or the entries it covers) changed."""

    article_id: str
    url: str
    outlet: str
    title: str
    change: str  # BECAME_RELEVANT | NO_LONGER_RELEVANT | ENTRIES_CHANGED
    relevant_before: bool
    relevant_after: bool
    relevance_before: float | None
    relevance_after: float
    matched_before: list[str]
    matched_after: list[str]

    @property
    def added(self) -> list[str]:
        return [e for e in self.matched_after if e not in self.matched_before]

    @property
    def removed(self) -> list[str]:
        return [e for e in self.matched_before if e not in self.matched_after]

    def as_dict(self) -> dict:
        return {**asdict(self), "added": self.added, "removed": self.removed}


@dataclass
class RematchSummary:
    """What a rematch found; `updated` counts rows rewritten (0 on a dry run), which
    includes rows whose score or evidence moved without a change worth listing."""

    articles: int = 0
    relevant_before: int = 0
    relevant_after: int = 0
    updated: int = 0
    skipped: int = 0  # text changed by a concurrent crawl between read and write
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)

    def of_kind(self, change: str) -> list[Change]:
        return [c for c in self.changes if c.change == change]

    def counts(self) -> dict[str, int]:
        return {k: len(self.of_kind(k)) for k in (BECAME_RELEVANT, NO_LONGER_RELEVANT, ENTRIES_CHANGED)}

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "relevant_before": self.relevant_before,
            "relevant_after": self.relevant_after,
            "updated": self.updated,
            "skipped": self.skipped,
            "dry_run": self.dry_run,
            **{k.replace(" ", "_"): n for k, n in self.counts().items()},
            "changes": [c.as_dict() for c in self.changes],
        }


def rematch(store: Store, watchlist: Watchlist, *, dry_run: bool = False) -> RematchSummary:
    """Match every stored article again; store the new verdicts unless `dry_run`."""
    summary = RematchSummary(dry_run=dry_run)
    for row in store.articles.for_rematch():
        fields = match_fields(row["title"], row["text"], watchlist, row["language"])
        mentions = stored_mentions(fields["matched"], fields["mentions"])
        was = bool(row["relevant"])
        matched_before = row["matched"] if isinstance(row["matched"], list) else []
        summary.articles += 1
        summary.relevant_before += was
        summary.relevant_after += fields["relevant"]
        change = _classify(was, fields["relevant"], matched_before, fields["matched"])
        if change:
            summary.changes.append(Change(
                row["id"], row["canonical_url"], row["outlet"], row["title"] or "", change, was,
                fields["relevant"], row["relevance"], fields["relevance"], matched_before, fields["matched"]))
        if dry_run or not (change or _differs(store, row, fields, mentions)):
            continue
        if store.articles.update_match(row["id"], fields["relevant"], fields["relevance"], fields["matched"], mentions,
                              text_sha1=row["text_sha1"]):
            summary.updated += 1
        else:  # a crawl rewrote the text meanwhile (and matched it itself): not our change to report
            summary.skipped += 1
            if change:
                summary.changes.pop()
    return summary


def _classify(was: bool, now: bool, matched_before: list[str], matched_after: list[str]) -> str:
    if now and not was:
        return BECAME_RELEVANT
    if was and not now:
        return NO_LONGER_RELEVANT
    return ENTRIES_CHANGED if set(matched_before) != set(matched_after) else ""


def _differs(store: Store, row: dict, fields: dict, mentions: list[dict]) -> bool:
    """Anything stored that the new verdict would change (score, order, evidence)."""
    if row["relevance"] != fields["relevance"] or row["matched"] != fields["matched"]:
        return True
    stored = [tuple(m[k] for k in _MENTION_KEYS) for m in store.articles.mentions_of(row["id"])]
    fresh = sorted(tuple(m[k] for k in _MENTION_KEYS) for m in mentions)
    return stored != fresh
