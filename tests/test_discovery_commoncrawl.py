"""Common Crawl: crawl list, crawls in a date range, index queries and lines, one WARC record by Range (pure)."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from warcio.warcwriter import WARCWriter

from scraper.demoweb.archive.dataset import Capture
from scraper.demoweb.archive.warc import build_warc
from scraper.discovery import commoncrawl
from scraper.discovery.commoncrawl import (
    IndexRecord,
    collinfo_url,
    crawls_overlapping,
    index_query_url,
    num_pages_url,
    parse_collinfo,
    parse_index_lines,
    parse_num_pages,
    range_header,
    read_range_record,
)
from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson, TruncatedRecord, UnusableRecord

INDEX = "http://127.0.0.1:9"

COLLINFO = [
    {"id": "CC-MAIN-2020-24", "name": "May/June 2020 Index", "timegate": f"{INDEX}/CC-MAIN-2020-24/",
     "cdx-api": f"{INDEX}/CC-MAIN-2020-24-index", "from": "2020-05-24T12:00:00", "to": "2020-06-07T10:00:00"},
    {"id": "CC-MAIN-2020-16", "name": "March/April 2020 Index", "cdx-api": f"{INDEX}/CC-MAIN-2020-16-index",
     "from": "2020-03-28T00:00:00", "to": "2020-04-10T23:00:00"},
    {"id": "CC-MAIN-2019-51", "name": "December 2019 Index"},                 # no dates: estimated from the id
    {"id": "CC-MAIN-2012", "name": "Index of 2012 crawl"},                     # no dates, no week: skipped
    {"name": "no id"},
    "not an object",
]


def test_default_endpoints_are_the_real_ones():
    assert commoncrawl.INDEX_BASE.startswith("https://") and commoncrawl.DATA_BASE.startswith("https://")
    assert collinfo_url(INDEX + "/") == f"{INDEX}/collinfo.json"


def test_parse_collinfo():
    info = parse_collinfo(json.dumps(COLLINFO).encode(), INDEX)
    assert info.skipped == 3
    assert [c.id for c in info.crawls] == ["CC-MAIN-2019-51", "CC-MAIN-2020-16", "CC-MAIN-2020-24"]
    estimated, april, june = info.crawls
    assert april.start == datetime(2020, 3, 28, tzinfo=UTC) and april.end == datetime(2020, 4, 10, 23, tzinfo=UTC)
    assert april.dated_by == "collinfo" and april.cdx_api == f"{INDEX}/CC-MAIN-2020-16-index"
    assert june.name == "May/June 2020 Index"
    assert estimated.dated_by == "id" and estimated.cdx_api == f"{INDEX}/CC-MAIN-2019-51-index"
    assert estimated.end.date().isoformat() == "2019-12-22"       # the Sunday of ISO week 51
    assert (estimated.end - estimated.start).days == 21


@pytest.mark.parametrize(("body", "error"), [
    (b"", EmptyBody), (b"<html>down</html>", NotJson), (b'{"id": 1}', MalformedJson), (b"[{", MalformedJson),
])
def test_parse_collinfo_errors(body, error):
    with pytest.raises(error):
        parse_collinfo(body)


def test_crawls_overlapping():
    crawls = parse_collinfo(json.dumps(COLLINFO).encode(), INDEX).crawls
    chosen = crawls_overlapping(crawls, datetime(2020, 4, 5, tzinfo=UTC), datetime(2020, 5, 31, tzinfo=UTC))
    assert [c.id for c in chosen] == ["CC-MAIN-2020-16", "CC-MAIN-2020-24"]
    assert crawls_overlapping(crawls, datetime(2020, 4, 11, tzinfo=UTC), datetime(2020, 5, 1, tzinfo=UTC)) == []
    edge = crawls_overlapping(crawls, datetime(2020, 6, 7, 10, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    assert [c.id for c in edge] == ["CC-MAIN-2020-24"]
    with pytest.raises(ValueError):
        crawls_overlapping(crawls, datetime(2020, 1, 1), datetime(2020, 2, 1))


def test_index_query_urls():
    api = f"{INDEX}/CC-MAIN-2020-16-index"
    url = index_query_url(api, "outlet.test/2020/*", start=datetime(2020, 4, 1, tzinfo=UTC), page=2)
    assert url.startswith(api + "?url=outlet.test%2F2020%2F*&")      # the wildcard stays readable
    assert dict(parse_qsl(urlsplit(url).query)) == {
        "url": "outlet.test/2020/*", "output": "json", "from": "20200401000000", "page": "2"}
    url = index_query_url(api, "outlet.test", match_type="domain")
    assert dict(parse_qsl(urlsplit(url).query))["matchType"] == "domain"
    assert dict(parse_qsl(urlsplit(num_pages_url(api, "outlet.test/*")).query))["showNumPages"] == "true"
    assert parse_num_pages(b'{"pages": 3, "pageSize": 5, "blocks": 12}') == 3
    assert parse_num_pages(b"7") == 7
    with pytest.raises(MalformedJson):
        parse_num_pages(b'{"pageSize": 5}')


LINE = {"urlkey": "test,outlet)/2020/04/story", "timestamp": "20200409100000", "url": "http://outlet.test/2020/04/story",
        "mime": "text/html", "mime-detected": "text/html", "status": "200", "digest": "ABC", "length": "1234",
        "offset": "5678", "filename": "crawl-data/CC-MAIN-2020-16/segments/1/warc/CC-MAIN-2020-16-00000.warc.gz"}


def _lines(*entries) -> bytes:
    return "\n".join(e if isinstance(e, str) else json.dumps(e) for e in entries).encode() + b"\n"


def test_parse_index_lines():
    page = parse_index_lines(_lines(LINE))
    assert page.skipped == 0
    (record,) = page.records
    assert record == IndexRecord("http://outlet.test/2020/04/story", "20200409100000", LINE["filename"], 5678, 1234,
                                 200, "text/html", "ABC")
    assert record.moment == datetime(2020, 4, 9, 10, tzinfo=UTC)
    assert record.range_header() == "bytes=5678-6911"
    assert record.data_url(INDEX + "/") == f"{INDEX}/{LINE['filename']}"


def test_parse_index_lines_skips_and_counts_bad_lines():
    bad = [
        {k: v for k, v in LINE.items() if k != "offset"},
        {k: v for k, v in LINE.items() if k != "filename"},
        {**LINE, "length": "0"},
        {**LINE, "length": "-5"},
        {**LINE, "offset": "12a"},
        {**LINE, "timestamp": "2020"},
        {**LINE, "url": "file:///etc/passwd"},
        {**LINE, "filename": "../../etc/passwd"},
        {**LINE, "filename": "/absolute/path.warc.gz"},
        {**LINE, "filename": "https://elsewhere.example.com/x.warc.gz"},
        "{not json",
        "[1, 2]",
    ]
    page = parse_index_lines(_lines(LINE, *bad, {**LINE, "status": "-", "mime": None}))
    assert page.skipped == len(bad)
    assert len(page.records) == 2 and page.records[1].status is None and page.records[1].mime == ""


def test_no_captures_is_an_empty_page():
    page = parse_index_lines(b'{"message": "No Captures found for: outlet.test/2020/*"}', status=404)
    assert page.records == () and page.skipped == 0


@pytest.mark.parametrize("body", [b"", b"<!DOCTYPE html><html><body>Bad gateway</body></html>"])
def test_parse_index_errors(body):
    with pytest.raises((EmptyBody, NotJson)):
        parse_index_lines(body)


def test_range_header():
    assert range_header(0, 1) == "bytes=0-0"
    assert range_header(100, 50) == "bytes=100-149"
    for offset, length in ((-1, 5), (0, 0)):
        with pytest.raises(ValueError):
            range_header(offset, length)


# --------------------------------------------------------------------------- records

BODY = (b"<!DOCTYPE html><html><head><title>Story</title></head><body><p>" + b"Clemency hearing. " * 200
        + b"</p></body></html>")


def _warc(*captures: Capture, truncated=()):
    data, placed = build_warc(captures, truncated)
    return data, {p.capture.url: p for p in placed}


def test_read_range_record():
    capture = Capture("http://outlet.test/2020/04/story", "20200409100000",
                      headers=(("Content-Type", "text/html; charset=utf-8"), ("X-Extra", "1")), body=BODY)
    other = Capture("http://outlet.test/2020/04/other", "20200409110000", body=b"<html>other</html>")
    data, placed = _warc(capture, other)
    spot = placed[capture.url]
    assert spot.offset > 0                                   # the file starts with a warcinfo record
    status, headers, body, target, date = read_range_record(data[spot.offset:spot.offset + spot.length])
    assert status == 200 and body == BODY and target == capture.url
    assert date == datetime(2020, 4, 9, 10, tzinfo=UTC)
    assert ("X-Extra", "1") in headers
    second = placed[other.url]
    assert read_range_record(data[second.offset:second.offset + second.length]).body == b"<html>other</html>"


def test_read_range_record_decodes_content_encoding():
    compressed = gzip.compress(BODY)
    capture = Capture("http://outlet.test/gz", "20200409100000",
                      headers=(("Content-Type", "text/html"), ("Content-Encoding", "gzip")), body=compressed)
    data, placed = _warc(capture)
    spot = placed[capture.url]
    assert read_range_record(data[spot.offset:spot.offset + spot.length]).body == BODY


def test_truncated_records_are_reported_not_returned_short():
    capture = Capture("http://outlet.test/cut", "20200409100000", body=BODY)
    data, placed = _warc(capture, truncated={capture.url})
    spot = placed[capture.url]
    with pytest.raises(TruncatedRecord):
        read_range_record(data[spot.offset:spot.offset + spot.length])
    whole, placed = _warc(capture)
    spot = placed[capture.url]
    for cut in (10, spot.length // 2, spot.length - 1):
        with pytest.raises(TruncatedRecord):
            read_range_record(whole[spot.offset:spot.offset + cut])


def test_a_record_shorter_than_its_content_length_is_truncated():
    record = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://outlet.test/x\r\n"
              b"Content-Type: application/http; msgtype=response\r\nContent-Length: 5000\r\n\r\n"
              b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>short</html>")
    with pytest.raises(TruncatedRecord):
        read_range_record(gzip.compress(record))


def test_unusable_ranges():
    with pytest.raises(UnusableRecord):
        read_range_record(b"")
    with pytest.raises(UnusableRecord):
        read_range_record(b"plain bytes, not gzip")
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("x.warc.gz", {"software": "test"}))
    with pytest.raises(UnusableRecord) as caught:
        read_range_record(out.getvalue())
    assert not isinstance(caught.value, TruncatedRecord)
