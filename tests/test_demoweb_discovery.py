"""The demo web as discovery and the archive backfill see it: outlets nobody listed behind
a forward proxy (each on its own host name), articles deleted from the listed outlets but
kept by the archives, and the GDELT / Wayback / Common Crawl replicas over the demo's
own dataset, with each of those services' faults once.

Everything is on 127.0.0.1: proxied requests go through `web.proxy_url`, every other
request is made with no proxy at all, and the proxy is checked to forward nothing off
the machine.
"""

from __future__ import annotations

import http.client
import json
import tomllib
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

import pytest

from scraper.analysis.page import analyse_page
from scraper.config import load_sources
from scraper.demoweb import DemoWeb, load_demo_web
from scraper.demoweb.archive.demo import CRAWLS, PAGE_SIZE
from scraper.demoweb.archive.gdelt import matches, parse_query
from scraper.demoweb.releases import BURST_DAY, BURST_SIZE
from scraper.demoweb.releases import HOST as RELEASE_HOST
from scraper.demoweb.templates.base import esc
from scraper.discovery import commoncrawl, gdelt, wayback
from scraper.discovery.errors import NotJson, TruncatedRecord
from scraper.discovery.outlets import DiscoveryPolicy, outlet_name
from scraper.extract import extract_article, is_article
from scraper.match import load_watchlist
from tests.labelled import REPO

CONTENT = load_demo_web(REPO / "demo_web")
WATCHLIST = load_watchlist(REPO / "watchlist.toml")
QUERIES = gdelt.queries_from_watchlist(WATCHLIST)
ANSWER_KEY = json.loads((REPO / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
LISTED = ["screen-ledger", "marquee-daily", "petit-ecran", "buzz-hub", "justice-dispatch", "reform-record"]
UNLISTED = [o for o in CONTENT.unlisted if not o.blocked]
BLOCKED = [o for o in CONTENT.unlisted if o.blocked]
REMOVED = [a for slug in LISTED for a in CONTENT.removed[slug]]
BURST_QUERY = QUERIES[1]  # the documentary's short title AND its host or network


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None


DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET",
          proxy: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) without following redirects; through `proxy` when given, else with no proxy."""
    opener = (urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}), _NoRedirect)
              if proxy else DIRECT)
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def url_of(web: DemoWeb, outlet: str, path: str) -> str:
    return web.url_for(outlet, path)


def until_json(url: str, attempts: int = 5) -> bytes:
    """A GDELT answer, past the replica's once-only faults (429, HTML page, empty body)."""
    for _ in range(attempts):
        status, _, body = fetch(url)
        if status == 200 and body.strip().startswith(b"{"):
            return body
    raise AssertionError(f"no JSON from {url}")


@pytest.fixture(autouse=True)
def proxy_for_loopback_too(monkeypatch):
    """The session names loopback in no_proxy (tests/conftest.py), which would let urllib go
    around the demo proxy for 127.0.0.1; here every proxied request must reach it."""
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)


@pytest.fixture(scope="module")
def web():
    with DemoWeb(max_seconds=300) as demo:
        yield demo


# ---- the content ----------------------------------------------------------------------------


def test_outlets_nobody_listed_with_coverage_and_traps():
    assert [o.slug for o in CONTENT.outlets] == LISTED
    assert len(UNLISTED) >= 5 and len(BLOCKED) == 1
    for outlet in CONTENT.unlisted:
        assert outlet.host and outlet.host.endswith(".example") and not outlet.listed
    articles = [a for o in UNLISTED for a in CONTENT.articles[o.slug]]
    relevant = [a for a in articles if a.relevant]
    traps = [a for a in articles if not a.relevant]
    assert len(articles) >= 15 and len(relevant) >= 8 and len(traps) >= 6
    assert {a.language for a in articles} >= {"en", "fr", "es", "de"}
    assert any(a.short for a in relevant)
    assert {o.template for o in UNLISTED} >= {"ledger", "ecran", "dispatch", "record", "farm", "marquee"}
    assert all(not CONTENT.removed.get(o.slug) for o in CONTENT.unlisted)


