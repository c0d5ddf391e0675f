"""Common Crawl: what its crawls inside the backfill's dates hold under each outlet's
`archive_prefixes`, read from its WARC files without touching the outlet's own server.

collinfo.json lists the crawls and their dates; for each crawl that ran within the
range, each prefix's index is paged (`showNumPages`, then `page=N`), and each capture
is one Range request on the WARC file holding it: a gzip member with one record, read
with warcio. Each index page's cursor is written with the captures it found, so a
resumed backfill asks no finished page again. A capture whose article is already
stored is not fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from scrapy.http import Response

from scraper import stats as stat_keys
from scraper.crawling.discovery_book import lead_key
from scraper.crawling.frontier import PROVENANCE
from scraper.crawling.services import CC_DATA, CC_INDEX
from scraper.discovery.commoncrawl import (
    IndexRecord,
    collinfo_url,
    crawls_overlapping,
    index_query_url,
    num_pages_url,
    parse_collinfo,
    parse_index_lines,
    parse_num_pages,
    read_range_record,
)
from scraper.discovery.errors import ServiceError
from spiders.discovery import DiscoverySpider

SOURCE = "commoncrawl"
HTML_TYPES = ("text/html", "application/xhtml+xml")
PAGES = "pages"  # the ledger window holding a (crawl, prefix) query's page count


class CommonCrawlSpider(DiscoverySpider):
    name = "commoncrawl"
    found_via = "commoncrawl"

    async def start(self):
        for url, lead in self.book.unsettled(SOURCE):  # found by a run that was killed
            self.crawler.stats.inc_value(stat_keys.RESUMED_URLS)
            yield self.record_request(IndexRecord(lead["url"], lead["timestamp"], lead["filename"], lead["offset"],
                                                  lead["length"], 200, "text/html", ""), url)
        if any(outlet.archive_prefixes for outlet in self.outlets):
            index = self.settings.get("NEWSWATCH_CC_INDEX")
            yield self.service(collinfo_url(index), CC_INDEX, self.parse_crawls)

    def parse_crawls(self, response: Response) -> Iterable[Any]:
        info, instead = self.read_answer(response, lambda: parse_collinfo(response.body,
                                                                          self.settings.get("NEWSWATCH_CC_INDEX")))
        if info is None:
            yield from instead
            return
        start, end = self.discovery_range()
        for crawl in crawls_overlapping(info.crawls, start, end):
            for outlet in self.outlets:
                for prefix in outlet.archive_prefixes:
                    query = f"{crawl.id} {prefix}"
                    earlier = self.book.windows(SOURCE, query)
                    meta = {"cc_query": query, "cdx_api": crawl.cdx_api, "cc_prefix": prefix, "range": (start, end)}
                    if PAGES in earlier:  # the page count is known: only the pages not answered
                        pages = int(earlier[PAGES][1] or 0)
                        yield from self.page_requests(pages, earlier, meta)
                    else:
                        self._cc_pending(1)
                        yield self.service(num_pages_url(crawl.cdx_api, prefix, "prefix"), CC_INDEX,
                                           self.parse_page_count, **meta)

    def parse_page_count(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        pages, instead = self.read_answer(response, lambda: parse_num_pages(response.body))
        if pages is None:
            yield from instead
            return
        self._cc_pending(-1)
        self.book.record_window(SOURCE, meta["cc_query"], PAGES, "complete", resume_key=str(pages))
        yield from self.page_requests(pages, {}, {k: meta[k] for k in ("cc_query", "cdx_api", "cc_prefix", "range")})

    def page_requests(self, pages: int, earlier: dict, meta: dict) -> Iterable[Any]:
        start, end = meta["range"]
        for page in range(pages):
            if earlier.get(f"page {page}", (None,))[0] == "complete":
                self.crawler.stats.inc_value(stat_keys.WINDOWS_RESUMED)
                continue
            self._cc_pending(1)
            url = index_query_url(meta["cdx_api"], meta["cc_prefix"], "prefix", start, end, page=page)
            yield self.service(url, CC_INDEX, self.parse_index_page, page=page, handle_httpstatus_list=[404],
                               **meta)

    def parse_index_page(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        page, instead = self.read_answer(response, lambda: parse_index_lines(response.body, response.status))
        if page is None:
            yield from instead
            return
        self._cc_pending(-1)
        if page.skipped:
            self.crawler.stats.inc_value(stat_keys.error("commoncrawl-index_unusable_lines"), page.skipped)
        leads, requests = [], []
        for record in page.records:
            if record.status != 200 or record.mime.split(";")[0].strip().lower() not in HTML_TYPES:
                continue
            if self.book.known(record.url):
                self.crawler.stats.inc_value(stat_keys.skipped("already_stored"))
                continue
            key = lead_key(record.url)
            leads.append((key, {"kind": "record", "url": record.url, "timestamp": record.timestamp,
                                "filename": record.filename, "offset": record.offset, "length": record.length}))
            requests.append(self.record_request(record, key))
        added = self.book.record_window(SOURCE, meta["cc_query"], f"page {meta['page']}", "complete",
                                        returned=len(page.records), leads=leads)
        self.crawler.stats.inc_value(stat_keys.DISCOVERED_URLS, added)
        self.crawler.stats.inc_value(stat_keys.WINDOWS_DONE)
        yield from requests

    def record_request(self, record: IndexRecord, lead: str | None):
        data_url = record.data_url(self.settings.get("NEWSWATCH_CC_DATA"))
        return self.archived_request(
            data_url, CC_DATA, self.parse_record, record.url, fetched_from=SOURCE,
            archive_url=f"{data_url}#offset={record.offset}&length={record.length}",
            archived_at=record.moment, found_via=SOURCE, lead=lead, headers={"Range": record.range_header()})

    def parse_record(self, response: Response) -> Iterable[Any]:
        try:
            capture = read_range_record(response.body)
        except ServiceError as exc:  # a truncated or unreadable record: counted, nothing stored
            self.crawler.stats.inc_value(stat_keys.error(f"commoncrawl-data_{type(exc).__name__.lower()}"))
            self.logger.warning("%s: %s", response.url, exc)
            return self.archived_miss(response)
        self.backoff.answered(response.request)
        if capture.status != 200:
            self.crawler.stats.inc_value(stat_keys.skipped("archived_not_200"))
            return self.archived_miss(response)
        if capture.date is not None:
            response.meta[PROVENANCE]["archived_at"] = capture.date.astimezone(UTC).isoformat()
        # the page is the record's (the ranged answer is kept as the evidence of this fetch)
        return self.archived_page(response, capture.status, dict(capture.headers), capture.body)

    def service_gave_up(self, request) -> Iterable[Any]:
        if "cc_query" in request.meta:
            self._cc_pending(-1)
            self.crawler.stats.inc_value(stat_keys.WINDOWS_FAILED)
            return ()
        return super().service_gave_up(request)

    def _cc_pending(self, change: int) -> None:
        self.crawler.stats.inc_value(stat_keys.windows_pending(SOURCE), change)
        pending = self.crawler.stats.get_value(stat_keys.windows_pending(SOURCE), 0)
        self.crawler.stats.set_value(stat_keys.seconds_left(SOURCE),
                                     round(max(0, pending) * self.settings.getfloat("NEWSWATCH_CC_INTERVAL"), 1))

