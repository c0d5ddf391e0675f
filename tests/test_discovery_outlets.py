"""Outlets nobody listed: registered domains (bundled suffix list, no network), names, the [discovery] policy."""

from __future__ import annotations

import importlib
import socket

import pytest

from scraper.discovery import outlets
from scraper.discovery.outlets import (
    OUTLET_KIND_OTHER,
    DiscoveryPolicy,
    known_outlet,
    outlet_name,
    registered_domain,
    site_key,
)
from scraper.errors import ConfigError


@pytest.mark.parametrize(("url", "domain"), [
    ("https://news.example.co.uk/2020/04/story", "example.co.uk"),
    ("https://WWW.Example.COM./a", "example.com"),
    ("https://a.b.c.example.com.au/x", "example.com.au"),
    ("https://someone.blogspot.com/2020/x", "someone.blogspot.com"),   # a private suffix: each blog is a site
    ("https://bücher.example.de/x", "example.de"),
    ("https://xn--bcher-kva.de/x", "xn--bcher-kva.de"),
    ("https://bücher.de/x", "xn--bcher-kva.de"),                        # one spelling for one domain
    ("http://127.0.0.1:8001/x", "127.0.0.1"),
    ("http://[::1]:8001/x", "::1"),
    ("http://localhost:8001/x", "localhost"),
    ("http://www.outlet.test/x", "outlet.test"),                        # no known suffix: the host
    ("not a url", None),
    ("", None),
])
def test_registered_domain(url, domain):
    assert registered_domain(url) == domain


def test_site_key_keeps_ports_on_loopback():
    assert site_key("http://127.0.0.1:8001/a") == "127.0.0.1:8001"
    assert site_key("http://127.0.0.1:8002/a") != site_key("http://127.0.0.1:8001/a")
    assert site_key("http://localhost:8001/") == "localhost:8001"
    assert site_key("https://news.example.co.uk:8443/") == "example.co.uk"