def test_deleted_articles_are_mostly_coverage():
    assert len(REMOVED) >= 10
    assert sum(a.removed == "404" for a in REMOVED) >= 4 and sum(a.removed == "home" for a in REMOVED) >= 4
    assert sum(a.relevant for a in REMOVED) >= 8 and any(not a.relevant for a in REMOVED)
    for article in REMOVED:
        outlet = CONTENT.outlet(article.outlet)
        assert not outlet.is_disallowed(article.path) and article.published_at < datetime(2021, 12, 1, tzinfo=UTC)
    live = {(a.outlet, a.path) for a in CONTENT.all_articles()}
    assert not live & {(a.outlet, a.path) for a in REMOVED}


def test_answer_key_rows_say_where_each_article_is():
    assert len(ANSWER_KEY) == len(CONTENT.every_article())
    for row in ANSWER_KEY:
        outlet = CONTENT.outlet(row["outlet"])
        assert row["listed"] == outlet.listed and row["host"] == outlet.host and row["blocked"] == outlet.blocked
        assert row["removed"] in (None, "404", "home")
        assert row["listed"] or row["removed"] is None
    assert {(r["outlet"], r["path"]) for r in ANSWER_KEY if r["removed"]} == {(a.outlet, a.path) for a in REMOVED}
    blocked = [r for r in ANSWER_KEY if r["blocked"]]
    assert blocked and any(r["relevant"] for r in blocked) and all(r["host"] == BLOCKED[0].host for r in blocked)


def test_new_articles_are_labelled_as_the_matcher_reads_their_pages(web):
    """Each unlisted article as served through the proxy, and each deleted article as the
    archive replays it, gives its label's verdict, entries and language."""
    archive = web.archive
    wrong = []
    pages = [(url_of(web, o.slug, a.path), a, fetch(url_of(web, o.slug, a.path), proxy=web.proxy_url)[2])
             for o in CONTENT.unlisted for a in CONTENT.articles[o.slug]]
    for article in REMOVED:
        url = url_of(web, article.outlet, article.path)
        first = next(c for c in archive.wayback.captures if c.url == url)
        status, _, body = fetch(wayback.replay_url(archive.wayback.replay_base, first.timestamp, url))
        assert status == 200, url
        pages.append((url, article, body))
    for url, article, body in pages:
        got = analyse_page(body, url=url, watchlist=WATCHLIST, headers={"Content-Type": "text/html; charset=utf-8"})
        if (got["relevant"], set(got["matched"]), got["language"]) != (article.relevant, set(article.covers),
                                                                       article.language):
            wrong.append((url, got["relevant"], got["matched"], got["language"]))
        assert got["published_date"] == article.published[:10], url
    assert wrong == []


def test_one_unlisted_outlet_declares_no_site_name(web):
    declared = {}
    for outlet in UNLISTED:
        article = CONTENT.articles[outlet.slug][0]
        url = url_of(web, outlet.slug, article.path)
        html = fetch(url, proxy=web.proxy_url)[2].decode("utf-8")
        declared[outlet.slug] = "og:site_name" in html or '"publisher"' in html or 'itemprop="publisher"' in html
        if not declared[outlet.slug]:
            extracted = extract_article(html, url=url)
            assert outlet_name(extracted.get("site_name"), None, url) == outlet.host.removeprefix("www.")
    assert sum(declared.values()) >= len(UNLISTED) - 1 and not all(declared.values())


# ---- the proxy -------------------------------------------------------------------------------


def test_unlisted_outlets_are_not_in_the_listed_web(web):
    assert [slug for slug, *_ in web.outlets] == LISTED and list(web.sites) == LISTED
    sources = web.sources_toml()
    for outlet in CONTENT.unlisted:
        assert outlet.host not in sources
    unlisted = {slug: base for slug, _, _, base in web.unlisted}
    assert set(unlisted) == {o.slug for o in CONTENT.unlisted} | {"stagewire-releases"}
    assert all(urlsplit(base).port is None and base.startswith("http://") for base in unlisted.values())


