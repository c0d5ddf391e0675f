"""GDELT's DOC 2.0 API: who published what about the watchlist, on any site, since 2017.

Each query of the watchlist (scraper.discovery.gdelt.queries_from_watchlist) is asked
window by window over the backfill's dates; a window that comes back full (250) is
split in two and its halves asked instead, down to GDELT's 15 minutes, so nothing is
cut off silently (a window still full there is counted as truncated). Every answered
window's cursor is written with the URLs it found, so a backfill killed at any moment
asks no finished window again. The articles are fetched from their own sites, with
robots.txt; GDELT's `seendate` is kept as the discovery time, never as the
publication date. One request every NEWSWATCH_GDELT_INTERVAL seconds (5, GDELT's
published limit), the queries taking turns in GDELT's download slot.

`crawl --discover` runs this strategy beside the live ones: without --since it asks
from where the previous run's windows ended (a week back the first time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy.http import Response

from scraper import stats as stat_keys
from scraper.crawling.discovery_book import lead_key
from scraper.crawling.frontier import LEAD
from scraper.crawling.services import GDELT
from scraper.discovery.gdelt import (
    MAX_RECORDS,
    SPLIT,
    TRUNCATED,
    Window,
    WindowPlanner,
    parse_artlist,
    queries_from_watchlist,
    window_url,
)
from scraper.match import load_watchlist
from spiders.discovery import DiscoverySpider, window_key

SOURCE = "gdelt"
FINISHED = ("complete", "truncated")


@dataclass
class QueryPlan:
    """One query's windows: what the planner hands out, and what earlier runs finished."""

    query: str
    planner: WindowPlanner
    earlier: dict[str, tuple[str, str | None]] = field(default_factory=dict)


class GdeltSpider(DiscoverySpider):
    name = "gdelt"
    found_via = "gdelt"

    async def start(self):
        for url, lead in self.book.unsettled(SOURCE):  # found by a run that was killed
            request = self.discovered_request(lead.get("url", url), SOURCE, discovered_at=lead.get("seen"),
                                              **{LEAD: url})
            if request is not None:
                self.crawler.stats.inc_value(stat_keys.RESUMED_URLS)
                yield request
        self.plans: dict[str, QueryPlan] = {}
        watchlist = load_watchlist(self.settings.get("NEWSWATCH_WATCHLIST"))
        for query in queries_from_watchlist(watchlist):
            earlier = self.book.windows(SOURCE, query)
            start, end = self.gdelt_range(earlier)
            if end <= start:
                continue
            plan = self.plans[query] = QueryPlan(query, WindowPlanner(start, end), earlier)
            request = self.next_window(plan)
            if request is not None:
                yield request

    def gdelt_range(self, earlier: dict[str, tuple[str, str | None]]) -> tuple[datetime, datetime]:
        """The backfill's range; for an incremental run (no --since), from where the
        windows finished by earlier runs end."""
        start, end = self.discovery_range()
        if not self.settings.get("NEWSWATCH_DISCOVERY_SINCE"):
            ends = [datetime.fromisoformat(key.split("/", 1)[1]) for key, (status, _) in earlier.items()
                    if status in FINISHED]
            if ends:
                start = max(start, max(ends))
        return start, end

    def next_window(self, plan: QueryPlan):
        """The request for the query's next window not answered in an earlier run, or None."""
        while (window := plan.planner.next_window()) is not None:
            status = plan.earlier.get(window_key(window.start, window.end), (None, None))[0]
            if status in FINISHED or status == SPLIT:  # answered before: replayed without asking
                plan.planner.record(window, 0 if status == "complete" else MAX_RECORDS)
                self.crawler.stats.inc_value(stat_keys.WINDOWS_RESUMED)
                continue
            self._gdelt_pending()
            url = window_url(self.settings.get("NEWSWATCH_GDELT_ENDPOINT"), plan.query, window.start, window.end)
            return self.service(url, GDELT, self.parse_window, gdelt_query=plan.query, gdelt_window=window)
        self._gdelt_pending()
        return None

    def parse_window(self, response: Response) -> Iterable[Any]:
        plan: QueryPlan = self.plans[response.meta["gdelt_query"]]
        window: Window = response.meta["gdelt_window"]
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        answer, instead = self.read_answer(response, lambda: parse_artlist(response.body, content_type))
        if answer is None:
            yield from instead
            return
        status = plan.planner.record(window, answer.returned)
        self.crawler.stats.inc_value(stat_keys.WINDOWS_DONE)
        if answer.skipped:
            self.crawler.stats.inc_value(stat_keys.error("gdelt_unusable_entries"), answer.skipped)
        leads, requests = [], []
        if status != SPLIT:  # a full window's entries come again from its halves
            if status == TRUNCATED:
                self.crawler.stats.inc_value(stat_keys.WINDOWS_TRUNCATED)
                self.logger.warning("GDELT window %s still full at the finest split: coverage there is cut",
                                    window_key(window.start, window.end))
            for article in answer.articles:
                key = lead_key(article.url)
                request = self.discovered_request(article.url, SOURCE, discovered_at=article.seen.isoformat(),
                                                  **{LEAD: key})
                if request is not None:
                    leads.append((key, {"kind": "live", "url": request.url, "seen": article.seen.isoformat()}))
                    requests.append(request)
        added = self.book.record_window(SOURCE, plan.query, window_key(window.start, window.end), status,
                                        returned=answer.returned, leads=leads)
        self.crawler.stats.inc_value(stat_keys.DISCOVERED_URLS, added)
        yield from requests
        following = self.next_window(plan)
        if following is not None:
            yield following

    def service_gave_up(self, request) -> Iterable[Any]:
        if "gdelt_window" not in request.meta:
            return super().service_gave_up(request)
        plan: QueryPlan = self.plans[request.meta["gdelt_query"]]
        window: Window = request.meta["gdelt_window"]
        plan.planner.failed(window, "gave up")
        self.crawler.stats.inc_value(stat_keys.WINDOWS_FAILED)
        self.book.record_window(SOURCE, plan.query, window_key(window.start, window.end), "failed")
        following = self.next_window(plan)
        return [following] if following is not None else []

    def _gdelt_pending(self) -> None:
        """Windows known to be waiting, and the least time they take at GDELT's interval."""
        pending = sum(plan.planner.waiting for plan in self.plans.values())
        self.crawler.stats.set_value(stat_keys.windows_pending(SOURCE), pending)
        self.crawler.stats.set_value(stat_keys.seconds_left(SOURCE),
                                     round(pending * self.settings.getfloat("NEWSWATCH_GDELT_INTERVAL"), 1))