def test_the_suffix_list_is_the_bundled_snapshot_and_nothing_goes_out(monkeypatch, tmp_path):
    """Rebuild the extractor with every socket call recorded; even the environment's list URL is ignored."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "http://127.0.0.1:9/public_suffix_list.dat")
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "cache"))
    module = importlib.reload(outlets)
    try:
        assert module._EXTRACT.suffix_list_urls == ()
        assert module.registered_domain("https://news.example.co.uk/x") == "example.co.uk"
        assert module.registered_domain("https://x.y.example.com.br/") == "example.com.br"
        assert attempts == []
        assert not (tmp_path / "cache").exists()    # no cache written, none read
        # control: the recorder does see an extractor that would fetch the list (refused before any traffic)
        import tldextract

        tldextract.TLDExtract(cache_dir=None)("https://news.example.co.uk/x")
        assert attempts
    finally:
        importlib.reload(outlets)


def test_outlet_name():
    url = "https://news.example.co.uk/2020/04/story"
    assert outlet_name("The Example Times", {"@type": "Organization", "name": "Example Group"}, url) == \
        "The Example Times"
    assert outlet_name("", {"@type": "Organization", "name": "Example Group"}, url) == "Example Group"
    assert outlet_name(None, [{"@type": "Organization"}, {"name": "Second Publisher"}], url) == "Second Publisher"
    assert outlet_name("  The\n\tExample\x00 Times  ", None, url) == "The Example Times"
    assert outlet_name("—", "12345", url) == "example.co.uk"          # no letters: not a name
    assert outlet_name(None, None, url) == "example.co.uk"
    assert outlet_name(None, None, "http://127.0.0.1:8005/a") == "127.0.0.1:8005"
    assert outlet_name(["list"], 5, "garbage") == "unknown"
    long = outlet_name("A" * 500, None, url)
    assert len(long) <= outlets.MAX_NAME_CHARS and long.endswith("…")
    assert OUTLET_KIND_OTHER == "other"


def test_known_outlet():
    hosts = {"www.example.com": "Example", "https://news.other.co.uk/": "Other", "127.0.0.1:8001": "Demo One"}
    assert known_outlet("https://www.example.com/a", hosts) == "Example"
    assert known_outlet("https://example.com/a", hosts) == "Example"
    assert known_outlet("https://edition.example.com/a", hosts) == "Example"
    assert known_outlet("https://sport.other.co.uk/a", hosts) == "Other"
    assert known_outlet("http://127.0.0.1:8001/x", hosts) == "Demo One"
    assert known_outlet("http://127.0.0.1:8002/x", hosts) is None        # another port is another site
    assert known_outlet("https://example.co.uk/", hosts) is None
    assert known_outlet("junk", hosts) is None


def test_policy_from_table():
    policy = DiscoveryPolicy.from_table({"allow": [], "block": ["*.Spam.example.com", "ads.example.org.", "bücher.de"]})
    assert policy.block == ("spam.example.com", "ads.example.org", "xn--bcher-kva.de")
    assert DiscoveryPolicy.from_table(None) == DiscoveryPolicy()
    assert DiscoveryPolicy.from_table({"allow": ["127.0.0.1:8005"]}).allow == ("127.0.0.1:8005",)


def test_policy_decisions():
    policy = DiscoveryPolicy(allow=(), block=("spam.example.com", "127.0.0.1:9000"))
    assert policy.verdict("https://spam.example.com/a") == "blocked"
    assert policy.verdict("https://www.spam.example.com/a") == "blocked"          # subdomains match
    assert policy.verdict("https://notspam.example.com/a") == "allowed"            # on a label boundary only
    assert policy.verdict("https://example.com/a") == "allowed"
    assert policy.verdict("http://127.0.0.1:9000/") == "blocked"
    assert policy.verdict("http://127.0.0.1:9001/") == "allowed"
    assert policy.verdict("nonsense") == "invalid url"
    strict = DiscoveryPolicy(allow=("example.com",), block=("bad.example.com",))
    assert strict.allows("https://news.example.com/")
    assert strict.verdict("https://bad.example.com/x") == "blocked"                # blocking wins
    assert strict.verdict("https://elsewhere.org/") == "not allowed"


@pytest.mark.parametrize(("table", "message"), [
    (["example.com"], "must be a table"),
    ({"allow": "example.com"}, "expected a list"),
    ({"block": [1]}, "expected a list"),
    ({"alow": []}, "unknown key"),
    ({"block": ["https://example.com/"]}, "not a domain"),
    ({"block": ["example.com/path"]}, "not a domain"),
    ({"block": ["exa mple.com"]}, "not a domain"),
    ({"block": ["a*.example.com"]}, "not a domain"),
    ({"block": ["-bad-.example.com"]}, "not a valid domain"),
    ({"block": ["example.com:99999"]}, "bad port"),
    ({"block": [""]}, "not a domain"),
])
def test_policy_config_errors(table, message):
    with pytest.raises(ConfigError, match=message):
        DiscoveryPolicy.from_table(table, "sources.toml [discovery]")


def test_a_kinds_rule_gives_a_site_nobody_listed_its_kind():
    policy = DiscoveryPolicy.from_table({"kinds": {"courier.example": "justice", "sport.courier.example": "other"}})
    assert policy.kind_for("https://www.courier.example/2020/story") == "justice"
    assert policy.kind_for("https://sport.courier.example/match") == "other"  # the most specific rule wins
    assert policy.kind_for("https://elsewhere.example/") == "other"
    with pytest.raises(ConfigError, match="a kind is one of entertainment, justice, other"):
        DiscoveryPolicy.from_table({"kinds": {"courier.example": "news"}})
    with pytest.raises(ConfigError, match="expected a table of domain = kind"):
        DiscoveryPolicy.from_table({"kinds": ["courier.example"]})