def test_the_proxy_serves_unlisted_outlets_by_host(web):
    outlet = UNLISTED[0]
    article = CONTENT.articles[outlet.slug][0]
    web.clear_hits()
    status, headers, body = fetch(f"http://{outlet.host}/robots.txt", proxy=web.proxy_url)
    assert status == 200 and "User-agent: *" in body.decode() and f"http://{outlet.host}/sitemap.xml" in body.decode()
    assert fetch(f"http://{outlet.host}/sitemap-articles.xml", proxy=web.proxy_url)[2].count(b"<loc>") == len(
        CONTENT.articles[outlet.slug])
    url = url_of(web, outlet.slug, article.path)
    status, headers, body = fetch(url, proxy=web.proxy_url)
    assert status == 200 and esc(article.title) in body.decode("utf-8")
    assert "ETag" in headers and "Last-Modified" in headers
    assert fetch(url, {"If-None-Match": headers["ETag"]}, proxy=web.proxy_url)[0] == 304
    assert fetch(url, {"If-Modified-Since": headers["Last-Modified"]}, proxy=web.proxy_url)[0] == 304
    assert fetch(url, method="HEAD", proxy=web.proxy_url)[0] == 200
    assert fetch(f"http://{outlet.host}/no/such/page", proxy=web.proxy_url)[0] == 404
    # an origin-form request with a Host header goes to the same site
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(web.proxy_url).port, timeout=10)
    connection.request("GET", "/robots.txt", headers={"Host": outlet.host})
    response = connection.getresponse()
    assert response.status == 200 and b"User-agent: *" in response.read()
    connection.close()
    hits = [h for h in web.hits if h[0] == outlet.slug]
    assert (outlet.slug, "GET", "/robots.txt", 200) in hits and (outlet.slug, "GET", article.path, 304) in hits
    assert all(h.action == "served" for h in web.proxy_hits)
    # and nothing on its own port: the host name resolves nowhere but through the proxy
    assert not any(outlet.host in base for _, _, _, base in web.outlets)


def test_the_press_release_wire_answers_any_release(web):
    status, _, body = fetch(f"http://{RELEASE_HOST}/release/123", proxy=web.proxy_url)
    assert status == 200 and b"The Justice Project" in body
    got = analyse_page(body, url=f"http://{RELEASE_HOST}/release/123", watchlist=WATCHLIST)
    assert got["relevant"] is False and got["matched"] == [] and got["published_date"] == "2020-04-06"
    assert is_article(body, f"http://{RELEASE_HOST}/release/123")
    assert fetch(f"http://{RELEASE_HOST}/press/kit", proxy=web.proxy_url)[0] == 404


@pytest.mark.parametrize("url", [
    "http://example.com/",
    "http://www.lakeside-courier.example:8080/",
    "http://unknown-outlet.example/",
    "http://127.0.0.2/",
    "http://localhost/",
])
def test_the_proxy_refuses_every_other_host(web, url):
    before = len(web.proxy_hits)
    status, _, body = fetch(url, proxy=web.proxy_url)
    assert status == 502 and body == b"not part of the demo web\n"
    assert [h.action for h in web.proxy_hits[before:]] == ["refused"]


def test_the_proxy_refuses_unknown_loopback_ports_and_tunnels(web):
    with DemoWeb(max_seconds=30) as other:  # a server on this machine, but not part of this demo web
        port = urlsplit(other.outlets[0][3]).port
        assert fetch(f"http://127.0.0.1:{port}/robots.txt", proxy=web.proxy_url)[0] == 502
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(web.proxy_url).port, timeout=10)
    connection.set_tunnel("www.lakeside-courier.example", 443)
    with pytest.raises(OSError, match="502"):
        connection.request("GET", "/")
    connection.close()
    refused = [h for h in web.proxy_hits if h.action == "refused"]
    assert any(h.method == "CONNECT" for h in refused)
    forwarded = {urlsplit(h.url).port for h in web.proxy_hits if h.action == "forwarded"}
    archive_ports = {r.port for r in (web.archive.gdelt, web.archive.wayback, web.archive.commoncrawl)}
    assert forwarded <= {urlsplit(b).port for _, _, _, b in web.outlets} | archive_ports
    assert all(urlsplit(h.url).hostname == "127.0.0.1" for h in web.proxy_hits if h.action == "forwarded")


