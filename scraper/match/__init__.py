"""Watchlist matching: which documentary/people an article covers, with evidence.

Public interface (docs/CONTRACTS.md, "Matching"): `load_watchlist`, `match_article`,
`Watchlist`, `MatchResult`, `Mention`. What to look for lives in watchlist.toml;
how evidence is weighed is described in docs/relevance.md.
"""

from scraper.match.engine import MatchResult, Mention, match_article, relevance, snippet
from scraper.match.watchlist import Documentary, Person, Scoring, Supporting, Watchlist, load_watchlist

__all__ = [
    "Documentary",
    "MatchResult",
    "Mention",
    "Person",
    "Scoring",
    "Supporting",
    "Watchlist",
    "load_watchlist",
    "match_article",
    "relevance",
    "snippet",
]
