"""Property-based tests: the pure parts never raise on what the web throws at them.

Extraction, date parsing, URL canonicalisation and matching get arbitrary (and
adversarially shaped) input; the properties are the contracts of docs/CONTRACTS.md.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scraper.crawling.parsers.links import page_links
from scraper.dedup.identity import canonical_url, identity_key
from scraper.extract import extract_article, is_article
from scraper.extract.dateparse import parse_human, parse_iso, parse_machine, parse_month_name, parse_numeric
from scraper.match import load_watchlist, match_article

ROOT = Path(__file__).resolve().parent.parent
# A character reference to code point 0, a surrogate or past U+10FFFF, or a lone surrogate:
# HTML parsing turns each into U+FFFD.
INVALID_CHARACTER = re.compile(r"&#|[\ud800-\udfff\ufffd]")
WATCHLIST = load_watchlist(ROOT / "watchlist.toml")
# the tracking parameters a stored URL must never keep, whatever their position in the query
TRACKING = re.compile(r"utm_[a-z_]+|fbclid|gclid", re.IGNORECASE)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---- strategies ---------------------------------------------------------------------------

fetched_ats = st.datetimes(min_value=datetime(1996, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))
languages = st.sampled_from([None, "en", "fr", "de", "es", "it", "pt", "xx"])
date_words = st.sampled_from([
    "2020-04-05", "2020-04-05T20:00:00-04:00", "1899-12-31", "2099-01-01T00:00:00Z", "20200405", "1586131200",
    "Sun, 05 Apr 2020 20:00:00 GMT", "5 avril 2020", "April 5th, 2020", "05.04.2020", "4/5/20", "2020年4月5日",
    "3 days ago", "il y a 2 heures", "yesterday", "vor 3 Tagen", "hace 5 días", "in 3 years", "tomorrow",
    "99999-99-99", "2020-02-30", "31/02/2020", "0000-00-00", "+14:00", "-99:99", "Z", "GMT", "de", "12", "T",
])
dateish = st.lists(st.one_of(date_words, st.text(max_size=12)), max_size=6).map(" ".join)
tags = st.sampled_from(["div", "p", "article", "main", "h1", "span", "time", "script", "style", "table", "td", "a",
                        "meta", "link", "title", "head", "body", "html", "br", "iframe", "svg", "noscript", "!--"])
fragments = st.one_of(
    st.builds(lambda t: f"<{t}>", tags), st.builds(lambda t: f"</{t}>", tags), st.text(max_size=40),
    st.builds(lambda d: f"<meta property='article:published_time' content='{d}'>", dateish),
    st.builds(lambda d: f"<time datetime=\"{d}\">{d}</time>", dateish),
    st.builds(lambda d: f'<script type="application/ld+json">{{"@type":"NewsArticle","datePublished":"{d}"}}</script>',
              dateish),
    st.builds(lambda u: f"<link rel=canonical href='{u}'>", st.text(max_size=30)),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<?xml version='1.0'?>", "&amp;", "&#0;", "&#xD800;", "\x00",
                     "<meta charset='utf-16'>", "<meta charset='bogus'>", "<div" * 3, "<p>Dawn Jackson</p>"]),
)
htmlish = st.lists(fragments, max_size=60).map("".join)
hosts = st.one_of(
    st.from_regex(r"(www\.)?[a-z0-9-]{1,12}(\.[a-z]{2,6}){1,2}", fullmatch=True),
    st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(lambda a: f"[{a}]"), st.text(max_size=15),
)
query_keys = st.one_of(st.sampled_from(["utm_source", "utm_medium", "fbclid", "gclid", "amp", "outputType", "id",
                                        "page", "q", "mod", "ref_src"]), st.text(max_size=8))
urls = st.builds(
    lambda scheme, host, port, path, query, frag: f"{scheme}://{host}{port}/{path}{query}{frag}",
    st.sampled_from(["http", "https", "HTTP"]), hosts,
    st.one_of(st.just(""), st.integers(0, 99999).map(lambda p: f":{p}")),
    st.lists(st.one_of(st.text(max_size=10), st.sampled_from(["amp", "..", ".", "%", "%zz", "a b", "é"])),
             max_size=4).map("/".join),
    st.lists(st.tuples(query_keys, st.text(max_size=8)), max_size=4).map(
        lambda kv: ("?" + "&".join(f"{k}={v}" for k, v in kv)) if kv else ""),
    st.one_of(st.just(""), st.text(max_size=8).map(lambda f: "#" + f)),
)


def _terms() -> list[str]:
    data = tomllib.loads((ROOT / "watchlist.toml").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str) and 2 < len(value) < 60:
            found.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk({k: v for k, v in data.items() if k != "scoring"})
    return sorted(set(found))


prose = st.lists(st.one_of(st.sampled_from(_terms()), st.text(max_size=20),
                           st.sampled_from([" ", "\n\n", ". ", ", ", "District Attorney", "cricketer", "prison"])),
                 max_size=80).map(" ".join)


# ---- extraction ---------------------------------------------------------------------------


def _check_article(article: dict, url: str | None) -> None:
    assert article["url"] == url
    assert article["page_type"] in ("article", "other")
    for key in ("authors", "tags"):
        assert isinstance(article[key], list)
    day = article["published_date"]
    if day is not None:
        assert "1995-01-01" <= day <= "2100-12-31", day


@SETTINGS
@given(body=st.binary(max_size=4096), headers=st.dictionaries(st.sampled_from(["content-type", "last-modified"]),
                                                              st.text(max_size=40), max_size=2))
def test_extract_never_raises_on_bytes(body, headers):
    _check_article(extract_article(body, url="https://example.com/a", headers=headers), "https://example.com/a")
    assert is_article(body) in (True, False)


@SETTINGS
@given(html=htmlish, fetched_at=st.one_of(st.none(), fetched_ats))
def test_extract_never_raises_on_html_ish_text_and_dates_stay_in_the_window(html, fetched_at):
    article = extract_article(html, url="https://example.com/news/2020/04/05/story", fetched_at=fetched_at)
    _check_article(article, "https://example.com/news/2020/04/05/story")
    if article["published_date"] and fetched_at:
        assert article["published_date"] <= (fetched_at + timedelta(days=1)).date().isoformat()
    for key in ("title", "text"):
        assert "\ufffd" not in (article[key] or ""), (key, article[key])


@pytest.mark.parametrize("bad", ["&#0;", "&#xD800;", "&#1114112;", "\ud800"])
def test_invalid_character_references_leave_no_replacement_character(bad):
    paragraph = f"<p>Paragraph about the court case and the hearing today {bad} end.</p>"
    html = f"<html><body><article><h1>Title {bad} here</h1>{paragraph * 5}</article></body></html>"
    article = extract_article(html, url="https://example.com/a")
    assert "\ufffd" not in (article["title"] or "") + (article["text"] or "")


@FEW
@given(html=htmlish)
def test_extract_as_utf8_bytes_adds_no_replacement_characters(html):
    body = html.encode("utf-8", "surrogatepass").decode("utf-8", "ignore").encode("utf-8")
    article = extract_article(body, url=None, headers={"content-type": "text/html; charset=utf-8"})
    _check_article(article, None)
    if not INVALID_CHARACTER.search(html):
        assert "\ufffd" not in (article["text"] or "") + (article["title"] or "")


# ---- dates --------------------------------------------------------------------------------


def _in_window(value: date | datetime | None, fetched_at: datetime | None) -> bool:
    if value is None:
        return True
    day = value.date() if isinstance(value, datetime) else value
    return day.year >= 1 and (fetched_at is None or day <= (fetched_at + timedelta(days=1)).date())


@SETTINGS
@given(value=st.one_of(dateish, st.text(max_size=60)), language=languages, fetched_at=st.one_of(st.none(), fetched_ats),
       month_first=st.sampled_from([None, True, False]))
def test_date_parsers_never_raise(value, language, fetched_at, month_first):
    for parsed in (parse_iso(value), parse_numeric(value), parse_numeric(value, True), parse_month_name(value),
                   parse_machine(value)):
        assert parsed is None or isinstance(parsed, date)
    human = parse_human(value, language, fetched_at, month_first)
    assert human is None or isinstance(human, date)


@SETTINGS
@given(n=st.integers(0, 10_000), unit=st.sampled_from(["minutes", "hours", "days", "weeks", "heures", "jours",
                                                       "Tagen", "días"]),
       form=st.sampled_from(["{n} {u} ago", "il y a {n} {u}", "vor {n} {u}", "hace {n} {u}", "yesterday"]),
       language=languages, fetched_at=fetched_ats)
def test_relative_dates_are_never_after_the_fetch(n, unit, form, language, fetched_at):
    parsed = parse_human(form.format(n=n, u=unit), language, fetched_at)
    assert _in_window(parsed, fetched_at), parsed
    assert parse_human(form.format(n=n, u=unit), language, None) is None, "relative dates need a fetch time"


# ---- URLs ---------------------------------------------------------------------------------


def _parses(url: str) -> bool:
    try:
        return urlsplit(url).port is not None or True
    except ValueError:
        return False


@SETTINGS
@given(url=st.one_of(urls, st.text(max_size=60).map(lambda t: "http://" + t)))
@example(url="http://////")
@example(url="http:///.//")
@example(url="http:////a//b?utm_source=x&id=1&UTM_Medium=y")
@example(url="https://a.example/?id=1&utm_source=x&fbclid=2&utm_campaign=z")
def test_canonical_url_never_raises_and_is_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert identity_key(once) == identity_key(url)
    if _parses(url):  # an unsplittable URL is kept as given (see the test below)
        kept = [key for key, _value in parse_qsl(urlsplit(once).query, keep_blank_values=True)]
        assert not [key for key in kept if TRACKING.fullmatch(key)], f"tracking parameters kept: {kept}"


BROKEN_URLS = ["http://[", "http://a]b/", "http://[zz]/x", "http://example.com:99999/x", "http://example.com:bad/x"]


@pytest.mark.parametrize("url", BROKEN_URLS)
def test_canonical_url_survives_urls_urllib_cannot_split(url):
    assert canonical_url(url)


def test_page_links_survive_an_unsplittable_href():
    assert page_links("<a href='/a'>a</a><a href='http://['>b</a><a href='/c'>c</a>", "http://example.com/") == [
        "http://example.com/a", "http://example.com/c"]


# ---- matching -----------------------------------------------------------------------------


@SETTINGS
@given(title=st.one_of(st.text(max_size=80), prose), text=prose, language=languages)
def test_matching_never_raises_and_relevance_is_a_fraction(title, text, language):
    result = match_article(title, text, WATCHLIST, language=language)
    assert 0.0 <= result.relevance <= 1.0
    assert set(result.matched) <= set(WATCHLIST.entry_names())
    assert not result.relevant or result.matched
    full = title + "\n\n" + text
    for mention in result.mentions:
        for start, end in mention.positions:
            assert 0 <= start < end <= len(full)
