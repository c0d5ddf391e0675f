"""Wayback Machine: CDX queries and answers, closest capture, replay URLs, notices, rescue decisions (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from scraper.discovery import wayback
from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson
from scraper.discovery.wayback import (
    Capture,
    candidates_before,
    closest_before,
    enumerate_url,
    is_archive_notice,
    lookup_url,
    needs_rescue,
    parse_cdx_page,
    parse_replay_url,
    replay_url,
)

CDX = "http://127.0.0.1:9/cdx/search/cdx"
BASE = "http://127.0.0.1:9"
HEADER = ["timestamp", "original", "statuscode", "mimetype", "digest"]


def test_defaults_are_the_real_endpoints():
    assert wayback.CDX_ENDPOINT.startswith("https://") and wayback.CDX_ENDPOINT.endswith("/cdx/search/cdx")
    assert wayback.REPLAY_BASE.startswith("https://")


def test_enumerate_url():
    url = enumerate_url(CDX, "outlet.test/2020/", "prefix", datetime(2020, 1, 1, tzinfo=UTC),
                        datetime(2020, 12, 31, 23, 59, 59, tzinfo=UTC), limit=100)
    assert url.startswith(CDX + "?")
    params = dict(parse_qsl(urlsplit(url).query))
    assert params == {
        "url": "outlet.test/2020/", "matchType": "prefix", "output": "json",
        "fl": "timestamp,original,statuscode,mimetype,digest", "filter": "statuscode:200", "collapse": "urlkey",
        "from": "20200101000000", "to": "20201231235959", "limit": "100", "showResumeKey": "true",
    }
    nxt = enumerate_url(CDX, "outlet.test", "domain", resume_key="test%2Coutlet%29%2F2020+20200406120000%21")
    params = parse_qs(urlsplit(nxt).query)
    assert params["resumeKey"] == ["test%2Coutlet%29%2F2020+20200406120000%21"]  # sent back exactly as given
    assert params["matchType"] == ["domain"] and "from" not in params
    with pytest.raises(ValueError):
        enumerate_url(CDX, "outlet.test", "everything")
    with pytest.raises(ValueError):
        enumerate_url(CDX, "outlet.test", start=datetime(2021, 1, 1, tzinfo=UTC), end=datetime(2020, 1, 1, tzinfo=UTC))


def test_lookup_url():
    url = lookup_url(CDX, "http://outlet.test/2020/04/story?id=3", before=datetime(2021, 5, 1, 12, tzinfo=UTC))
    params = dict(parse_qsl(urlsplit(url).query))
    assert params["url"] == "http://outlet.test/2020/04/story?id=3"
    assert params["to"] == "20210501120000" and "from" not in params and "matchType" not in params
    assert params["filter"] == "statuscode:200" and params["collapse"] == "digest"


def _page(*rows, resume=None) -> bytes:
    data = [HEADER, *rows]
    if resume:
        data += [[], [resume]]
    return json.dumps(data).encode()


ROW = ["20200406120000", "http://outlet.test/2020/04/06/story", "200", "text/html", "AAAA"]


def test_parse_cdx_page_with_resume_key():
    page = parse_cdx_page(_page(ROW, ["20200407000000", "http://outlet.test/2020/04/07/x", "200", "text/html", "B"],
                                resume="test%2Coutlet%29%2F+20200407000000%21"))
    assert page.resume_key == "test%2Coutlet%29%2F+20200407000000%21"
    assert page.skipped == 0 and len(page.captures) == 2
    first = page.captures[0]
    assert first == Capture("20200406120000", "http://outlet.test/2020/04/06/story", 200, "text/html", "AAAA")
    assert first.moment == datetime(2020, 4, 6, 12, tzinfo=UTC)


def test_parse_cdx_page_last_page_and_empty():
    assert parse_cdx_page(_page(ROW)).resume_key is None
    empty = parse_cdx_page(b"[]")
    assert empty.captures == () and empty.resume_key is None
    assert parse_cdx_page(_page()).captures == ()


def test_parse_cdx_page_follows_the_header_order():
    body = json.dumps([["original", "timestamp"], ["http://outlet.test/a", "20200406120000"]]).encode()
    (capture,) = parse_cdx_page(body).captures
    assert capture.original == "http://outlet.test/a" and capture.status is None


def test_parse_cdx_page_skips_and_counts_bad_rows():
    page = parse_cdx_page(_page(
        ROW,
        ["20200406120000", "http://outlet.test/short-row"],                   # missing fields
        ["2020", "http://outlet.test/a", "200", "text/html", "A"],              # bad timestamp
        ["20201340120000", "http://outlet.test/a", "200", "text/html", "A"],    # impossible date
        ["20200406120000", "ftp://outlet.test/a", "200", "text/html", "A"],     # not http(s)
        ["20200406120000", None, "200", "text/html", "A"],                      # null field
        ["20200406120000", "outlet.test/bare", "-", "warc/revisit", "A"],        # usable: bare host, no status
    ))
    assert page.skipped == 5
    assert [c.original for c in page.captures] == [ROW[1], "http://outlet.test/bare"]
    assert page.captures[1].status is None


@pytest.mark.parametrize(("body", "error"), [
    (b"", EmptyBody),
    (b"<html><head><title>Error</title></head><body>Service unavailable</body></html>", NotJson),
    (b"[[\"timestamp\", \"original\"], [", MalformedJson),
    (b'{"a": 1}', NotJson),
    (b"[1, 2]", MalformedJson),
    (b'[["urlkey"], ["x"]]', MalformedJson),
])
def test_parse_cdx_page_errors(body, error):
    with pytest.raises(error):
        parse_cdx_page(body)


def _cap(ts: str, status: int | None = 200) -> Capture:
    return Capture(ts, "http://outlet.test/a", status, "text/html", ts)


def test_closest_before():
    captures = [_cap("20200406120000"), _cap("20210101000000"), _cap("20210301000000", 302),
                _cap("20210401000000", None), _cap("20220101000000")]
    removal = datetime(2021, 5, 1, tzinfo=UTC)
    assert closest_before(captures, removal).timestamp == "20210101000000"   # 302 and revisit rows are passed over
    assert [c.timestamp for c in candidates_before(captures, removal)] == ["20210101000000", "20200406120000"]
    assert closest_before(captures, datetime(2020, 4, 6, 12, tzinfo=UTC)).timestamp == "20200406120000"
    assert closest_before(captures, datetime(2019, 1, 1, tzinfo=UTC)) is None
    assert closest_before(captures).timestamp == "20220101000000"
    assert closest_before([]) is None


def test_replay_urls():
    original = "http://outlet.test/2020/04/06/story?id=3&x=y"
    raw = replay_url(BASE, "20200406120000", original)
    assert raw == f"{BASE}/web/20200406120000id_/{original}"
    assert replay_url(BASE + "/", "20200406120000", original, raw=False) == f"{BASE}/web/20200406120000/{original}"
    assert parse_replay_url(raw) == ("20200406120000", "id_", original)
    assert parse_replay_url("/web/20200406120000/https:/outlet.test/x") == ("20200406120000", "", "https://outlet.test/x")
    assert parse_replay_url("http://outlet.test/web/page") is None
    with pytest.raises(ValueError):
        replay_url(BASE, "2020", original)


@pytest.mark.parametrize(("status", "requested", "final", "expected"), [
    (404, "https://outlet.test/2020/04/story", None, True),
    (410, "https://outlet.test/2020/04/story", None, True),
    (200, "https://outlet.test/2020/04/story", None, False),
    (200, "https://outlet.test/2020/04/story", "https://outlet.test/", True),                 # sent home
    (301, "https://outlet.test/2020/04/story", "https://www.outlet.test/", True),
    (200, "https://outlet.test/tv/2020/04/story", "https://outlet.test/tv/", True),           # sent to its section
    (200, "https://outlet.test/2020/04/story", "https://outlet.test/2020/04/story-renamed", False),  # moved
    (301, "http://outlet.test/2020/04/story", "https://outlet.test/2020/04/story/", False),  # https, slash
    (200, "https://outlet.test/2020/04/story", "https://other.test/", False),                 # sold: another site
    (503, "https://outlet.test/2020/04/story", None, False),                                  # down, not gone
])
def test_needs_rescue(status, requested, final, expected):
    assert needs_rescue(status, requested, final) is expected


# --------------------------------------------------------------------------- notices

NOTICE = b"""<!DOCTYPE html><html><head><title>Archive</title>
<script>function go() { document.location.href = "/web/20200406120000/http://outlet.test/"; }
window.setTimeout("go()", 5000);</script></head>
<body><div id="error"><p class="code">Loading...</p>
<p class="code shift target">http://outlet.test/2020/04/story | 12:00:00 April 6, 2020</p>
<p class="code shift red">Got an HTTP 302 response at crawl time</p>
<p class="code">Redirecting to...</p><p class="code shift target">http://outlet.test/</p>
<p class="impatient"><a href="/web/20200406120000/http://outlet.test/">Impatient?</a></p></div></body></html>"""

# Another archive's wording, same structure: a short page whose only way out is another capture.
OTHER_WORDING = b"""<html><head><meta http-equiv="Refresh" content="0; url=/web/20200406120000id_/http://outlet.test/new">
</head><body><p>Diese Seite wurde umgeleitet.</p></body></html>"""

ARTICLE = ("<html><head><title>Story</title></head><body><article><h1>Story</h1>" + "<p>"
           + "The parole board met on Tuesday to hear the petition. " * 30
           + '</p><a href="/web/20200406120000/http://outlet.test/other">Related</a></article></body></html>').encode()


def test_archive_notice_by_structure():
    html = {"Content-Type": "text/html; charset=utf-8"}
    assert is_archive_notice(200, html, NOTICE)
    assert is_archive_notice(200, html, OTHER_WORDING)
    assert is_archive_notice(302, {"Location": "/web/20200406120000id_/http://outlet.test/"}, b"")
    assert not is_archive_notice(200, html, ARTICLE)                     # long text: a real page
    assert not is_archive_notice(200, html, b"<html><body><p>Page not found</p></body></html>")  # no way out
    assert not is_archive_notice(200, {"Content-Type": "application/pdf"}, NOTICE)
    assert not is_archive_notice(200, html, b"")
    assert not is_archive_notice(200, html, b"\x00\x01\x02 binary")


def test_a_short_page_linking_to_itself_in_the_archive_is_not_a_notice():
    own = {"Content-Type": "text/html", "Link": '<http://outlet.test/2020/04/story>; rel="original"'}
    page = b'<html><body><p>Short brief.</p><a href="/web/20200406120000/http://outlet.test/2020/04/story/">' \
           b"permalink</a></body></html>"
    assert not is_archive_notice(200, own, page)
    elsewhere = page.replace(b"2020/04/story/", b"")
    assert is_archive_notice(200, own, elsewhere)
