"""The demo web's forward proxy: one loopback port standing in for a whole web of outlets.

A client configured with ``http://127.0.0.1:PORT`` as its HTTP proxy sends absolute-URI
requests (``GET http://www.lakeside-courier.example/news/... HTTP/1.1``); origin-form
requests with a Host header are routed the same way. The demo web decides what a host is:

- the host of an outlet nobody listed (``*.example``): that outlet's site answers here,
  exactly as the per-port servers answer (status, ETag, Last-Modified, 304, robots.txt);
- ``127.0.0.1:PORT`` of a listed outlet or of an archive replica: the request is relayed
  to it (status, headers and body; one request per connection);
- anything else (another host, another port, https through CONNECT): 502 "not part of
  the demo web", recorded. Nothing is ever forwarded off this machine.
"""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import urlsplit

from scraper.demoweb.serving import write_response
from scraper.demoweb.site import Response

REFUSED_BODY = b"not part of the demo web\n"
FORWARD_TIMEOUT = 30.0
# Hop-by-hop headers (RFC 9110 7.6.1) and the proxy's own: never relayed.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade"})
SERVED, FORWARDED, REFUSED = "served", "forwarded", "refused"


class ProxyHit(NamedTuple):
    """One request the proxy handled: what it did (served | forwarded | refused), the method,
    the absolute URL asked for (``host:port`` for CONNECT) and the status answered."""

    action: str
    method: str
    url: str
    status: int


class Target(NamedTuple):
    """Where a host goes: `serve` answers in-process (and records the hit for `slug`), or
    `forward_port` is a loopback port to relay to."""

    slug: str | None = None
    serve: Callable[[str, object], Response] | None = None
    forward_port: int | None = None


Resolver = Callable[[str, int], Target | None]


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a crawl opens many connections at once (the default backlog is 5)

    def __init__(self, address: tuple[str, int], proxy: DemoProxy) -> None:
        super().__init__(address, _ProxyHandler)
        self.proxy = proxy


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    server_version = "DemoProxy/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: requests are recorded in DemoProxy.hits instead of stderr."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._handle()

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_CONNECT(self) -> None:  # noqa: N802
        self._refuse(self.path)

    # ---- routing --------------------------------------------------------------------------

    def _handle(self) -> None:
        proxy = self.server.proxy
        if self.path.startswith("/"):
            netloc, origin_path = self.headers.get("Host", ""), self.path
        else:
            parts = urlsplit(self.path)
            if parts.scheme.lower() != "http":
                self._refuse(self.path)
                return
            netloc = parts.netloc.rsplit("@", 1)[-1]
            origin_path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host, port = _host_port(netloc)
        url = f"http://{netloc.lower()}{origin_path}"
        target = proxy.resolve(host, port) if host else None
        if target is None:
            self._refuse(url)
        elif target.serve is not None:
            self._serve(target, origin_path, url)
        else:
            self._forward(target.forward_port or 0, origin_path, url)

    def _serve(self, target: Target, origin_path: str, url: str) -> None:
        if self.command == "POST":
            response = Response(405, "text/plain; charset=utf-8", b"Method Not Allowed\n", {"Allow": "GET, HEAD"})
        else:
            assert target.serve is not None
            response = target.serve(origin_path, self.headers)
        self.server.proxy.record(ProxyHit(SERVED, self.command, url, response.status), target.slug, self.command,
                                 origin_path)
        write_response(self, response, head=self.command == "HEAD")

    def _forward(self, port: int, origin_path: str, url: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else None
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        headers["Host"] = f"127.0.0.1:{port}"
        headers["Connection"] = "close"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=FORWARD_TIMEOUT)
        try:
            connection.request(self.command, origin_path, body=body, headers=headers)
            upstream = connection.getresponse()
            status, reason = upstream.status, upstream.reason
            relayed = [(k, v) for k, v in upstream.getheaders() if k.lower() not in HOP_BY_HOP]
            data = upstream.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self.server.proxy.record(ProxyHit(FORWARDED, self.command, url, 502))
            self._reply(502, "Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")],
                        f"the demo web's server on port {port} did not answer: {exc}\n".encode())
            return
        connection.close()
        self.server.proxy.record(ProxyHit(FORWARDED, self.command, url, status))
        bodyless = self.command == "HEAD" or status in (204, 304) or status < 200
        if not bodyless:
            relayed = [(k, v) for k, v in relayed if k.lower() != "content-length"]
            relayed.append(("Content-Length", str(len(data))))
        self._reply(status, reason, relayed, b"" if bodyless else data)

    def _refuse(self, url: str) -> None:
        self.server.proxy.record(ProxyHit(REFUSED, self.command, url, 502))
        self._reply(502, "Bad Gateway", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(REFUSED_BODY)))],
                    b"" if self.command == "HEAD" else REFUSED_BODY)

    def _reply(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response_only(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            if not any(name.lower() == "content-length" for name, _ in headers) and status not in (204, 304):
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if body:
                self.wfile.write(body)
        self.close_connection = True


def _host_port(netloc: str) -> tuple[str, int]:
    """('host', port) of a Host header or an authority; port 80 when none is given."""
    netloc = netloc.strip().lower()
    try:
        parts = urlsplit(f"//{netloc}")
        return (parts.hostname or "").rstrip("."), parts.port or 80
    except ValueError:
        return "", 0


class DemoProxy:
    """The proxy server on a free loopback port; `resolve(host, port)` says where a host goes."""

    def __init__(self, resolve: Resolver, on_serve: Callable[[str, str, str, int], None], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.resolve = resolve
        self._on_serve = on_serve
        self._hits: list[ProxyHit] = []
        self._lock = threading.Lock()
        self._server = _ProxyServer((host, port), self)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="demoweb-proxy", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def record(self, hit: ProxyHit, slug: str | None = None, method: str = "", path: str = "") -> None:
        with self._lock:
            self._hits.append(hit)
        if slug is not None:
            self._on_serve(slug, method, path, hit.status)

    @property
    def hits(self) -> list[ProxyHit]:
        with self._lock:
            return list(self._hits)

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()
