"""DemoWeb: serve every demo outlet on its own 127.0.0.1 port (so robots.txt is per outlet)."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from scraper.demoweb.content import Block, DemoContent, load_demo_web
from scraper.demoweb.dates import http_date
from scraper.demoweb.site import Response, Site, etag_for

Hit = tuple[str, str, str, int]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], web: DemoWeb, slug: str) -> None:
        super().__init__(address, _Handler)
        self.web = web
        self.slug = slug
        self.site: Site | None = None  # set once the port (and so the base URL) is known


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoNews/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: requests are recorded in DemoWeb.hits instead of stderr."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_POST(self) -> None:  # noqa: N802
        self._send(Response(405, "text/plain; charset=utf-8", b"Method Not Allowed\n", {"Allow": "GET, HEAD"}))

    def _serve(self, head: bool) -> None:
        site = self.server.site
        if site is None:
            self._send(Response(503, "text/plain; charset=utf-8", b"starting\n"))
            return
        try:
            response = site.handle(self.path)
        except Exception as exc:  # a template bug must show up as a 500, not a dropped connection
            self._send(Response(500, "text/plain; charset=utf-8", f"Internal error: {exc!r}\n".encode()))
            return
        if response.status == 200 and (response.cache or response.content_type.startswith("text/html")):
            # like most CMS caches: every page carries a body-hash ETag (listings too)
            response.headers["ETag"] = etag_for(response.body)
        if response.status == 200 and response.last_modified:
            response.headers["Last-Modified"] = http_date(response.last_modified)
        if response.status == 200 and self._not_modified(response):
            response = Response(304, response.content_type, b"", headers=response.headers)
        self._send(response, head=head)

    def _not_modified(self, response: Response) -> bool:
        etag = response.headers.get("ETag")
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            if not etag:
                return False
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and response.last_modified:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                return False
            return int(response.last_modified.timestamp()) <= int(since.timestamp())
        return False

    def _send(self, response: Response, head: bool = False) -> None:
        self.server.web._record(self.server.slug, self.command, self.path, response.status)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        body = b"" if response.status == 304 else response.body
        if response.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if not head and body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


class DemoWeb:
    """The demo outlets, each on its own port; stops by itself after `max_seconds`.

    Usage::

        with DemoWeb() as web:
            sources = web.sources_toml()
            ...
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        max_seconds: float = 600,
        root: str | Path | None = None,
        content: DemoContent | None = None,
        base_port: int = 0,
    ) -> None:
        self.host = host
        self.max_seconds = max_seconds
        self.content = content if content is not None else load_demo_web(root)
        self.base_port = base_port
        self.outlets: list[tuple[str, str, str, str]] = []
        self.sites: dict[str, Site] = {}
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._timer: threading.Timer | None = None
        self._stopped = threading.Event()
        self._started = False
        self.start()  # serving from construction on, so plain `web = DemoWeb()` works too

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> DemoWeb:
        if self._started:
            return self
        self._started = True
        try:
            for i, outlet in enumerate(self.content.outlets):
                port = self.base_port + i if self.base_port else 0
                server = _Server((self.host, port), self, outlet.slug)
                self._servers.append(server)
                base_url = f"http://{self.host}:{server.server_address[1]}"
                site = Site(outlet, self.content.articles.get(outlet.slug, []), base_url)
                server.site = site
                self.sites[outlet.slug] = site
                self.outlets.append((outlet.slug, outlet.name, outlet.kind, base_url))
        except BaseException:
            self.stop()
            raise
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demoweb-{server.slug}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._timer = threading.Timer(self.max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def update_article(self, slug: str, path: str, paragraph: str, modified_at: datetime) -> None:
        """Publish a correction: append a paragraph to one article and mark it modified,
        as outlets do; lets tests check that a re-crawl stores a new revision."""
        site = self.sites[slug]
        article = site.by_path[path]
        changed = replace(article, blocks=(*article.blocks, Block("p", paragraph)), modified_at=modified_at,
                          modified=modified_at.isoformat())
        others = [a for a in site.articles if a.path != path]
        new_site = Site(site.outlet, [*others, changed], site.base_url)
        for server in self._servers:
            if server.slug == slug:
                server.site = new_site
        self.sites[slug] = new_site

    def stop(self) -> None:
        """Shut every server down (idempotent, callable from any thread)."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            if self._timer is not None and self._timer is not threading.current_thread():
                self._timer.cancel()
            for server, thread in zip(self._servers, self._threads, strict=False):
                if thread.is_alive():
                    server.shutdown()
            for server in self._servers:
                server.server_close()
            self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the servers stop (True) or the timeout passes (False)."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- requests ------------------------------------------------------------------------

    def _record(self, slug: str, method: str, path: str, status: int) -> None:
        with self._lock:
            self._hits.append((slug, method, path, status))

    @property
    def hits(self) -> list[Hit]:
        """A snapshot of every request served: (outlet_slug, method, path_with_query, status)."""
        with self._lock:
            return list(self._hits)

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()

    # ---- URLs -----------------------------------------------------------------------------

    def base_url(self, slug: str) -> str:
        for outlet_slug, _, _, base in self.outlets:
            if outlet_slug == slug:
                return base
        raise KeyError(f"unknown demo outlet {slug!r} (is the DemoWeb started?)")

    def url_for(self, slug: str, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.sites[slug].abs_url(path) if slug in self.sites else self.base_url(slug) + path

    def sources_toml(self) -> str:
        """A sources.toml (see scraper.config) listing the demo outlets at their current ports."""

        def s(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)

        def arr(values: list[str]) -> str:
            return "[" + ", ".join(s(v) for v in values) + "]"

        lines = ["# Demo news web outlets (generated by scraper.demoweb; ports change every run).", ""]
        for outlet in self.content.outlets:
            site = self.sites[outlet.slug]
            lines += [
                "[[outlet]]",
                f"name = {s(outlet.name)}",
                f"homepage = {s(site.abs_url('/'))}",
                f"feeds = {arr([site.abs_url(site.feed_path)])}",
                f"sitemaps = {arr([site.abs_url('/sitemap.xml')])}",
                f"search = {s(site.abs_url('/search') + '?q={query}')}",
                f"kind = {s(outlet.kind)}",
                f"language = {s(outlet.language)}",
                "",
            ]
        return "\n".join(lines)
