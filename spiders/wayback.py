"""The Wayback Machine: enumerate what it holds under each outlet's `archive_prefixes`
over the backfill's dates, and rescue known articles that are gone from their site.

Enumerate: a CDX query per prefix (one capture per URL, status 200, within the dates),
paged with its resume key; each page's cursor is written with the captures it found, so
a resumed backfill starts from the last key. A capture whose article is already stored
is not fetched. The others are fetched raw (`{timestamp}id_/{url}`, no banner) and go
through the same rules as any page.

Rescue (NEWSWATCH_RESCUE): an article request answered 404 or 410, or sent to the home
page or a section, is looked up in the CDX server; the captures taken before its
removal are tried newest first, skipping the archive's redirect notices and soft 404s.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Response

from scraper import stats as stat_keys
from scraper.crawling.discovery_book import lead_key
from scraper.crawling.frontier import FOUND_VIA, LEAD, ORIGINAL_URL, PROVENANCE
from scraper.crawling.services import WAYBACK_CDX, WAYBACK_REPLAY
from scraper.discovery.wayback import (
    Capture,
    candidates_before,
    enumerate_url,
    lookup_url,
    parse_cdx_page,
    parse_timestamp,
    replay_url,
)
from spiders.discovery import DiscoverySpider, window_key

SOURCE = "wayback"
MAX_RESCUE_TRIES = 4  # captures tried for one removed article, newest first
HTML_TYPES = ("text/html", "application/xhtml+xml", "")


class WaybackSpider(DiscoverySpider):
    name = "wayback"
    found_via = "wayback"

    async def start(self):
        for url, lead in self.book.unsettled(SOURCE):  # found by a run that was killed
            self.crawler.stats.inc_value(stat_keys.RESUMED_URLS)
            yield self.replay_request(Capture(lead["timestamp"], lead["original"], 200, "text/html", ""), url)
        start, end = self.discovery_range()
        window = window_key(start, end)
        for outlet in self.outlets:
            for prefix in outlet.archive_prefixes:
                status, resume_key = self.book.windows(SOURCE, prefix).get(window, (None, None))
                if status == "complete":
                    self.crawler.stats.inc_value(stat_keys.WINDOWS_RESUMED)
                    continue
                self.crawler.stats.inc_value(stat_keys.windows_pending(SOURCE))
                yield self.enumeration_request(prefix, start, end, resume_key)

    def enumeration_request(self, prefix: str, start: datetime, end: datetime, resume_key: str | None):
        url = enumerate_url(self.settings.get("NEWSWATCH_CDX_ENDPOINT"), prefix, "prefix", start, end,
                            resume_key=resume_key)
        return self.service(url, WAYBACK_CDX, self.parse_enumeration, wayback_prefix=prefix, range=(start, end))

    def parse_enumeration(self, response: Response) -> Iterable[Any]:
        prefix, (start, end) = response.meta["wayback_prefix"], response.meta["range"]
        page, instead = self.read_answer(response, lambda: parse_cdx_page(response.body))
        if page is None:
            yield from instead
            return
        if page.skipped:
            self.crawler.stats.inc_value(stat_keys.error("wayback-cdx_unusable_rows"), page.skipped)
        leads, requests = [], []
        for capture in page.captures:
            if capture.mimetype.split(";")[0].strip().lower() not in HTML_TYPES:
                continue
            if self.book.known(capture.original):
                self.crawler.stats.inc_value(stat_keys.skipped("already_stored"))
                continue
            key = lead_key(capture.original)
            leads.append((key, {"kind": "replay", "timestamp": capture.timestamp, "original": capture.original}))
            requests.append(self.replay_request(capture, key))
        status = "partial" if page.resume_key else "complete"
        added = self.book.record_window(SOURCE, prefix, window_key(start, end), status, resume_key=page.resume_key,
                                        returned=len(page.captures), leads=leads)
        self.crawler.stats.inc_value(stat_keys.DISCOVERED_URLS, added)
        self.crawler.stats.inc_value(stat_keys.WINDOWS_DONE)
        yield from requests
        if page.resume_key:
            yield self.enumeration_request(prefix, start, end, page.resume_key)
        else:
            self.crawler.stats.inc_value(stat_keys.windows_pending(SOURCE), -1)

    def replay_request(self, capture: Capture, lead: str | None, **meta: Any):
        archive_url = replay_url(self.settings.get("NEWSWATCH_WAYBACK_REPLAY"), capture.timestamp, capture.original)
        return self.archived_request(archive_url, WAYBACK_REPLAY, self.parse_replay, capture.original,
                                     fetched_from=SOURCE, archive_url=archive_url,
                                     archived_at=parse_timestamp(capture.timestamp) or datetime.now(UTC),
                                     found_via=meta.pop(FOUND_VIA, SOURCE), lead=lead, **meta)

    def parse_replay(self, response: Response) -> Iterable[Any]:
        if response.status >= 400:
            self.crawler.stats.inc_value(stat_keys.error(f"wayback-replay_http_{response.status}"))
            return self.archived_miss(response)
        headers = {k.decode("latin-1"): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        return self.archived_page(response, response.status, headers, response.body)

    def service_gave_up(self, request) -> Iterable[Any]:
        if request.meta.get("wayback_prefix"):
            self.crawler.stats.inc_value(stat_keys.WINDOWS_FAILED)  # its cursor keeps the last good resume key
            self.crawler.stats.inc_value(stat_keys.windows_pending(SOURCE), -1)
            return ()
        if request.meta.get("rescue_of") and request.meta.get(ORIGINAL_URL):
            return self.next_candidate(request.meta)
        return super().service_gave_up(request)

    # ---- rescue --------------------------------------------------------------------

    def rescue(self, url: str, meta: dict) -> Iterable[Any]:
        removal = datetime.now(UTC).replace(microsecond=0)
        lookup = lookup_url(self.settings.get("NEWSWATCH_CDX_ENDPOINT"), url, before=removal)
        keep = {key: meta[key] for key in (FOUND_VIA, LEAD) if meta.get(key)}
        discovered = (meta.get(PROVENANCE) or {}).get("discovered_at")
        yield self.service(lookup, WAYBACK_CDX, self.parse_lookup, rescue_of=url, removal=removal,
                           discovered_at=discovered, **keep)

    def parse_lookup(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        page, instead = self.read_answer(response, lambda: parse_cdx_page(response.body))
        if page is None:
            yield from instead
            return
        candidates = [c for c in candidates_before(page.captures, meta["removal"])
                      if c.mimetype.split(";")[0].strip().lower() in HTML_TYPES][:MAX_RESCUE_TRIES]
        if not candidates:
            self.crawler.stats.inc_value(stat_keys.skipped("no_archived_copy"))
            self.settle(meta)
            return
        yield from self.try_capture(candidates, meta)

    def try_capture(self, candidates: list[Capture], meta: dict) -> Iterable[Any]:
        first, rest = candidates[0], candidates[1:]
        yield self.replay_request(first, meta.get(LEAD), **{FOUND_VIA: meta.get(FOUND_VIA, SOURCE)},
                                  rescue_of=meta["rescue_of"], candidates=rest,
                                  discovered_at=meta.get("discovered_at"))

    def next_candidate(self, meta: dict) -> Iterable[Any]:
        if meta.get("candidates"):
            return self.try_capture(meta["candidates"], meta)
        self.crawler.stats.inc_value(stat_keys.skipped("no_archived_copy"))
        self.settle(meta)
        return ()

    def archived_miss(self, response: Response) -> Iterable[Any]:
        if response.meta.get("rescue_of"):
            return self.next_candidate(response.meta)  # an older capture may hold the article
        return super().archived_miss(response)
