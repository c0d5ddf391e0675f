"""A small web of fictional sites for the discovery tests, behind one forward proxy on
127.0.0.1: each site keeps its own host name (`*.test`, never resolvable), so a site
that sources.toml does not list is really a distinct host. Requests the proxy receives
for a loopback address are passed on to that server (the replicas, a listed outlet);
nothing ever leaves the machine. Every request is logged; the server stops by itself.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ROBOTS = b"User-agent: *\nAllow: /\n"


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawl opens many connections at once (the default backlog is 5)


class FictionalWeb:
    """`pages` maps absolute URLs (`http://harbor.test/2020/story`) to Pages; anything else
    is a 404 (robots.txt: allow all unless given)."""

    def __init__(self, pages: dict[str, Page], max_seconds: float = 300) -> None:
        self.pages = dict(pages)
        self.hits: list[tuple[float, str, str]] = []  # (monotonic time, method, absolute URL)
        self.lock = threading.Lock()
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format, *args):  # noqa: A002 - stdlib signature
                pass

            def do_GET(self):  # noqa: N802 - stdlib naming
                web.answer(self)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.timer = threading.Timer(max_seconds, self.stop)
        self.timer.daemon = True
        self.timer.start()

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = handler.path
        if not url.startswith("http"):
            url = f"http://{handler.headers.get('Host', '')}{url}"
        with self.lock:
            self.hits.append((time.monotonic(), handler.command, url))
        host = urlsplit(url).hostname or ""
        if host.startswith("127.") and urlsplit(url).port != self.server.server_address[1]:
            self.forward(handler, url)
            return
        page = self.pages.get(url)
        if page is None and urlsplit(url).path == "/robots.txt":
            page = Page(200, ROBOTS, {"Content-Type": "text/plain"})
        page = page or Page(404, b"<html><body><h1>Not found</h1></body></html>")
        handler.send_response(page.status)
        for name, value in page.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(page.body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(page.body)

    def forward(self, handler: BaseHTTPRequestHandler, url: str) -> None:
        """Pass a request for a loopback server on, as a forward proxy does."""
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("proxy-connection", "connection")}
        try:
            conn.request(handler.command, path, headers=headers)
            answer = conn.getresponse()
            body = answer.read()
        except OSError:
            handler.send_error(502)
            return
        finally:
            conn.close()
        handler.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    def stop(self) -> None:
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FictionalWeb:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
