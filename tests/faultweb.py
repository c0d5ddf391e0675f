"""A hostile news site on 127.0.0.1: every way real outlets misbehave, in one server.

`FaultWeb` serves one justice outlet (a feed, a broken and a good sitemap, a homepage
linking to everything) whose pages fail the way real sites do: 5xx, 429 with
Retry-After, hangs, one byte a second, connection resets, short bodies, lying
charsets, binary as HTML, empty, 40 MB, a gzip bomb, 10,000 unclosed divs, redirect
loops, an endless calendar, tracking-parameter duplicates, and redirects to a canary
server on another loopback address (127.0.0.2) that must never be reached.

Both servers run in daemon threads and stop by themselves after `max_seconds`.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

CANARY_HOST = "127.0.0.2"
BIG = 40 * 1024 * 1024

# (slug, title, a sentence that proves the right text was stored)
GOOD = [
    ("clemency-hearing", "Clemency hearing set for Dawn Jackson", "The parole board will hear the petition in May."),
    ("appeal-filed", "Appeal filed in Momolu Stewart case", "Lawyers filed the appeal on Tuesday morning."),
    ("feed-after-broken", "Feed item after the broken one", "This item follows a malformed item in the feed."),
    ("sitemap-only", "Found only through the sitemap", "Only the sitemap links to this page."),
]
CP1252_TEXT = "Café owners said the “reform” bill – now law – was naïve, façade or not."


WORDS = ["court", "hearing", "family", "lawyers", "advocates", "sentence", "prison", "term", "petition", "clemency",
         "judge", "county", "appeal", "parole", "board", "record", "testimony", "verdict", "evidence", "witness",
         "reform", "governor", "statement", "week"]


def paragraphs(lead: str, n: int = 6) -> str:
    """The lead, then filler sentences that differ per article (so they are not near-duplicates)."""
    seed = sum(map(ord, lead))
    filler = [" ".join(WORDS[(seed * (i + 3) + j * 7) % len(WORDS)] for j in range(30)).capitalize() + "."
              for i in range(n)]
    return "".join(f"<p>{lead if i == 0 else filler[i]}</p>" for i in range(n))


def article_html(slug: str, title: str, lead: str, *, canonical: str | None = None, head: str = "",
                 before: str = "", after: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!doctype html><html lang='en'><head>{head}<title>{title} - Fault Courier</title>{link}"
            f"<meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='2020-06-0{len(slug) % 9 + 1}T09:00:00-04:00'>"
            f"</head><body>{before}<article><h1>{title}</h1><p class='byline'>By Ann Reporter</p>"
            f"{paragraphs(lead)}</article>{after}</body></html>")


def gzip_bomb(size: int = BIG) -> bytes:
    """~40 KB on the wire, 40 MB once decompressed."""
    return gzip.compress(b"\0" * size, compresslevel=9)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class FaultWeb:
    """The outlet at `base` (127.0.0.1:free port) and the canary at `canary` (127.0.0.2)."""

    def __init__(self, max_seconds: float = 120, article_delay: float = 0.0, extra_articles: int = 0) -> None:
        self.article_delay = article_delay
        self.extra_articles = extra_articles
        self.hits: list[tuple[float, str, int]] = []  # (monotonic time, path with query, status)
        self.canary_hits: list[str] = []
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._bomb = gzip_bomb()
        self.server = _Server(("127.0.0.1", 0), self._handler(canary=False))
        self.canary_server = _Server((CANARY_HOST, 0), self._handler(canary=True))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.canary = f"http://{CANARY_HOST}:{self.canary_server.server_address[1]}"
        self._threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
                         for s in (self.server, self.canary_server)]
        for thread in self._threads:
            thread.start()
        self._timer = threading.Timer(max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()

    # ---- lifecycle ----------------------------------------------------------------

    def __enter__(self) -> FaultWeb:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        self._timer.cancel()
        for server in (self.server, self.canary_server):
            with contextlib.suppress(Exception):
                server.shutdown()
                server.server_close()

    def sources_toml(self, homepage: str = "/") -> str:
        b = self.base
        return (f'[[outlet]]\nname = "Fault Courier"\nhomepage = "{b}{homepage}"\nkind = "justice"\n'
                f'language = "en"\nfeeds = ["{b}/feed.xml"]\n'
                f'sitemaps = ["{b}/sitemap.xml", "{b}/sitemap-news.xml"]\nsearch = ""\n')

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for _t, path, _s in self.hits if path.startswith(prefix))

    def times(self, path: str) -> list[float]:
        with self._lock:
            return [t for t, p, _s in self.hits if p == path]

    def _seen(self, path: str) -> int:
        with self._lock:
            self._counts[path] += 1
            return self._counts[path]

    # ---- pages ----------------------------------------------------------------------

    def homepage(self) -> str:
        links = [f"/news/{slug}" for slug, *_ in GOOD[:2]] + [
            "/news/err500", "/news/flaky500", "/news/always503", "/news/ratelimited", "/news/retry-tomorrow",
            "/news/slow", "/news/drip",
            "/news/reset", "/news/short", "/news/cp1252-says-utf8", "/news/utf8-says-cp1252", "/news/no-charset",
            "/news/no-charset-1252",
            "/news/binary", "/news/empty", "/news/huge", "/news/huge-stream", "/news/gzip-bomb", "/news/nested",
            "/loop?n=0", "/loop-a", "/calendar/2020/01", "/print/dup-story?fbclid=abc123&utm_source=twitter",
            "/news/redirect-out", "/news/redirect-localhost", "/news/redirect-decimal", "/news/refresh-out",
            f"{self.canary}/linked-directly",
        ] + [f"/news/extra-{i}" for i in range(self.extra_articles)]
        items = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
        return (f"<!doctype html><html lang='en'><head><title>Fault Courier</title></head><body>"
                f"<h1>Fault Courier</h1><ul>{items}</ul></body></html>")

    def feed(self) -> bytes:
        def item(path: str, title: str) -> str:
            return (f"<item><title>{title}</title><link>{self.base}{path}</link>"
                    f"<pubDate>Mon, 01 Jun 2020 09:00:00 -0400</pubDate></item>")

        broken = ("<item><title>Broken & <b>unclosed</title><link>\x01\x02 not a url<pubDate>yesterday</item>"
                  "<item><title>Unsplittable</title><link>http://[</link></item>"
                  "<item><title>Bad port</title><link>http://127.0.0.1:99999/x</link></item>")
        return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Fault Courier</title>"
                + item(f"/news/{GOOD[0][0]}", GOOD[0][1]) + broken + item(f"/news/{GOOD[2][0]}", GOOD[2][1])
                + item("/news/dup-story?utm_source=rss&utm_medium=feed", "The duplicated story")
                + item("/news/redirect-out", "Goes elsewhere")
                + f"<item><title>Canary</title><link>{self.canary}/from-feed</link></item>"
                + "</channel></rss>").encode()

    def sitemap(self) -> bytes:
        urls = ["http://[", "not a url", "http://127.0.0.1:99999/", f"{self.base}/news/{GOOD[3][0]}",
                f"{self.base}/news/always503", f"{self.canary}/from-sitemap"]
        body = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        return (f"<?xml version='1.0' encoding='UTF-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                f"{body}</urlset>").encode()

    def _handler(self, canary: bool) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                """Quiet: hits are recorded instead."""

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                if canary:
                    with web._lock:
                        web.canary_hits.append(self.path)
                    self.send(200, b"canary")
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
                    web.route(self)

            def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                     headers: dict[str, str] | None = None, length: int | None = None) -> None:
                with web._lock:
                    web.hits.append((time.monotonic(), self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

        return Handler

    def route(self, h) -> None:  # noqa: C901 - one flat table of faults is the point
        path = h.path
        url = urlsplit(path)
        good = {f"/news/{slug}": (title, lead) for slug, title, lead in GOOD}
        if path == "/robots.txt":
            h.send(500, b"robots exploded", "text/plain")
        elif path == "/":
            h.send(200, self.homepage().encode())
        elif path == "/feed.xml":
            h.send(200, self.feed(), "application/rss+xml")
        elif path == "/sitemap.xml":
            h.send(200, b"<html><body>Sitemap? We have no sitemap.<br><p>oops</body></html>", "application/xml")
        elif path == "/sitemap-news.xml":
            h.send(200, self.sitemap(), "application/xml")
        elif path in good or url.path.startswith("/news/extra-"):
            title, lead = good.get(path) or (f"Extra report {url.path[-2:]}", f"Extra report {url.path} text.")
            time.sleep(self.article_delay)
            h.send(200, article_html(url.path, title, lead).encode())
        elif path == "/news/err500":
            h.send(500, b"<h1>Internal Server Error</h1>")
        elif path == "/news/flaky500":
            if self._seen(path) == 1:
                h.send(500, b"<h1>try again</h1>")
            else:
                h.send(200, article_html(path, "Second try works", "The second attempt succeeded.").encode())
        elif path == "/news/always503":
            h.send(503, b"<h1>Service Unavailable</h1>", headers={"Retry-After": "1"})
        elif path == "/news/ratelimited":
            if self._seen(path) == 1:
                h.send(429, b"<h1>Too Many Requests</h1>", headers={"Retry-After": "2"})
            else:
                h.send(200, article_html(path, "Rate limit respected", "We waited as the server asked.").encode())
        elif path == "/news/retry-tomorrow":  # a wait far above NEWSWATCH_RETRY_AFTER_MAX: not retried
            h.send(429, b"<h1>Too Many Requests</h1>", headers={"Retry-After": "86400"})
        elif path == "/news/slow":
            time.sleep(6)
            h.send(200, article_html(path, "Too slow", "Nobody waits this long.").encode())
        elif path == "/news/drip":
            self._drip(h)
        elif path == "/news/reset":
            self._reset(h)
        elif path == "/news/short":
            body = article_html(path, "Cut short", "This body is shorter than promised.").encode()
            h.send(200, body[: len(body) // 2], length=len(body))
            h.close_connection = True
        elif path == "/news/cp1252-says-utf8":
            body = article_html(path, "Charset liar one", CP1252_TEXT, head="<meta charset='windows-1252'>")
            h.send(200, body.encode("cp1252"), "text/html; charset=utf-8")
        elif path == "/news/utf8-says-cp1252":
            body = article_html(path, "Charset liar two", CP1252_TEXT, head="<meta charset='utf-8'>")
            h.send(200, body.encode("utf-8"), "text/html; charset=windows-1252")
        elif path == "/news/no-charset":
            h.send(200, article_html(path, "No charset at all", CP1252_TEXT).encode("utf-8"), "text/html")
        elif path == "/news/no-charset-1252":
            h.send(200, article_html(path, "No charset, old bytes", CP1252_TEXT).encode("cp1252"), "text/html")
        elif path == "/news/binary":
            noise = bytes((i * 7919 + 13) % 256 for i in range(64 * 1024))
            h.send(200, b"\x89PNG\r\n\x1a\n" + noise, "text/html")
        elif path == "/news/empty":
            h.send(200, b"")
        elif path == "/news/huge":
            self._stream(h, declared=True)
        elif path == "/news/huge-stream":
            self._stream(h, declared=False)
        elif path == "/news/gzip-bomb":
            h.send(200, self._bomb, headers={"Content-Encoding": "gzip"})
        elif path == "/news/nested":
            body = article_html(path, "Deeply nested page", "The text at the very bottom survives nesting.",
                                before="<div>" * 10_000)
            h.send(200, body.encode())
        elif url.path == "/loop":
            n = int(parse_qs(url.query).get("n", ["0"])[0])
            h.send(302, b"", headers={"Location": f"/loop?n={n + 1}"})
        elif path in ("/loop-a", "/loop-b"):
            h.send(301, b"", headers={"Location": "/loop-b" if path == "/loop-a" else "/loop-a"})
        elif url.path.startswith("/calendar/"):
            self._calendar(h, url.path)
        elif url.path in ("/print/dup-story", "/news/dup-story"):
            body = article_html("dup-story", "One story, two addresses", "The same article under two URLs.",
                                canonical=f"{self.base}/news/dup-story")
            h.send(200, body.encode())
        elif path == "/news/redirect-out":
            h.send(302, b"", headers={"Location": f"{self.canary}/redirected"})
        elif path == "/news/redirect-localhost":
            port = urlsplit(self.canary).port
            h.send(302, b"", headers={"Location": f"http://localhost:{port}/redirected-localhost"})
        elif path == "/news/redirect-decimal":
            decimal = struct.unpack("!I", socket.inet_aton(CANARY_HOST))[0]
            h.send(302, b"", headers={"Location": f"http://{decimal}:{urlsplit(self.canary).port}/decimal"})
        elif path == "/news/refresh-out":
            body = f"<html><head><meta http-equiv='refresh' content='0;url={self.canary}/refreshed'></head></html>"
            h.send(200, body.encode())
        else:
            h.send(404, b"<h1>Not Found</h1>")

    def _calendar(self, h, path: str) -> None:
        """An events calendar with a 'next month' link, forever (the classic crawler trap)."""
        try:
            year, month = (int(p) for p in path.strip("/").split("/")[1:3])
        except ValueError:
            h.send(404, b"")
            return
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        nxt = f"/calendar/{year}/{month:02d}"
        h.send(200, f"<html><body><h1>Events</h1><a href='{nxt}'>next month</a></body></html>".encode())

    def _drip(self, h) -> None:
        """Headers at once, then one byte a second: only a whole-download timeout ends it."""
        with self._lock:
            self.hits.append((time.monotonic(), h.path, 200))
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100")
        h.end_headers()
        h.wfile.flush()
        for _ in range(100):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(1)

    def _reset(self, h) -> None:
        """Close with SO_LINGER 0: the client sees a TCP RST instead of a response."""
        with self._lock:
            self.hits.append((time.monotonic(), h.path, 0))
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        h.close_connection = True

    def _stream(self, h, declared: bool) -> None:
        """A 40 MB page, with or without Content-Length; stops when the client hangs up."""
        with self._lock:
            self.hits.append((time.monotonic(), h.path, 200))
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if declared:
            h.send_header("Content-Length", str(BIG))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"<p>" + b"padding " * 8000 + b"</p>\n"
        sent = 0
        while sent < BIG:
            h.wfile.write(chunk)
            sent += len(chunk)
        h.close_connection = True
