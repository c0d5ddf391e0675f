"""The suite never leaves the machine: no proxy variable reaches the tests or their
children, and a child refuses to crawl any outlet off loopback (the shipped
sources.toml included). Everything here talks to 127.0.0.1 only."""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from childguard.loopback_guard import MESSAGE, off_loopback
from runner import FAST, LOOPBACK, ROOT, child_env, newswatch, without_proxies

from scraper.config import load_sources, parse_sources
from scraper.demoweb import DemoWeb

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


class CanaryProxy:
    """A 'proxy' on 127.0.0.1 that records every request it gets and answers 502."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

            def answer(self) -> None:
                canary.requests.append(f"{self.command} {self.path}")
                self.send_response(502)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = do_POST = do_CONNECT = answer  # noqa: N815 - stdlib naming

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def __enter__(self) -> CanaryProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_without_proxies_drops_every_proxy_variable_and_names_loopback():
    env = without_proxies({"http_proxy": "http://p:3128", "HTTPS_PROXY": "http://p:3128", "All_Proxy": "socks5://p",
                           "ftp_proxy": "x", "no_proxy": "example.com", "PATH": "/bin"})
    assert env == {"PATH": "/bin", "no_proxy": LOOPBACK, "NO_PROXY": LOOPBACK}
    child = child_env()
    assert not [k for k in child if k.lower().endswith("_proxy") and k.lower() != "no_proxy"]
    assert child["PYTHONPATH"].split(os.pathsep) == [str(ROOT / "tests" / "childguard"), str(ROOT)]


def test_the_session_has_no_proxy_variable():
    """The autouse session fixture in conftest.py: urllib in the test process sees no proxy."""
    assert not [k for k in os.environ if k.lower().endswith("_proxy") and k.lower() != "no_proxy"]
    assert not {"http", "https", "all"} & set(urllib.request.getproxies())
    assert os.environ["no_proxy"] == os.environ["NO_PROXY"] == LOOPBACK


def test_a_crawl_child_ignores_a_proxy_variable(tmp_path, monkeypatch):
    """A user's shell with a proxy and no no_proxy: the crawl the suite starts still goes
    straight to the demo web on 127.0.0.1, and the proxy hears nothing."""
    db = tmp_path / "a.db"
    with CanaryProxy() as proxy, DemoWeb(max_seconds=120) as web:
        for key in PROXY_VARIABLES:
            monkeypatch.setenv(key, proxy.url)
        for key in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(key, raising=False)
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        result = newswatch("crawl", "--spider", "feeds", "--db", str(db), "--sources", str(sources), "--no-progress",
                           *FAST, timeout=180)
        served = len(web.hits)
    assert result.returncode == 0, result.stderr[-3000:]
    assert proxy.requests == [], f"the crawl went through the proxy: {proxy.requests[:5]}"
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute("select count(*) from articles").fetchone()[0]
    finally:
        conn.close()
    assert served > 0 and stored > 0


def test_a_child_refuses_outlets_off_loopback_before_fetching(tmp_path):
    far = tmp_path / "far.toml"
    far.write_text('[[outlet]]\nname = "Far"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n'
                   'feeds = ["https://news.example.invalid/feed"]\n', encoding="utf-8")
    for sources in (far, ROOT / "sources.toml"):
        result = newswatch("crawl", "--db", str(tmp_path / "a.db"), "--sources", str(sources), "--no-progress")
        assert result.returncode == 2 and MESSAGE in result.stderr, result.stderr[-2000:]
    result = newswatch("crawl", "--db", str(tmp_path / "a.db"), "--no-progress")  # the default: sources.toml
    assert result.returncode == 2 and MESSAGE in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "a.db").exists()


def test_the_guard_knows_loopback_from_the_rest():
    shipped = load_sources(ROOT / "sources.toml")
    assert len(off_loopback(shipped)) >= len(shipped)
    local = parse_sources({"outlet": [
        {"name": "A", "homepage": "http://127.0.0.1:8000/", "kind": "justice", "feeds": ["http://localhost:1/f"],
         "sitemaps": ["http://[::1]:2/s.xml"], "search": "http://127.0.0.2:3/?q={query}"}]})
    assert off_loopback(local) == []
    for url in ("http://10.0.0.1/", "http://128.0.0.1/", "http://localhost.example/", "http://2130706433/"):
        outlet = {"name": "B", "homepage": url, "kind": "justice"}
        assert off_loopback(parse_sources({"outlet": [outlet]})) == [f"B: {url}"], url


@pytest.mark.parametrize("command", [["crawl", "--db", "{tmp}/a.db"],
                                     ["schedule", "--every", "1h", "--max-runs", "1", "--db", "{tmp}/a.db"],
                                     ["seed", "--distributed", "redis://127.0.0.1:1/0"]])
def test_every_crawling_command_goes_through_the_guard(tmp_path, command):
    """The guard sits under every command that reads outlets, not only `crawl`."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = newswatch(*args, "--sources", str(ROOT / "sources.toml"), timeout=60)
    assert MESSAGE in result.stderr, (result.stdout, result.stderr)  # a schedule goes on, and exits 0
