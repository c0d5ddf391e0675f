"""A backfill: the discovery sources (GDELT, the Wayback Machine, Common Crawl) over a
range of dates, as one crawl run with one frontier, which a kill at any moment lets
resume (scraper.store.discovery)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scraper.errors import NewswatchError
from scraper.runs.alerts import AlertConfig
from scraper.runs.crawl import run_crawl
from scraper.runs.ledger import RunSummary
from spiders import DISCOVERY_SOURCES

EARLIEST = date(1996, 1, 1)  # the Wayback Machine's first captures (GDELT starts in 2017, Common Crawl in 2008)


def backfill_settings(since: str, until: str | None, sources: list[str]) -> dict:
    """The crawl settings of a backfill over [since, until] with these sources."""
    start = date.fromisoformat(since)
    end = date.fromisoformat(until) if until else date.today()
    if start > end:
        raise NewswatchError(f"--since {since} is after --until {end.isoformat()}")
    if start < EARLIEST:
        raise NewswatchError(f"--since {since}: no source has anything before {EARLIEST.isoformat()}")
    return {
        "NEWSWATCH_DISCOVERY_SINCE": start.isoformat(),
        "NEWSWATCH_DISCOVERY_UNTIL": end.isoformat(),
        "NEWSWATCH_RESCUE": "wayback" in sources,  # articles GDELT names that are gone now
    }


def run_backfill(*, db: Path, sources: Path, watchlist: Path, since: str, until: str | None = None,
                 discovery_sources: list[str] | None = None, outlets: list[str] | None = None,
                 overrides: dict | None = None, progress: bool = False, alerts: AlertConfig | None = None,
                 check_connectivity: bool = True) -> RunSummary:
    """Backfill the database from the chosen sources (all three by default)."""
    chosen = list(dict.fromkeys(discovery_sources or DISCOVERY_SOURCES))
    unknown = [name for name in chosen if name not in DISCOVERY_SOURCES]
    if unknown:
        raise NewswatchError(f"unknown source {', '.join(unknown)}; choose from {', '.join(DISCOVERY_SOURCES)}")
    settings = {**backfill_settings(since, until, chosen), **(overrides or {})}
    return run_crawl(db=db, sources=sources, watchlist=watchlist, spiders=chosen, outlets=outlets,
                     overrides=settings, progress=progress, alerts=alerts, check_connectivity=check_connectivity)
