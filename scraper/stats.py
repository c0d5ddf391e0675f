"""Every crawl counter's key in Scrapy's stats: the one list the spiders, middlewares and
pipelines write, and the run ledger, the progress table and the distributed crawl read.

Keys are strings (Scrapy's stats are a flat dict, shared by the distributed workers
through Redis), so a misspelt literal would count into nothing; naming them here makes
a misspelling an import error.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "newswatch/"
ERRORS = PREFIX + "errors/"
SKIPPED = PREFIX + "skipped/"
FOUND = PREFIX + "found/"

# Scrapy's own counters that a run reports
PAGES_FETCHED = "downloader/response_count"
ROBOTS_FORBIDDEN = "robotstxt/forbidden"
ENQUEUED_REDIS = "scheduler/enqueued/redis"

# fetching
BODIES_DOWNLOADED = PREFIX + "bodies_downloaded"  # a 200 with a body (not a 304)
NOT_MODIFIED = PREFIX + "not_modified"  # a 304 to a conditional GET
NOT_HTML = PREFIX + "not_html"
OFFSITE_SKIPPED = PREFIX + "offsite_skipped"  # a candidate article off its outlet's site
LINK_BUDGET_REACHED = PREFIX + "link_budget_reached"
SKIPPED_OLDER_THAN_SINCE = SKIPPED + "older_than_since"
SKIPPED_IGNORED = SKIPPED + "ignored"  # robots.txt said no: a rule, not an error
RETRY_AFTER_WAITED = PREFIX + "retry_after/waited"
RETRY_AFTER_TOO_LONG = PREFIX + "retry_after/too_long"

# what became of a fetched page
ARTICLES_SEEN = PREFIX + "articles_seen"
ARTICLES_NEW = PREFIX + "articles_new"
ARTICLES_UPDATED = PREFIX + "articles_updated"
ARTICLES_UNCHANGED = PREFIX + "articles_unchanged"
ARTICLES_UNCHANGED_BODY = PREFIX + "articles_unchanged_body"  # same bytes as last time: not even extracted
RELEVANT_SEEN = PREFIX + "relevant_seen"
RELEVANT_NEW = PREFIX + "relevant_new"
NOT_ARTICLE = PREFIX + "not_article"
STORE_SECONDS = PREFIX + "store_seconds"

# discovery and backfill (GDELT, the Wayback Machine, Common Crawl)
DISCOVERY = PREFIX + "discovery/"
DISCOVERY_RETRIES = DISCOVERY + "retries"  # service requests asked again after a back-off
WINDOWS_DONE = DISCOVERY + "windows_done"  # windows (or index pages) answered in this run
WINDOWS_RESUMED = DISCOVERY + "windows_resumed"  # answered in an earlier run: not asked again
WINDOWS_FAILED = DISCOVERY + "windows_failed"  # given up on (retries spent, query refused): asked again next run
WINDOWS_TRUNCATED = DISCOVERY + "windows_truncated"  # still full at GDELT's finest window: coverage cut there
DISCOVERED_URLS = DISCOVERY + "urls"  # URLs handed to the frontier by discovery (new to the ledger)
RESUMED_URLS = DISCOVERY + "urls_resumed"  # found by an earlier, interrupted run and asked for again
GONE = DISCOVERY + "gone"  # known articles that now answer 404/410 or send the reader home
RESCUED = DISCOVERY + "rescued"  # of those, the ones an archived copy was fetched for
SECONDS_LEFT = DISCOVERY + "seconds_left/"  # per source: at least this long to go at its interval
WINDOWS_PENDING = DISCOVERY + "windows_pending/"  # per source: windows known to be waiting (splits add more)

# the distributed crawl
ARTICLES_PUSHED = PREFIX + "articles_pushed"
REQUEUED_FROM_DEAD_WORKERS = PREFIX + "requeued_from_dead_workers"


def error(kind: str) -> str:
    """The counter of one kind of error (`http_503`, `timeout`, `store`, ...), which
    `crawl_runs.errors` reports by kind."""
    return ERRORS + kind


def skipped(reason: str) -> str:
    """The counter of pages not kept for one reason (`index`, `no_text`, `not_relevant`,
    `older_than_since`, ...), which `crawl_runs.skipped` reports by reason."""
    return SKIPPED + reason


def articles(status: str) -> str:
    """The counter of articles the store reported as `status` (new, updated, unchanged)."""
    return f"{PREFIX}articles_{status}"


def errors_by_kind(stats: Mapping[str, object]) -> dict[str, int]:
    """{kind: count} of every error counter in a stats dict."""
    return {key.removeprefix(ERRORS): int(value) for key, value in stats.items()  # type: ignore[call-overload]
            if key.startswith(ERRORS)}


def windows_pending(source: str) -> str:
    return WINDOWS_PENDING + source


def seconds_left(source: str) -> str:
    return SECONDS_LEFT + source


def summed(stats: Mapping[str, object], prefix: str) -> int:
    """The sum of every counter under a prefix (the per-source gauges)."""
    return sum(int(value) for key, value in stats.items() if key.startswith(prefix))  # type: ignore[call-overload]


def archived(source: str) -> str:
    """The counter of archived copies fetched from one archive (wayback, commoncrawl)."""
    return f"{DISCOVERY}archived/{source}"


def archived_by_source(stats: Mapping[str, object]) -> dict[str, int]:
    prefix = f"{DISCOVERY}archived/"
    return {key.removeprefix(prefix): int(value) for key, value in stats.items()  # type: ignore[call-overload]
            if key.startswith(prefix)}


def found(strategy: str) -> str:
    """The counter of candidate pages one strategy led to (feed, sitemap, search, link),
    before the duplicate filter: what each strategy contributes."""
    return FOUND + strategy


def found_by_strategy(stats: Mapping[str, object]) -> dict[str, int]:
    return {key.removeprefix(FOUND): int(value) for key, value in stats.items()  # type: ignore[call-overload]
            if key.startswith(FOUND)}


def skipped_by_reason(stats: Mapping[str, object]) -> dict[str, int]:
    """{reason: count} of every skip counter in a stats dict."""
    return {key.removeprefix(SKIPPED): int(value) for key, value in stats.items()  # type: ignore[call-overload]
            if key.startswith(SKIPPED)}


def count(stats: Mapping[str, object], key: str) -> int:
    return int(stats.get(key, 0) or 0)  # type: ignore[call-overload]