def test_the_proxy_forwards_to_listed_outlets_and_replicas(web):
    slug = LISTED[0]
    robots = url_of(web, slug, "/robots.txt")
    direct = fetch(robots)
    status, headers, body = fetch(robots, proxy=web.proxy_url)
    assert (status, body) == (direct[0], direct[2]) and headers["Content-Type"] == direct[1]["Content-Type"]
    article = CONTENT.articles[slug][0]
    status, headers, _ = fetch(url_of(web, slug, article.path), proxy=web.proxy_url)
    assert status == 200 and fetch(url_of(web, slug, article.path), {"If-None-Match": headers["ETag"]},
                                   proxy=web.proxy_url)[0] == 304
    assert fetch(url_of(web, slug, "/nope/"), proxy=web.proxy_url)[0] == 404
    status, headers, _ = fetch(url_of(web, slug, "/section/tv"), proxy=web.proxy_url)
    assert status == 301 and headers["Location"] == url_of(web, slug, "/section/tv/")
    status, headers, body = fetch(url_of(web, slug, "/"), method="HEAD", proxy=web.proxy_url)
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    collinfo = web.archive.commoncrawl.collinfo_url
    assert json.loads(fetch(collinfo, proxy=web.proxy_url)[2]) == json.loads(fetch(collinfo)[2])
    assert {"forwarded"} <= {h.action for h in web.proxy_hits}


# ---- deleted articles ---------------------------------------------------------------------


def test_deleted_articles_are_gone_from_the_live_sites(web):
    for article in REMOVED:
        url = url_of(web, article.outlet, article.path)
        status, headers, body = fetch(url)
        if article.removed == "404":
            assert status == 404 and b"<html" in body.lower(), url
        else:
            assert status == 301 and headers["Location"] == url_of(web, article.outlet, "/"), url
            assert wayback.needs_rescue(status, url, headers["Location"])
    for slug in LISTED:
        site = web.sites[slug]
        gone = [a for a in REMOVED if a.outlet == slug]
        pages = [fetch(url_of(web, slug, p))[2].decode("utf-8") for p in
                 ("/", "/sitemap-articles.xml", "/news-sitemap.xml", site.feed_path, "/latest/")]
        for article in gone:
            assert not any(site.urls.href(article.path) in page for page in pages), article.path
            query = "/search?q=" + quote(article.title.split()[1])
            assert site.urls.href(article.path) not in fetch(url_of(web, slug, query))[2].decode("utf-8")


def test_deleted_articles_are_in_the_wayback_machine(web):
    archive = web.archive
    cdx = archive.wayback.cdx_endpoint
    for article in REMOVED:
        url = url_of(web, article.outlet, article.path)
        page = wayback.parse_cdx_page(fetch(wayback.lookup_url(cdx, url))[2])
        good = wayback.candidates_before(page.captures, datetime.now(UTC))
        assert good, url  # identical captures a month apart are collapsed by digest
        for capture in good:  # newest first: a trap (soft 404, notice) may come first
            status, headers, body = fetch(wayback.replay_url(archive.wayback.replay_base, capture.timestamp, url))
            if wayback.is_archive_notice(status, headers, body) or not is_article(body, url):
                continue
            assert status == 200 and b"BEGIN WAYBACK TOOLBAR" not in body
            assert analyse_page(body, url=url, watchlist=WATCHLIST)["title"] == article.title
            break
        else:
            raise AssertionError(f"no good capture of {url}")


