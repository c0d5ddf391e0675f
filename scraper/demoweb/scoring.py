"""How a database of the demo web scores against its answer key: relevant recall over
what a crawl may reach (not blocked, not robots-disallowed), and precision over the rows
it flags relevant. Shared by the demo's backfill test and `make bench`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LIVE_STRATEGIES = frozenset({"feed", "sitemap", "search", "link"})


@dataclass
class Score:
    reachable: int  # relevant answer-key articles a crawl may reach
    found: int  # of them, stored and flagged relevant
    flagged: int  # rows flagged relevant
    true_positives: int  # of them, relevant in the answer key
    missed: list[tuple[str, str]] = field(default_factory=list)  # (outlet slug, path)

    @property
    def recall(self) -> float:
        return self.found / self.reachable if self.reachable else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0


def row_for(entry: dict, rows: list[dict]) -> dict | None:
    """The stored row of an answer-key article: its path on the demo's loopback outlets, or
    on its own host for a site nobody listed."""
    for row in rows:
        parts = urlsplit(row["canonical_url"])
        if entry["host"]:
            same_site = parts.hostname == entry["host"]
        else:
            same_site = parts.hostname == "127.0.0.1" and row["outlet_kind"] != "other"
        if same_site and parts.path.rstrip("/") == entry["path"].rstrip("/"):
            return row
    return None


def score(rows: list[dict], answer_key: list[dict], *, live_only: bool = False) -> Score:
    """`rows`: the articles table as dicts. `live_only`: count only what the live strategies
    (feeds, sitemaps, search, links) found, as if there had been no backfill."""
    reachable = [e for e in answer_key if e["relevant"] and not e["blocked"] and not e["disallowed"]]

    def counted(row: dict | None) -> bool:
        if row is None or not row["relevant"]:
            return False
        found_via = row["found_via"] if isinstance(row["found_via"], list) else json.loads(row["found_via"] or "[]")
        return not live_only or bool(LIVE_STRATEGIES & set(found_via))

    missed = [(e["outlet"], e["path"]) for e in reachable if not counted(row_for(e, rows))]
    truly = {id(row) for e in answer_key if e["relevant"] and (row := row_for(e, rows)) is not None}
    flagged = [row for row in rows if row["relevant"]
               and (not live_only or counted(row))]
    return Score(len(reachable), len(reachable) - len(missed), len(flagged),
                 sum(id(row) in truly for row in flagged), missed)
