"""GDELT DOC 2.0: queries from the watchlist, window URLs, artlist parsing and window splitting (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scraper.discovery import gdelt
from scraper.discovery.errors import EmptyBody, MalformedJson, NotJson, QueryRejected, RateLimited
from scraper.discovery.gdelt import (
    COMPLETE,
    MAX_RECORDS,
    SPLIT,
    TRUNCATED,
    Window,
    WindowPlanner,
    gdelt_terms,
    parse_artlist,
    parse_seendate,
    queries_from_watchlist,
    split_window,
    window_url,
)
from scraper.match import load_watchlist

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = "http://127.0.0.1:9/api/v2/doc/doc"
T0 = datetime(2020, 4, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(ROOT / "watchlist.toml")


# --------------------------------------------------------------------------- queries


def test_default_endpoint_is_the_real_api():
    assert gdelt.GDELT_DOC_ENDPOINT.endswith("/api/v2/doc/doc")
    assert gdelt.GDELT_DOC_ENDPOINT.startswith("https://")


def test_terms_follow_gdelt_rules():
    assert gdelt_terms("Dawn Jackson") == ['"dawn jackson"']
    assert gdelt_terms("clemency") == ["clemency"]
    assert gdelt_terms("KKW") == ["kkw"]                      # 3 letters: a keyword may be this short
    assert gdelt_terms("DA") == []                            # too short for GDELT
    assert gdelt_terms("A B") == []                           # a quoted phrase needs 5 characters
    assert gdelt_terms("Kim Kardashian West: The Justice Project") == ['"kim kardashian west the justice project"']
    assert gdelt_terms("self-defense") == ['"self-defense"']  # a hyphen is quoted, never read as NOT
    assert gdelt_terms("inmate*") == ["inmate", "inmates", "inmated"]
    assert "sentenced" in gdelt_terms("sentenc*") and "sentence" in gdelt_terms("sentenc*")
    assert gdelt_terms('say "OR" (x)') == ['"say or x"']   # quotes and parentheses never reach GDELT as syntax


def test_queries_from_watchlist(watchlist):
    queries = queries_from_watchlist(watchlist)
    assert len(queries) == len(set(queries))
    titles = queries[0]
    assert titles.startswith("(") and '"kim kardashian west the justice project"' in titles
    assert '"kkw the justice project"' in titles
    weak = queries[1]
    assert weak.startswith('("the justice project" OR "justice project") (')
    assert "kardashian" in weak and "oxygen" in weak
    for person in ("dawn jackson", "alexis martin", "momolu stewart", "david sheppard"):
        mine = [q for q in queries if q.startswith(f'"{person}" (')]
        assert mine, person
        joined = " ".join(mine)
        for word in ("prison", "clemency", "parole", '"life sentence"', "sentenced"):
            assert word in joined, (person, word)
        assert "cricket" not in joined          # homonyms are the matcher's job, not the query's
        assert "documentaire" not in joined     # GDELT searches English text only


def test_every_query_respects_gdelt_syntax(watchlist):
    for query in queries_from_watchlist(watchlist):
        assert len(query) <= gdelt.MAX_QUERY_CHARS
        _check_syntax(query)


def _check_syntax(query: str) -> None:
    """The rules the real API answers with a line of text: ORs parenthesised, no short phrases or keywords."""
    depth, i, tokens = 0, 0, []
    while i < len(query):
        ch = query[i]
        if ch == '"':
            end = query.index('"', i + 1)
            phrase = query[i + 1:end]
            assert len(phrase) >= gdelt.MIN_PHRASE_CHARS, phrase
            tokens.append(("phrase", depth))
            i = end + 1
        elif ch in "()":
            depth += 1 if ch == "(" else -1
            assert 0 <= depth <= 1, query
            i += 1
        elif ch == " ":
            i += 1
        else:
            end = min([j for j in (query.find(" ", i), query.find(")", i)) if j != -1] or [len(query)])
            word = query[i:end]
            if word == "OR":
                assert depth == 1, f"OR outside parentheses: {query}"
            else:
                assert len(word) >= gdelt.MIN_KEYWORD_CHARS, word
            i = end
    assert depth == 0


def test_long_context_is_cut_into_several_queries(watchlist):
    short = queries_from_watchlist(watchlist, max_chars=200)
    persons = [q for q in short if q.startswith('"dawn jackson"')]
    assert len(persons) > 2 and all(len(q) <= 200 for q in persons)
    # no context word is lost by cutting
    words = {w for q in queries_from_watchlist(watchlist) if q.startswith('"dawn jackson"') for w in q.split()}
    cut = {w for q in persons for w in q.split()}
    assert {w.strip("()") for w in words} == {w.strip("()") for w in cut}


# --------------------------------------------------------------------------- windows


def test_window_url():
    url = window_url(ENDPOINT, '"dawn jackson" (prison OR parole)', T0, T0 + timedelta(days=1))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ENDPOINT
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert params == {
        "query": '"dawn jackson" (prison OR parole)', "mode": "artlist", "format": "json", "maxrecords": "250",
        "startdatetime": "20200401000000", "enddatetime": "20200401235959", "sort": "DateAsc",
    }
    assert "+" not in parts.query  # spaces are %20: GDELT reads '+' literally in some clients


def test_window_times_are_utc():
    from zoneinfo import ZoneInfo

    start = datetime(2020, 4, 1, 2, 0, tzinfo=ZoneInfo("Europe/Paris"))
    params = parse_qs(urlsplit(window_url(ENDPOINT, "x" * 3, start, start + timedelta(hours=1))).query)
    assert params["startdatetime"] == ["20200401000000"]


def test_window_rejects_naive_and_empty():
    with pytest.raises(ValueError):
        window_url(ENDPOINT, "clemency", datetime(2020, 1, 1), datetime(2020, 1, 2))
    with pytest.raises(ValueError):
        window_url(ENDPOINT, "clemency", T0, T0)
    with pytest.raises(ValueError):
        window_url(ENDPOINT, "clemency", T0, T0 + timedelta(days=1), maxrecords=251)


def test_split_window():
    a, b = split_window(T0, T0 + timedelta(days=1))
    assert a == Window(T0, T0 + timedelta(hours=12)) and b == Window(T0 + timedelta(hours=12), T0 + timedelta(days=1))
    a, b = split_window(T0, T0 + timedelta(seconds=3))
    assert a.end == b.start and a.end.microsecond == 0
    with pytest.raises(ValueError):
        split_window(T0, T0 + timedelta(seconds=1))


def _run(planner: WindowPlanner, count) -> list[tuple[Window, str]]:
    log = []
    while (window := planner.next_window()) is not None:
        log.append((window, planner.record(window, count(window))))
    assert planner.done
    return log


def test_planner_splits_full_windows_until_each_half_is_complete():
    seen = [T0 + timedelta(minutes=15 * i) for i in range(600)]  # 600 articles over 6.25 days

    def count(window):
        return min(MAX_RECORDS, sum(window.start <= s < window.end for s in seen))

    planner = WindowPlanner(T0, T0 + timedelta(days=8))
    log = _run(planner, count)
    report = planner.report
    assert report.truncated == [] and report.failed == []
    assert report.splits == sum(1 for _, outcome in log if outcome == SPLIT) > 0
    assert report.requests == len(log)
    # the complete windows tile the range exactly, in order, and together hold every article
    complete = report.complete
    assert complete[0].start == T0 and complete[-1].end == T0 + timedelta(days=8)
    assert all(a.end == b.start for a, b in zip(complete, complete[1:], strict=False))
    assert sum(count(w) for w in complete) == len(seen)
    assert all(count(w) < MAX_RECORDS for w in complete)


def test_planner_reports_truncation_at_the_minimum_window():
    planner = WindowPlanner(T0, T0 + timedelta(hours=2), min_window=timedelta(minutes=30))
    burst = T0 + timedelta(minutes=50)

    def count(window):
        return MAX_RECORDS if window.start <= burst < window.end else 3

    _run(planner, count)
    report = planner.report
    assert len(report.truncated) == 1
    (cut,) = report.truncated
    assert cut.start <= burst < cut.end and cut.span <= timedelta(minutes=30)


def test_planner_initial_span_failures_and_misuse():
    planner = WindowPlanner(datetime(2016, 6, 1, tzinfo=UTC), datetime(2017, 3, 1, tzinfo=UTC),
                            initial_span=timedelta(days=30))
    first = planner.next_window()
    assert first.start == gdelt.EARLIEST             # nothing before 2017 is asked for
    assert first.span == timedelta(days=30)
    planner.failed(first, "rate limited 5 times")
    assert planner.report.failed == [(first, "rate limited 5 times")]
    with pytest.raises(ValueError):
        planner.record(first, 3)                     # already settled
    rest = _run(planner, lambda w: 0)
    assert all(outcome == COMPLETE for _, outcome in rest)
    assert rest[-1][0].end == datetime(2017, 3, 1, tzinfo=UTC)


def test_planner_outcomes_are_named():
    planner = WindowPlanner(T0, T0 + timedelta(minutes=15))
    window = planner.next_window()
    assert planner.record(window, MAX_RECORDS) == TRUNCATED


# --------------------------------------------------------------------------- answers


def _artlist(*entries) -> bytes:
    return json.dumps({"articles": list(entries)}).encode()


GOOD = {
    "url": "https://news.example.co.uk/2020/04/06/justice-project", "url_mobile": "", "title": "A review",
    "seendate": "20200406T120000Z", "socialimage": "", "domain": "news.example.co.uk", "language": "English",
    "sourcecountry": "United Kingdom",
}


def test_parse_artlist():
    result = parse_artlist(_artlist(GOOD), "application/json; charset=utf-8")
    assert result.returned == 1 and result.skipped == 0
    (article,) = result.articles
    assert article.url == GOOD["url"] and article.title == "A review"
    assert article.seen == datetime(2020, 4, 6, 12, tzinfo=UTC)
    assert article.domain == "news.example.co.uk" and article.language == "English"
    assert article.source_country == "United Kingdom"


def test_parse_artlist_skips_and_counts_bad_entries():
    bad = [
        {**GOOD, "url": None},
        {**GOOD, "seendate": "2020-04-06"},
        {k: v for k, v in GOOD.items() if k != "url"},
        {**GOOD, "url": "javascript:alert(1)"},
        {**GOOD, "url": "http://user:pw@evil.example.com/"},
        {**GOOD, "url": "http://a.example.com/\r\nSet-Cookie: x"},
        "not an object",
        {**GOOD, "title": None, "domain": 5},
    ]
    result = parse_artlist(_artlist(*bad), "application/json")
    assert result.returned == 8 and result.skipped == 7
    assert result.articles[0].title == "" and result.articles[0].domain == ""


def test_no_match_is_an_empty_object():
    assert parse_artlist(b"{}", "application/json").articles == ()
    assert parse_artlist(b'{"articles": []}').returned == 0


def test_control_characters_in_titles_are_tolerated():
    body = b'{"articles": [{"url": "https://a.example.com/x", "seendate": "20200406T120000Z", "title": "A\tB\x01C"}]}'
    (article,) = parse_artlist(body).articles
    assert article.title == "A B C"


@pytest.mark.parametrize(("body", "error"), [
    (b"", EmptyBody),
    (b"   \n", EmptyBody),
    (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", NotJson),
    (b"Please limit requests to one every 5 seconds or contact us for larger queries.", RateLimited),
    (b"Queries containing OR'd terms must be surrounded by ().", QueryRejected),
    (b"The specified phrase is too short.", QueryRejected),
    (b'{"articles": [', MalformedJson),
    (b'{"articles": {"url": 1}}', MalformedJson),
    (b"[1, 2]", NotJson),
])
def test_parse_artlist_errors(body, error):
    with pytest.raises(error) as caught:
        parse_artlist(body, "text/html; charset=utf-8")
    assert caught.value.service == "GDELT"
    assert caught.value.retryable is (error is not QueryRejected)


def test_seendate_is_a_discovery_time_in_utc():
    assert parse_seendate("20200406T120000Z") == datetime(2020, 4, 6, 12, tzinfo=UTC)
    for bad in ("20200406120000", "20201306T120000Z", "", None, 20200406, "20200406T120000+0200"):
        assert parse_seendate(bad) is None
