"""DemoWeb: serve every demo outlet on its own 127.0.0.1 port (so robots.txt is per outlet),
the outlets nobody listed behind one forward proxy, and the archive replicas on demand."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from scraper.demoweb import releases
from scraper.demoweb.archive.demo import PAGE_SIZE, demo_archive_parts, outlet_prefix
from scraper.demoweb.archive.web import ArchiveWeb
from scraper.demoweb.content import Block, DemoContent, load_demo_web
from scraper.demoweb.proxy import DemoProxy, ProxyHit, Target
from scraper.demoweb.serving import site_response, write_response
from scraper.demoweb.site import Response, Site

Hit = tuple[str, str, str, int]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a crawl opens many connections at once (the default backlog is 5)

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
        self._send(site_response(site, self.path, self.headers), head=head)

    def _send(self, response: Response, head: bool = False) -> None:
        self.server.web._record(self.server.slug, self.command, self.path, response.status)
        write_response(self, response, head)


class DemoWeb:
    """The demo outlets, each on its own port; stops by itself after `max_seconds`.

    Usage::

        with DemoWeb() as web:
            sources = web.sources_toml()          # the six listed outlets
            settings = web.discovery_settings()   # proxy and archive replicas, for a backfill
            ...

    - `outlets` / `sites`: the listed outlets, `(slug, name, kind, base_url)` and their Site;
    - `unlisted` / `unlisted_sites`: the outlets nobody listed, `(slug, name, kind,
      "http://<host>")`, served only through `proxy_url` (the press-release wire included);
    - `archive`: the GDELT, Wayback and Common Crawl replicas over the demo's dataset,
      started on first use (ports are known from construction on).
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
        self.unlisted: list[tuple[str, str, str, str]] = []
        self.unlisted_sites: dict[str, Site | releases.ReleaseSite] = {}
        self._by_host: dict[str, str] = {}  # unlisted host -> slug
        self._forward_ports: set[int] = set()
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._archive_lock = threading.Lock()
        self._archive: ArchiveWeb | None = None
        self._closing = False
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._proxy: DemoProxy | None = None
        self._timer: threading.Timer | None = None
        self._deadline = time.monotonic() + max_seconds
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
                site = Site(outlet, self.content.articles.get(outlet.slug, []), base_url,
                            self.content.removed.get(outlet.slug, []))
                server.site = site
                self.sites[outlet.slug] = site
                self.outlets.append((outlet.slug, outlet.name, outlet.kind, base_url))
                self._forward_ports.add(server.server_address[1])
            for outlet in self.content.unlisted:
                assert outlet.host is not None
                base_url = f"http://{outlet.host}"
                self.unlisted_sites[outlet.slug] = Site(outlet, self.content.articles.get(outlet.slug, []), base_url)
                self.unlisted.append((outlet.slug, outlet.name, outlet.kind, base_url))
                self._by_host[outlet.host] = outlet.slug
            wire = releases.ReleaseSite()
            if wire.host not in self._by_host:
                self.unlisted_sites[wire.slug] = wire
                self.unlisted.append((wire.slug, wire.name, releases.KIND, wire.base_url))
                self._by_host[wire.host] = wire.slug
            proxy_port = self.base_port + len(self.content.outlets) if self.base_port else 0
            self._proxy = DemoProxy(self._resolve, self._record, self.host, proxy_port)
        except BaseException:
            self.stop()
            raise
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demoweb-{server.slug}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._proxy.start()
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
        new_site = Site(site.outlet, [*others, changed], site.base_url, list(site.removed.values()))
        for server in self._servers:
            if server.slug == slug:
                server.site = new_site
        self.sites[slug] = new_site

    def stop(self) -> None:
        """Shut every server down, the proxy and the archive replicas too (idempotent, callable
        from any thread)."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            if self._timer is not None and self._timer is not threading.current_thread():
                self._timer.cancel()
            with self._archive_lock:
                self._closing = True
                archive = self._archive
            for server, thread in zip(self._servers, self._threads, strict=False):
                if thread.is_alive():
                    server.shutdown()
            for server in self._servers:
                server.server_close()
            if self._proxy is not None:
                self._proxy.stop()
            if archive is not None:
                archive.stop()
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
        """A snapshot of every request an outlet served: (outlet_slug, method, path_with_query,
        status); the unlisted outlets' requests (through the proxy) under their slugs too."""
        with self._lock:
            return list(self._hits)

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()
        if self._proxy is not None:
            self._proxy.clear_hits()

    # ---- the proxy -------------------------------------------------------------------------

    @property
    def proxy_url(self) -> str:
        """``http://127.0.0.1:PORT``: the HTTP forward proxy for the whole demo web (see scraper.demoweb.proxy)."""
        assert self._proxy is not None
        return self._proxy.url

    @property
    def proxy_hits(self) -> list[ProxyHit]:
        """Every request the proxy handled: ProxyHit(action, method, url, status), action being
        "served" (an unlisted outlet), "forwarded" (to a loopback port of the demo web) or
        "refused" (502: not part of the demo web; nothing leaves the machine)."""
        return self._proxy.hits if self._proxy is not None else []

    def allow_forward(self, port: int) -> None:
        """Let the proxy relay to one more loopback port (a test's own server)."""
        self._forward_ports.add(int(port))

    def _resolve(self, host: str, port: int) -> Target | None:
        if port == 80 and host in self._by_host:
            slug = self._by_host[host]
            site = self.unlisted_sites[slug]
            return Target(slug=slug, serve=lambda path, headers: site_response(site, path, headers))  # type: ignore[arg-type]
        if host == self.host and port in self._forward_ports:
            return Target(forward_port=port)
        return None

    # ---- the archive replicas ----------------------------------------------------------------

    @property
    def archive(self) -> ArchiveWeb:
        """The GDELT, Wayback and Common Crawl replicas over the demo's dataset (built from the
        content and this run's base URLs), started on first use and stopped with the web."""
        with self._archive_lock:
            if self._archive is None:
                if self._closing:
                    raise RuntimeError("the demo web has stopped")
                dataset, faults = demo_archive_parts(self.content, self.all_bases())
                remaining = max(1.0, self._deadline - time.monotonic())
                self._archive = ArchiveWeb(dataset, faults, page_size=PAGE_SIZE, host=self.host,
                                           max_seconds=remaining)
                self._forward_ports.update(
                    r.port for r in (self._archive.gdelt, self._archive.wayback, self._archive.commoncrawl))
            return self._archive

    def discovery_settings(self, interval: float = 0.2) -> dict[str, str]:
        """The crawl settings that point discovery and the backfill at this demo web: its proxy
        and its archive replicas (`interval`: seconds between GDELT requests; the product's
        default is GDELT's published 5 s)."""
        endpoints = self.archive.endpoints
        return {
            "NEWSWATCH_PROXY": self.proxy_url,
            "NEWSWATCH_GDELT_ENDPOINT": endpoints["gdelt_endpoint"],
            "NEWSWATCH_GDELT_INTERVAL": str(interval),
            "NEWSWATCH_CDX_ENDPOINT": endpoints["cdx_endpoint"],
            "NEWSWATCH_WAYBACK_REPLAY": endpoints["replay_base"],
            "NEWSWATCH_CC_INDEX": endpoints["cc_index_base"],
            "NEWSWATCH_CC_DATA": endpoints["cc_data_base"],
        }

    # ---- URLs -----------------------------------------------------------------------------

    def base_url(self, slug: str) -> str:
        for outlet_slug, _, _, base in (*self.outlets, *self.unlisted):
            if outlet_slug == slug:
                return base
        raise KeyError(f"unknown demo outlet {slug!r} (is the DemoWeb started?)")

    def all_bases(self) -> dict[str, str]:
        """Outlet slug -> base URL, listed (``http://127.0.0.1:PORT``) and unlisted (``http://<host>``)."""
        return {slug: base for slug, _, _, base in (*self.outlets, *self.unlisted)}

    def url_for(self, slug: str, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        site = self.sites.get(slug) or self.unlisted_sites.get(slug)
        return site.abs_url(path) if isinstance(site, Site) else self.base_url(slug) + path

    def archive_prefixes(self, slug: str) -> list[str]:
        """Where a listed outlet's archived articles live, as Wayback CDX prefixes are written:
        ``127.0.0.1:PORT/news/`` (no scheme)."""
        base = self.base_url(slug).split("://", 1)[1]
        return [base + outlet_prefix(self.content, self.content.outlet(slug))]

    def blocked_domains(self) -> list[str]:
        """The registered domains of the block-listed unlisted outlets (the sources' [discovery] block)."""
        return sorted({o.host.removeprefix("www.") for o in self.content.unlisted if o.blocked and o.host})

    def sources_toml(self) -> str:
        """A sources.toml (see scraper.config) listing the demo's listed outlets at their current
        ports, each with its `archive_prefixes`, and a [discovery] table (allow, block)."""

        def s(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)

        def arr(values: list[str]) -> str:
            return "[" + ", ".join(s(v) for v in values) + "]"

        lines = [
            "# Demo news web outlets (generated by scraper.demoweb; ports change every run).",
            "",
            "# Outlets nobody listed that discovery finds are accepted unless blocked here.",
            "[discovery]",
            "allow = []",
            f"block = {arr(self.blocked_domains())}",
            "",
        ]
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
                f"archive_prefixes = {arr(self.archive_prefixes(outlet.slug))}",
                "",
            ]
        return "\n".join(lines)
