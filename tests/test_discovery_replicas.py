"""The archive replicas over real loopback HTTP, read with the discovery parsers.

Every request goes to 127.0.0.1 through an opener with no proxy. The fetch loop here
(pacing, retries, window splitting, resume keys) is a stand-in for the crawl's
frontier, to show the pure parts and the replicas fit.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from scraper.demoweb.archive import ArchiveWeb, CommonCrawlReplica, Faults, GdeltReplica, WaybackReplica
from scraper.demoweb.archive.example import BURST_DAY, COURIER, DELETED, GAZETTE, LEDGER, example_dataset
from scraper.discovery import commoncrawl, gdelt, wayback
from scraper.discovery.errors import (
    EmptyBody,
    NotJson,
    QueryRejected,
    RateLimited,
    ServiceError,
    TruncatedRecord,
)
from scraper.discovery.pacing import Pacer, RetryPolicy, parse_retry_after
from scraper.extract import is_article

MAX_SECONDS = 60


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - stdlib signature
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
RAW_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(url: str, headers: dict[str, str] | None = None, follow: bool = True) -> tuple[int, dict[str, str], bytes]:
    assert urlsplit(url).hostname == "127.0.0.1", url
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with (OPENER if follow else RAW_OPENER).open(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def polite_fetch(url: str, pacer: Pacer, policy: RetryPolicy) -> tuple[int, dict[str, str], bytes]:
    """One request through the pacer, retried on 429/5xx as the policy says (the frontier's job later)."""
    attempt = 0
    while True:
        time.sleep(pacer.delay(time.monotonic()))
        pacer.sent(time.monotonic())
        status, headers, body = fetch(url)
        attempt += 1
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if not policy.should_retry(status, attempt, retry_after):
            return status, headers, body
        time.sleep(policy.delay(attempt, retry_after))


FAST = RetryPolicy(max_attempts=4, base=0.05, cap=0.2, max_retry_after=2)


@pytest.fixture(scope="module")
def web():
    with ArchiveWeb(example_dataset(burst=300), page_size=5, max_seconds=MAX_SECONDS) as archive:
        yield archive


# --------------------------------------------------------------------------- GDELT


def _artlist(endpoint: str, query: str, start: datetime, end: datetime) -> gdelt.ArtList:
    status, headers, body = fetch(gdelt.window_url(endpoint, query, start, end))
    assert status == 200
    return gdelt.parse_artlist(body, headers.get("Content-Type"))


def test_gdelt_answers_queries_from_the_watchlist(web):
    from pathlib import Path

    from scraper.match import load_watchlist

    watchlist = load_watchlist(Path(__file__).resolve().parent.parent / "watchlist.toml")
    start, end = datetime(2020, 4, 1, tzinfo=UTC), datetime(2020, 4, 5, tzinfo=UTC) + timedelta(days=30)
    found: dict[str, gdelt.GdeltArticle] = {}
    windows = (gdelt.Window(start, BURST_DAY), gdelt.Window(BURST_DAY + timedelta(days=1), end))  # not the burst
    for query in gdelt.queries_from_watchlist(watchlist):
        for window in windows:
            for article in _artlist(web.gdelt.endpoint, query, window.start, window.end).articles:
                found[article.url] = article
    assert set(found) == {f"{LEDGER}/2020/04/05/justice-project-premiere", DELETED,
                          f"{GAZETTE}/news/2020/sheppard-commutation"}
    # the cricketer and the legal-aid "Justice Project" are not asked for; the French article is found
    assert f"{COURIER}/sport/sheppard-remembered" not in found
    assert found[f"{GAZETTE}/news/2020/sheppard-commutation"].language == "French"
    assert found[DELETED].seen == datetime(2020, 4, 7, 14, 30, tzinfo=UTC)


def test_gdelt_empty_answer_and_sorting(web):
    query = '"kim kardashian west the justice project"'
    assert _artlist(web.gdelt.endpoint, query, datetime(2019, 1, 1, tzinfo=UTC),
                    datetime(2019, 2, 1, tzinfo=UTC)).articles == ()
    day = _artlist(web.gdelt.endpoint, query, BURST_DAY, BURST_DAY + timedelta(days=1))
    assert day.returned == gdelt.MAX_RECORDS                     # 300 match: the answer is cut at 250
    seen = [a.seen for a in day.articles]
    assert seen == sorted(seen)


def test_gdelt_refuses_what_the_real_api_refuses(web):
    start, end = datetime(2020, 4, 1, tzinfo=UTC), datetime(2020, 5, 1, tzinfo=UTC)
    for query in ('"dawn jackson" prison OR parole', '"dawn" prison', '"dawn jackson" (in OR prison)', "(a OR"):
        status, headers, body = fetch(gdelt.window_url(web.gdelt.endpoint, query, start, end))
        assert status == 200
        with pytest.raises(QueryRejected):
            gdelt.parse_artlist(body, headers.get("Content-Type"))


def test_gdelt_window_splitting_finds_everything_politely(web):
    """More than 250 results in one day: the planner splits until every window is complete."""
    query = '"kim kardashian west the justice project"'
    planner = gdelt.WindowPlanner(datetime(2020, 4, 1, tzinfo=UTC), datetime(2020, 4, 15, tzinfo=UTC))
    pacer, interval = Pacer(0.2), 0.2
    urls: set[str] = set()
    web.gdelt.clear_hits()
    while (window := planner.next_window()) is not None:
        status, headers, body = polite_fetch(gdelt.window_url(web.gdelt.endpoint, query, window.start, window.end),
                                             pacer, FAST)
        assert status == 200
        result = gdelt.parse_artlist(body, headers.get("Content-Type"))
        planner.record(window, result.returned)
        urls.update(a.url for a in result.articles)
    report = planner.report
    assert report.truncated == [] and report.failed == [] and report.splits >= 2
    assert len([u for u in urls if "/wire/" in u]) == 300
    assert f"{LEDGER}/2020/04/05/justice-project-premiere" in urls
    hits = web.gdelt.hits
    assert len(hits) == report.requests
    # arrivals keep the pacer's spacing, give or take the connection's own jitter
    assert all(b.at - a.at >= interval - 0.05 for a, b in zip(hits, hits[1:], strict=False))


def test_gdelt_faults():
    faults = Faults(rate_limit=1, retry_after=1, html_error=1, empty_body=1)
    with GdeltReplica(example_dataset().gdelt, faults, max_seconds=MAX_SECONDS) as replica:
        url = gdelt.window_url(replica.endpoint, "clemency", datetime(2020, 4, 1, tzinfo=UTC),
                               datetime(2020, 5, 1, tzinfo=UTC))
        status, headers, body = fetch(url)
        assert status == 429 and parse_retry_after(headers["Retry-After"]) == 1.0
        with pytest.raises(RateLimited):
            gdelt.parse_artlist(body, headers.get("Content-Type"))
        status, headers, body = fetch(url)
        with pytest.raises(NotJson):
            gdelt.parse_artlist(body, headers.get("Content-Type"))
        status, headers, body = fetch(url)
        with pytest.raises(EmptyBody):
            gdelt.parse_artlist(body, headers.get("Content-Type"))
        status, headers, body = fetch(url)
        assert [a.url for a in gdelt.parse_artlist(body).articles] == [DELETED]
        assert [h.status for h in replica.hits] == [429, 200, 200, 200]


def test_gdelt_rate_limit_is_enforced_and_retry_after_honoured():
    with GdeltReplica(example_dataset().gdelt, min_interval=0.3, max_seconds=MAX_SECONDS) as replica:
        url = gdelt.window_url(replica.endpoint, "clemency", datetime(2020, 4, 1, tzinfo=UTC),
                               datetime(2020, 5, 1, tzinfo=UTC))
        assert fetch(url)[0] == 200
        status, headers, _ = fetch(url)                      # too soon
        assert status == 429 and "Retry-After" in headers
        time.sleep(0.35)
        status, _, body = polite_fetch(url, Pacer(0.35), FAST)
        assert status == 200 and gdelt.parse_artlist(body).articles


# --------------------------------------------------------------------------- Wayback


def _enumerate(endpoint: str, target: str, match_type: str = "prefix", **kwargs) -> tuple[list, int, int]:
    captures, skipped, pages, key = [], 0, 0, None
    while True:
        status, _, body = fetch(wayback.enumerate_url(endpoint, target, match_type, resume_key=key, **kwargs))
        assert status == 200
        page = wayback.parse_cdx_page(body)
        captures += page.captures
        skipped += page.skipped
        pages += 1
        key = page.resume_key
        if key is None:
            return captures, skipped, pages


def test_cdx_enumerates_a_prefix_through_resume_keys(web):
    captures, skipped, pages = _enumerate(web.wayback.cdx_endpoint, "harbor-ledger.test/2020/04/")
    urls = [c.original for c in captures]
    assert len(urls) == len(set(urls))                       # collapse=urlkey: one row per URL
    expected = {f"{LEDGER}/2020/04/{d:02d}/story-{d}" for d in range(1, 13)} | {
        DELETED, f"{LEDGER}/2020/04/08/moved-here"}          # the 302 capture is filtered out
    assert set(urls) == expected
    assert skipped == 0 and pages == 3                        # 14 rows, 5 a page
    assert all(c.status == 200 for c in captures)


def test_cdx_date_range_and_domain(web):
    captures, _, _ = _enumerate(web.wayback.cdx_endpoint, "harbor-ledger.test", "domain",
                                start=datetime(2019, 12, 31, tzinfo=UTC), end=datetime(2020, 1, 2, tzinfo=UTC))
    assert [c.original for c in captures] == [f"{LEDGER}/2019/12/31/old"]


def test_cdx_broken_rows_are_counted_not_fatal():
    with WaybackReplica(example_dataset().wayback, page_size=5, cdx_faults=Faults(broken_rows=True),
                        max_seconds=MAX_SECONDS) as replica:
        captures, skipped, pages = _enumerate(replica.cdx_endpoint, "harbor-ledger.test/2020/04/")
        assert len(captures) == 14 and skipped == pages == 3


def test_cdx_faults():
    faults = Faults(html_error=1, empty_body=1, server_error=1, retry_after=0)
    with WaybackReplica(example_dataset().wayback, cdx_faults=faults, max_seconds=MAX_SECONDS) as replica:
        url = wayback.lookup_url(replica.cdx_endpoint, DELETED)
        status, _, body = fetch(url)
        assert status == 503
        with pytest.raises(NotJson):
            wayback.parse_cdx_page(body)
        with pytest.raises(NotJson):
            wayback.parse_cdx_page(fetch(url)[2])
        with pytest.raises(EmptyBody):
            wayback.parse_cdx_page(fetch(url)[2])
        assert len(wayback.parse_cdx_page(fetch(url)[2]).captures) == 4
        # the replay is not affected by the CDX's faults
        assert fetch(wayback.replay_url(replica.replay_base, "20200407150000", DELETED))[0] == 200


def test_rescue_walks_back_past_the_notice_and_the_soft_404(web):
    removal = datetime(2021, 6, 1, tzinfo=UTC)
    status, _, body = fetch(wayback.lookup_url(web.wayback.cdx_endpoint, DELETED, before=removal))
    page = wayback.parse_cdx_page(body)
    tried, rescued = [], None
    for capture in wayback.candidates_before(page.captures, removal):
        status, headers, body = fetch(wayback.replay_url(web.wayback.replay_base, capture.timestamp,
                                                         capture.original), follow=False)
        tried.append(capture.timestamp)
        if status != 200 or wayback.is_archive_notice(status, headers, body) or not is_article(body, capture.original):
            continue
        rescued = (capture, headers, body)
        break
    assert tried == ["20210401000000", "20210301000000", "20200601000000"]   # notice, soft 404, then the article
    capture, headers, body = rescued
    assert b"(updated)" in body and b"WAYBACK TOOLBAR" not in body            # raw: no banner
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Link"] == f'<{DELETED}>; rel="original"' and "Memento-Datetime" in headers


def test_replay_forms(web):
    base = web.wayback.replay_base
    status, _, body = fetch(wayback.replay_url(base, "20200407150000", DELETED, raw=False))
    assert status == 200 and b"WAYBACK TOOLBAR" in body
    # a timestamp that is not a capture's: redirected to the nearest capture, in the same form
    status, headers, _ = fetch(f"{base}/web/2020id_/{DELETED}", follow=False)
    assert status == 302 and headers["Location"] == f"/web/20200407150000id_/{DELETED}"
    assert fetch(f"{base}/web/2020id_/{DELETED}")[0] == 200
    # a capture of a redirect: raw, it is the redirect; with the banner, the archive's notice page
    moved = f"{LEDGER}/2020/04/08/moved"
    status, headers, body = fetch(wayback.replay_url(base, "20200409000000", moved), follow=False)
    assert status == 302 and wayback.parse_replay_url(headers["Location"])[2] == f"{moved}-here"
    assert wayback.is_archive_notice(status, headers, body)
    status, headers, body = fetch(wayback.replay_url(base, "20200409000000", moved, raw=False), follow=False)
    assert status == 200 and b"crawl time" in body and wayback.is_archive_notice(status, headers, body)
    # never archived
    status, _, body = fetch(wayback.replay_url(base, "20200101000000", f"{LEDGER}/never"))
    assert status == 404


# --------------------------------------------------------------------------- Common Crawl


def _crawls(replica: CommonCrawlReplica) -> list[commoncrawl.Crawl]:
    status, _, body = fetch(commoncrawl.collinfo_url(replica.index_base))
    assert status == 200
    info = commoncrawl.parse_collinfo(body, replica.index_base)
    assert info.skipped == 0
    return list(info.crawls)


def _index(crawl: commoncrawl.Crawl, url: str, **kwargs) -> commoncrawl.IndexPage:
    status, _, body = fetch(commoncrawl.index_query_url(crawl.cdx_api, url, **kwargs))
    return commoncrawl.parse_index_lines(body, status)


def test_common_crawl_prefix_enumeration_and_range_reads(web):
    crawls = _crawls(web.commoncrawl)
    assert [c.id for c in crawls] == ["CC-MAIN-2019-04", "CC-MAIN-2020-16", "CC-MAIN-2020-24"]
    (april,) = commoncrawl.crawls_overlapping(crawls, datetime(2020, 4, 1, tzinfo=UTC),
                                              datetime(2020, 4, 30, tzinfo=UTC))
    page = _index(april, "www.plains-gazette.test/news/2020/*")
    assert {r.url for r in page.records} == {f"{GAZETTE}/news/2020/sheppard-commutation",
                                             f"{GAZETTE}/news/2020/broken-record"}
    record = next(r for r in page.records if r.url.endswith("sheppard-commutation"))
    web.commoncrawl.clear_hits()
    status, headers, data = fetch(record.data_url(web.commoncrawl.data_base), {"Range": record.range_header()})
    assert status == 206 and headers["Content-Range"].startswith(f"bytes {record.offset}-")
    status, response_headers, body, target, date = commoncrawl.read_range_record(data)
    assert status == 200 and target == record.url and b"Commutation for David Sheppard" in body
    assert date == datetime(2020, 4, 9, 10, tzinfo=UTC)
    assert ("Content-Type", "text/html; charset=utf-8") in response_headers
    (hit,) = web.commoncrawl.hits
    assert hit.range == record.range_header() and hit.status == 206


def test_common_crawl_index_scopes_pages_and_no_captures(web):
    crawls = {c.id: c for c in _crawls(web.commoncrawl)}
    june = crawls["CC-MAIN-2020-24"]
    assert {r.url for r in _index(june, "*.valley-courier.test").records} == {f"{COURIER}/news/2020/other"}
    assert {r.url for r in _index(june, "valley-courier.test", match_type="domain").records} == \
        {f"{COURIER}/news/2020/other"}
    prefix = _index(crawls["CC-MAIN-2020-16"], "www.plains-gazette.test/news/2020/", match_type="prefix")
    assert len(prefix.records) == 2
    empty = _index(crawls["CC-MAIN-2019-04"], "www.plains-gazette.test/*")
    assert empty.records == () and empty.skipped == 0
    status, _, body = fetch(commoncrawl.num_pages_url(june.cdx_api, "*.plains-gazette.test"))
    assert status == 200 and commoncrawl.parse_num_pages(body) == 1
    assert len(_index(june, "*.plains-gazette.test", page=0).records) == 1


def test_warc_store_ranges(web):
    april = next(c for c in _crawls(web.commoncrawl) if c.id == "CC-MAIN-2020-16")
    record = _index(april, "www.plains-gazette.test/news/2020/*").records[0]
    url = record.data_url(web.commoncrawl.data_base)
    status, _, whole = fetch(url)
    assert status == 200 and len(whole) > record.offset + record.length
    status, headers, tail = fetch(url, {"Range": "bytes=-10"})
    assert status == 206 and tail == whole[-10:] and headers["Content-Range"] == \
        f"bytes {len(whole) - 10}-{len(whole) - 1}/{len(whole)}"
    for bad in (f"bytes={len(whole)}-", "bytes=10-5", "bytes=a-b", "items=0-5"):
        status, headers, _ = fetch(url, {"Range": bad})
        assert status == 416 and headers["Content-Range"] == f"bytes */{len(whole)}"
    assert fetch(web.commoncrawl.data_base + "/crawl-data/nothing.warc.gz")[0] == 404


def test_common_crawl_faults():
    data_faults = Faults(truncated=frozenset({f"{GAZETTE}/news/2020/broken-record"}))
    index_faults = Faults(broken_rows=True)
    with CommonCrawlReplica(example_dataset().crawls, index_faults=index_faults, data_faults=data_faults,
                            max_seconds=MAX_SECONDS) as replica:
        april = next(c for c in _crawls(replica) if c.id == "CC-MAIN-2020-16")
        page = _index(april, "www.plains-gazette.test/news/2020/*")
        assert len(page.records) == 2 and page.skipped == 1
        outcomes = {}
        for record in page.records:
            status, _, data = fetch(record.data_url(replica.data_base), {"Range": record.range_header()})
            assert status == 206
            try:
                outcomes[record.url] = commoncrawl.read_range_record(data).status
            except ServiceError as error:
                outcomes[record.url] = type(error)
        assert outcomes == {f"{GAZETTE}/news/2020/sheppard-commutation": 200,
                            f"{GAZETTE}/news/2020/broken-record": TruncatedRecord}
        replica.index_faults.html_error, replica.index_faults.empty_body, replica.index_faults.rate_limit = 1, 1, 1
        status, headers, _ = fetch(commoncrawl.collinfo_url(replica.index_base))
        assert status == 429 and headers["Retry-After"] == "1"
        with pytest.raises(NotJson):
            commoncrawl.parse_collinfo(fetch(commoncrawl.collinfo_url(replica.index_base))[2])
        with pytest.raises(EmptyBody):
            commoncrawl.parse_collinfo(fetch(commoncrawl.collinfo_url(replica.index_base))[2])


# --------------------------------------------------------------------------- lifecycle


def test_replicas_stop_by_themselves():
    web = ArchiveWeb(example_dataset(), max_seconds=0.5)
    try:
        endpoints = web.endpoints
        assert all(urlsplit(u).hostname == "127.0.0.1" for u in endpoints.values())
        assert set(endpoints) == {"gdelt_endpoint", "cdx_endpoint", "replay_base", "cc_index_base", "cc_data_base"}
        assert web.gdelt.wait(5) and web.wayback.wait(5) and web.commoncrawl.wait(5)
        assert web.gdelt.stopped and web.wayback.stopped and web.commoncrawl.stopped
    finally:
        web.stop()
    web.stop()  # idempotent


def test_hits_record_every_request(web):
    web.wayback.clear_hits()
    fetch(wayback.lookup_url(web.wayback.cdx_endpoint, DELETED))
    (hit,) = web.wayback.hits
    assert hit.method == "GET" and hit.status == 200 and hit.path.startswith("/cdx/search/cdx?")
    assert parse_qs(urlsplit(hit.path).query)["url"] == [DELETED]