def test_one_soft_404_and_one_redirect_notice_among_the_captures(web):
    archive = web.archive
    replay = archive.wayback.replay_base
    briefs = {url_of(web, a.outlet, a.path) for a in CONTENT.every_article() if a.short}
    notices, soft = [], []
    for capture in archive.wayback.captures:
        status, headers, body = fetch(wayback.replay_url(replay, capture.timestamp, capture.url))
        if wayback.is_archive_notice(status, headers, body):
            notices.append(capture)
        elif not is_article(body, capture.url) and capture.url not in briefs:  # a one-line brief is no page type
            soft.append(capture)
    assert len(notices) == 1 and len(soft) == 1
    removed = {url_of(web, a.outlet, a.path): a for a in REMOVED}
    assert removed[notices[0].url].removed == "home" and removed[soft[0].url].removed == "404"
    for trap in (*notices, *soft):
        others = [c for c in archive.wayback.captures if c.url == trap.url and c is not trap]
        assert others and all(c.timestamp < trap.timestamp for c in others), "a good capture is older"


def test_archive_prefixes_enumerate_with_resume_keys(web):
    archive = web.archive
    cdx = archive.wayback.cdx_endpoint
    sources = tomllib.loads(web.sources_toml())
    for outlet in sources["outlet"]:
        (prefix,) = outlet["archive_prefixes"]
        slug = next(s for s, name, _, _ in web.outlets if name == outlet["name"])
        assert prefix.startswith(urlsplit(web.base_url(slug)).netloc + "/") and "://" not in prefix
        urls, pages, key = set(), 0, None
        while True:
            status, _, body = fetch(wayback.enumerate_url(cdx, prefix, "prefix", resume_key=key))
            assert status == 200
            page = wayback.parse_cdx_page(body)
            urls |= {c.original for c in page.captures}
            pages += 1
            key = page.resume_key
            if key is None:
                break
        gone = {url_of(web, a.outlet, a.path) for a in REMOVED if a.outlet == slug}
        assert gone <= urls, slug
        assert pages > 1 and len(urls) > PAGE_SIZE
        live = {url_of(web, slug, a.path) for a in CONTENT.articles[slug]}
        assert urls - gone <= live | {u for u in urls if "utm_source=" in u}


def test_deleted_and_unlisted_articles_are_in_common_crawl(web):
    archive = web.archive
    cc = archive.commoncrawl
    crawls = commoncrawl.parse_collinfo(fetch(cc.collinfo_url)[2], cc.index_base)
    assert [c.id for c in sorted(crawls.crawls, key=lambda c: c.id)] == [c.id for c in CRAWLS]
    found, truncated = {}, []
    for crawl in crawls.crawls:
        targets = [f"{urlsplit(web.base_url(slug)).netloc}/*" for slug in LISTED]
        targets += [f"*.{o.host.removeprefix('www.')}" for o in UNLISTED]
        for target in targets:
            records, page = [], 0
            while True:
                status, _, body = fetch(commoncrawl.index_query_url(crawl.cdx_api, target, page=page))
                answer = commoncrawl.parse_index_lines(body, status)
                records += answer.records
                if len(answer.records) + answer.skipped < PAGE_SIZE:
                    break
                page += 1
            for record in records:
                status, _, data = fetch(record.data_url(cc.data_base), {"Range": record.range_header()})
                assert status == 206
                try:
                    warc = commoncrawl.read_range_record(data)
                except TruncatedRecord:
                    truncated.append(record.url)
                    continue
                found[record.url] = warc
    assert len(truncated) == 1
    removed = {url_of(web, a.outlet, a.path): a for a in REMOVED}
    unlisted = {url_of(web, o.slug, a.path): a for o in UNLISTED for a in CONTENT.articles[o.slug]}
    assert truncated[0] in removed
    in_cc_removed = set(found) & set(removed)
    in_cc_unlisted = set(found) & set(unlisted)
    assert len(in_cc_removed) >= 4 and len(in_cc_unlisted) >= 4
    assert set(found) <= set(removed) | set(unlisted)
    wayback_urls = {c.url for c in archive.wayback.captures}
    assert in_cc_removed | {truncated[0]} <= wayback_urls, "the archives overlap: a backfill must not store twice"
    assert in_cc_unlisted & wayback_urls
    for url, warc in found.items():
        article = removed.get(url) or unlisted[url]
        assert warc.status == 200 and warc.target_uri == url
        assert analyse_page(warc.body, url=url, watchlist=WATCHLIST)["title"] == article.title


