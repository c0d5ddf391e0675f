"""The run ledger: one row of `crawl_runs` per crawl, however it ran.

A local crawl and a distributed one (`ingest`) open their run the same way (runs left
`running` by a killed crawl are marked `interrupted`), count the same counters from
the same stats keys, and close it the same way: new and changed articles placed in
their near-duplicate clusters, the row finished, the new relevant articles announced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scraper import stats as stat_keys
from scraper.runs.alerts import AlertConfig, DeliveryReport, announce_run
from scraper.store import SaveResult, Store

# the crawl_runs columns a run fills
COUNTERS = ("pages_fetched", "pages_downloaded", "not_modified", "articles_seen", "articles_new",
            "articles_updated", "articles_unchanged", "relevant_new", "not_articles")
# finish reasons of Scrapy that mean the crawl was stopped rather than done
STOPPED = ("shutdown", "unknown")


def counters_from_stats(stats: Mapping[str, object]) -> dict[str, int | float]:
    """The run counters in one crawler's stats (or the distributed workers' summed stats)."""
    count = stat_keys.count
    return {
        "pages_fetched": count(stats, stat_keys.PAGES_FETCHED),
        "articles_seen": count(stats, stat_keys.ARTICLES_SEEN),
        "articles_new": count(stats, stat_keys.ARTICLES_NEW),
        "articles_updated": count(stats, stat_keys.ARTICLES_UPDATED),
        "relevant_new": count(stats, stat_keys.RELEVANT_NEW),
        "relevant_seen": count(stats, stat_keys.RELEVANT_SEEN),
        "not_articles": count(stats, stat_keys.NOT_ARTICLE),
        "robots_forbidden": count(stats, stat_keys.ROBOTS_FORBIDDEN),
        "not_modified": count(stats, stat_keys.NOT_MODIFIED),
        "pages_downloaded": count(stats, stat_keys.BODIES_DOWNLOADED),
        "articles_unchanged": (count(stats, stat_keys.ARTICLES_UNCHANGED)
                               + count(stats, stat_keys.ARTICLES_UNCHANGED_BODY)),
        "store_seconds": round(float(stats.get(stat_keys.STORE_SECONDS, 0.0) or 0.0), 3),  # type: ignore[arg-type]
    }


@dataclass
class RunSummary:
    """What a run did: the crawl_runs counters, errors by kind, and per spider."""

    run_id: int
    status: str = "finished"
    seconds: float = 0.0
    pages_fetched: int = 0
    pages_downloaded: int = 0
    not_modified: int = 0
    articles_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    relevant_new: int = 0
    relevant_seen: int = 0
    not_articles: int = 0
    clusters_moved: int = 0
    last_item_at: float | None = None  # time.monotonic() when the last record was stored (ingest)
    alerts: DeliveryReport | None = None
    errors: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    per_spider: dict[str, dict] = field(default_factory=dict)
    discovery: dict = field(default_factory=dict)  # a run with discovery sources: see discovery_details

    def add_stats(self, stats: Mapping[str, object], spider: str | None = None) -> None:
        """Add one crawler's stats (a local spider, or the distributed workers' sum); a
        crawler that did not finish makes the run interrupted (or its own reason)."""
        counters = counters_from_stats(stats)
        if spider is not None:
            self.per_spider[spider] = counters
            reason = stats.get("finish_reason", "unknown")
            if reason != "finished":
                self.status = "interrupted" if reason in STOPPED else str(reason)
        for key in (*COUNTERS, "relevant_seen"):
            setattr(self, key, getattr(self, key) + int(counters[key]))
        for kind, n in stat_keys.errors_by_kind(stats).items():
            self.add_error(kind, n)
        for reason, n in stat_keys.skipped_by_reason(stats).items():
            self.skipped[reason] = self.skipped.get(reason, 0) + n

    def add_saved(self, result: SaveResult) -> None:
        """One article the writer stored (the distributed writer counts them itself)."""
        self.articles_seen += 1
        name = f"articles_{result.status}"
        if hasattr(self, name):
            setattr(self, name, getattr(self, name) + 1)
        if result.relevant:
            self.relevant_seen += 1
            if result.status == "new":
                self.relevant_new += 1

    def add_error(self, kind: str, n: int = 1) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + n

    def counters(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COUNTERS}


def discovery_details(stats: Mapping[str, object], added: dict) -> dict:
    """What a run's discovery did (windows, URLs, archived copies) and what it added, by
    the way each new article was found (`added`: store.reports.added_since)."""
    def count(key: str) -> int:
        return stat_keys.count(stats, key)

    return {
        "windows": {"answered": count(stat_keys.WINDOWS_DONE), "resumed": count(stat_keys.WINDOWS_RESUMED),
                    "failed": count(stat_keys.WINDOWS_FAILED), "truncated": count(stat_keys.WINDOWS_TRUNCATED)},
        "urls_found": count(stat_keys.DISCOVERED_URLS),
        "urls_resumed": count(stat_keys.RESUMED_URLS),
        "gone": count(stat_keys.GONE),
        "rescued": count(stat_keys.RESCUED),
        "archived_fetched": stat_keys.archived_by_source(stats),
        "service_retries": count(stat_keys.DISCOVERY_RETRIES),
        "added": added,
    }


def open_run(store: Store, spiders: list[str], outlets: list[str]) -> RunSummary:
    """Start a run's row. Call only while holding the database's crawl lock: a run still
    `running` then was killed, and is marked `interrupted`."""
    store.runs.mark_interrupted()
    return RunSummary(run_id=store.runs.start(spiders, outlets))


def close_run(store: Store, summary: RunSummary, details: dict, alerts: AlertConfig | None = None) -> RunSummary:
    """Place the run's new and changed articles in their clusters, finish its row, and
    announce its new relevant articles (when alerts are configured)."""
    summary.clusters_moved = store.clusters.update()
    store.runs.finish(summary.run_id, summary.status, summary.counters(), summary.errors,
                      {"seconds": summary.seconds, **details}, skipped=summary.skipped)
    if alerts is not None:
        summary.alerts = announce_run(store, summary.run_id, alerts)
    return summary
