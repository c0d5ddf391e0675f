"""Politeness (pacing, retries, Retry-After) and the hygiene of discovered URLs (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.discovery.errors import EmptyBody, NotJson, QueryRejected, RateLimited, TruncatedRecord, snippet_of
from scraper.discovery.pacing import Pacer, RetryPolicy, parse_retry_after
from scraper.discovery.untrusted import clean_url


def test_pacer():
    pacer = Pacer(5.0)
    assert pacer.delay(100.0) == 0.0
    pacer.sent(100.0)
    assert pacer.delay(101.0) == pytest.approx(4.0)
    assert pacer.delay(105.0) == 0.0
    pacer.sent(106.0)
    assert pacer.delay(106.5) == pytest.approx(4.5)
    with pytest.raises(ValueError):
        Pacer(-1)


def test_retry_after():
    now = datetime(2020, 4, 6, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Mon, 06 Apr 2020 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 06 Apr 2020 11:00:00 GMT", now) == 0.0
    for bad in (None, "", "soon", "-5", "1.5e3"):
        assert parse_retry_after(bad, now) is None


def test_retry_policy():
    policy = RetryPolicy(max_attempts=4, base=5.0, factor=2.0, cap=30.0, max_retry_after=120.0)
    assert policy.should_retry(429, 1) and policy.should_retry(503, 3)
    assert not policy.should_retry(429, 4)                 # attempts spent
    assert not policy.should_retry(404, 1) and not policy.should_retry(200, 1)
    assert not policy.should_retry(429, 1, retry_after=3600)   # asks for an hour: give up, report
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [5.0, 10.0, 20.0, 30.0, 30.0]
    assert policy.delay(1, retry_after=60) == 60.0          # the server's word, when longer
    assert policy.delay(3, retry_after=1) == 20.0


def test_errors_say_what_to_do():
    for error in (EmptyBody, NotJson, RateLimited):
        assert error("X", "m").retryable
    assert not QueryRejected("X", "m").retryable and not TruncatedRecord("X", "m").retryable
    error = NotJson("GDELT", "not JSON", snippet_of(b"<html>\n  <body>Bad   gateway</body></html>"))
    assert str(error) == "GDELT: not JSON: '<html> <body>Bad gateway</body></html>'"
    assert len(snippet_of(b"x" * 10_000)) == 160


@pytest.mark.parametrize(("raw", "clean"), [
    ("https://News.Example.COM/a/b?c=d#frag", "https://news.example.com/a/b?c=d"),
    ("HTTP://example.com", "http://example.com/"),
    ("  http://example.com/x  ", "http://example.com/x"),
    ("http://127.0.0.1:8001/x", "http://127.0.0.1:8001/x"),
    ("http://[::1]:8001/x", "http://[::1]:8001/x"),
    ("javascript:alert(1)", None),
    ("ftp://example.com/x", None),
    ("file:///etc/passwd", None),
    ("//example.com/x", None),
    ("/relative/path", None),
    ("http://user:pass@example.com/", None),
    ("http://example.com@evil.example.org/", None),
    ("http://example.com:99999/", None),
    ("http://example.com:port/", None),
    ("http://exa mple.com/", None),
    ("http://example.com/a\r\nSet-Cookie: x=1", None),
    ("http://example.com/\x00", None),
    ("http://..example.com/", None),
    ("http:///nohost", None),
    ("http://example.com/" + "a" * 3000, None),
    (None, None),
    (42, None),
])
def test_clean_url(raw, clean):
    assert clean_url(raw) == clean