# ---- GDELT ---------------------------------------------------------------------------------------


def entries_for(web: DemoWeb) -> dict[str, object]:
    return {e.url: e for e in web.archive.gdelt.entries}


def test_gdelt_finds_every_unlisted_and_deleted_piece_of_coverage(web):
    entries = entries_for(web)
    groups = [parse_query(q) for q in QUERIES]
    coverage = [(o.slug, a) for o in CONTENT.unlisted for a in CONTENT.articles[o.slug]]
    coverage += [(a.outlet, a) for a in REMOVED]
    for slug, article in coverage:
        entry = entries[url_of(web, slug, article.path)]
        found = [q for q, g in zip(QUERIES, groups, strict=True) if matches(g, entry)]
        if article.relevant:
            assert found, f"no query finds {entry.url}"
    traps = [a for o in UNLISTED for a in CONTENT.articles[o.slug] if not a.relevant]
    found_traps = [a for a in traps if any(matches(g, entries[url_of(web, a.outlet, a.path)]) for g in groups)]
    assert len(found_traps) >= 6, "homonym traps come back from GDELT too"
    listed_live = [u for u in entries if urlsplit(u).hostname == "127.0.0.1"
                   and u not in {url_of(web, a.outlet, a.path) for a in REMOVED}]
    assert len(listed_live) >= 2
    assert sum(urlsplit(u).hostname == RELEASE_HOST for u in entries) == BURST_SIZE


def test_gdelt_burst_window_needs_a_split(web):
    endpoint = web.archive.gdelt.endpoint
    day = gdelt.Window(BURST_DAY, BURST_DAY + timedelta(days=1))
    whole = gdelt.parse_artlist(until_json(gdelt.window_url(endpoint, BURST_QUERY, day.start, day.end)))
    assert whole.returned == gdelt.MAX_RECORDS > 0
    for half in gdelt.split_window(day.start, day.end):
        answer = gdelt.parse_artlist(until_json(gdelt.window_url(endpoint, BURST_QUERY, half.start, half.end)))
        assert 0 < answer.returned < gdelt.MAX_RECORDS
    planner = gdelt.WindowPlanner(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    seen = set()
    while (window := planner.next_window()) is not None:
        answer = gdelt.parse_artlist(until_json(gdelt.window_url(endpoint, BURST_QUERY, window.start, window.end)))
        planner.record(window, answer.returned)
        seen |= {a.url for a in answer.articles}
    assert planner.report.splits >= 2 and not planner.report.truncated
    assert sum(urlsplit(u).hostname == RELEASE_HOST for u in seen) == BURST_SIZE


# ---- faults and settings ------------------------------------------------------------------------


def test_every_fault_happens_once():
    with DemoWeb(max_seconds=120) as fresh:
        archive = fresh.archive
        url = gdelt.window_url(archive.gdelt.endpoint, QUERIES[0], datetime(2020, 4, 1, tzinfo=UTC),
                               datetime(2020, 5, 1, tzinfo=UTC))
        answers = [fetch(url) for _ in range(4)]
        assert answers[0][0] == 429 and answers[0][1]["Retry-After"] == "1"
        with pytest.raises(NotJson):
            gdelt.parse_artlist(answers[1][2], answers[1][1]["Content-Type"])
        assert answers[1][0] == 200 and answers[1][1]["Content-Type"].startswith("text/html")
        assert answers[2][0] == 200 and answers[2][2] == b""
        assert gdelt.parse_artlist(answers[3][2]).articles

        cdx = archive.wayback.cdx_endpoint
        prefix = fresh.archive_prefixes(LISTED[0])[0]
        first = wayback.parse_cdx_page(fetch(wayback.enumerate_url(cdx, prefix))[2])
        again = wayback.parse_cdx_page(fetch(wayback.enumerate_url(cdx, prefix))[2])
        assert first.skipped == 1 and again.skipped == 0 and first.captures == again.captures

        assert len(archive.commoncrawl.data_faults.truncated) == 1
        assert {c.notice_to is not None for c in archive.wayback.captures} == {True, False}


def test_discovery_settings_point_at_the_demo_web(web):
    settings = web.discovery_settings()
    assert set(settings) == {"NEWSWATCH_PROXY", "NEWSWATCH_GDELT_ENDPOINT", "NEWSWATCH_GDELT_INTERVAL",
                             "NEWSWATCH_CDX_ENDPOINT", "NEWSWATCH_WAYBACK_REPLAY", "NEWSWATCH_CC_INDEX",
                             "NEWSWATCH_CC_DATA"}
    assert settings["NEWSWATCH_PROXY"] == web.proxy_url
    assert settings["NEWSWATCH_GDELT_INTERVAL"] == "0.2" and web.discovery_settings(1.5)["NEWSWATCH_GDELT_INTERVAL"] \
        == "1.5"
    for name, value in settings.items():
        if name != "NEWSWATCH_GDELT_INTERVAL":
            assert urlsplit(value).scheme == "http" and urlsplit(value).hostname == "127.0.0.1", name
    assert settings["NEWSWATCH_GDELT_ENDPOINT"].endswith("/api/v2/doc/doc")
    assert settings["NEWSWATCH_CDX_ENDPOINT"].endswith("/cdx/search/cdx")
    article = REMOVED[0]
    url = url_of(web, article.outlet, article.path)
    capture = next(c for c in web.archive.wayback.captures if c.url == url)
    assert fetch(wayback.replay_url(settings["NEWSWATCH_WAYBACK_REPLAY"], capture.timestamp, url))[0] == 200
    assert fetch(commoncrawl.collinfo_url(settings["NEWSWATCH_CC_INDEX"]))[0] == 200


def test_sources_carry_archive_prefixes_and_a_block_list(web, tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(web.sources_toml(), encoding="utf-8")
    outlets = load_sources(path)
    assert [o.name for o in outlets] == [name for _, name, _, _ in web.outlets]
    for outlet, (slug, _, _, base) in zip(outlets, web.outlets, strict=True):
        (prefix,) = outlet.extra["archive_prefixes"]
        assert prefix == web.archive_prefixes(slug)[0] and prefix.startswith(urlsplit(base).netloc + "/")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["discovery"] == {"allow": [], "block": ["rewrite-wire.example"]}
    policy = DiscoveryPolicy.from_table(raw["discovery"])
    assert not policy.allows(f"http://{BLOCKED[0].host}/news/")
    assert all(policy.allows(f"http://{o.host}/") for o in UNLISTED)
    assert policy.allows(f"http://{RELEASE_HOST}/release/1")


def test_everything_stops_by_itself():
    web = DemoWeb(max_seconds=1.5)
    archive = web.archive
    proxy = web.proxy_url
    assert fetch(f"http://{UNLISTED[0].host}/robots.txt", proxy=proxy)[0] == 200
    assert web.wait(timeout=15)
    for replica in (archive.gdelt, archive.wayback, archive.commoncrawl):
        assert replica.wait(timeout=5)
    for url in (proxy + "/", archive.gdelt.endpoint, web.outlets[0][3] + "/"):
        with pytest.raises(urllib.error.URLError):
            DIRECT.open(url, timeout=2)
    stopped = DemoWeb(max_seconds=30)
    stopped.stop()
    with pytest.raises(RuntimeError):
        stopped.archive  # noqa: B018 - a stopped demo web starts no replica
