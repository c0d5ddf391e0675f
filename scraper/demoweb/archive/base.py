"""One replica service on a free 127.0.0.1 port: routing, fault injection, hit log, auto-stop.

Follows DemoWeb (scraper/demoweb/server.py): a ThreadingHTTPServer in a daemon thread
that serves from construction on, stops by itself after `max_seconds`, and records every
request so tests can check what was asked and how politely (`Hit.at` is a monotonic time).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import NamedTuple, Self

ERROR_PAGE = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
              b"<h1>Bad Gateway</h1><p>The upstream server did not answer. Try again later.</p></body></html>")


class Hit(NamedTuple):
    """One request served: when it arrived (time.monotonic()), what, the answer's status, its Range header if any."""

    at: float
    method: str
    path: str
    status: int
    range: str | None = None


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Faults:
    """Failures to inject, each for the next N answers (consumed in the order below), plus standing ones.

    - `rate_limit`: 429 with ``Retry-After: retry_after`` and a plain-text notice;
    - `server_error`: 503 with an HTML page;
    - `html_error`: 200 with an HTML error page where JSON was due;
    - `empty_body`: 200 with nothing;
    - `broken_rows` (standing): index answers carry one row with missing fields per page;
    - `broken_pages`: the same for the next N index answers that have rows (a fault seen once);
    - `truncated` (standing): URLs whose WARC records are cut short in the file.
    """

    rate_limit: int = 0
    retry_after: int = 1
    server_error: int = 0
    html_error: int = 0
    empty_body: int = 0
    broken_rows: bool = False
    broken_pages: int = 0
    truncated: frozenset[str] = frozenset()
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def take(self) -> Reply | None:
        """The fault reply for this request, if one is still due."""
        with self._lock:
            if self.rate_limit > 0:
                self.rate_limit -= 1
                return Reply(429, b"Please slow down: limit requests to one every few seconds.\n",
                             headers={"Retry-After": str(self.retry_after)})
            if self.server_error > 0:
                self.server_error -= 1
                return Reply(503, ERROR_PAGE, "text/html; charset=utf-8", {"Retry-After": str(self.retry_after)})
            if self.html_error > 0:
                self.html_error -= 1
                return Reply(200, ERROR_PAGE, "text/html; charset=utf-8")
            if self.empty_body > 0:
                self.empty_body -= 1
                return Reply(200, b"", "application/json")
        return None

    def take_broken_row(self) -> bool:
        """Whether this index answer (one with rows) gets a row with missing fields."""
        with self._lock:
            if self.broken_rows:
                return True
            if self.broken_pages > 0:
                self.broken_pages -= 1
                return True
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a crawl opens many connections at once (the default backlog is 5)

    def __init__(self, address: tuple[str, int], replica: ReplicaServer) -> None:
        super().__init__(address, _Handler)
        self.replica = replica


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "ArchiveReplica/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Quiet: requests are recorded in `hits` instead of stderr."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        replica = self.server.replica
        arrived = time.monotonic()
        try:
            reply = replica.answer(self.path, {k.lower(): v for k, v in self.headers.items()})
        except Exception as exc:  # a replica bug must show up as a 500, not a dropped connection
            reply = Reply(500, f"Internal error: {exc!r}\n".encode())
        replica._record(Hit(arrived, self.command, self.path, reply.status, self.headers.get("Range")))
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if not head and reply.body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(reply.body)


class ReplicaServer:
    """Base of the replicas: subclasses implement `route(path, headers) -> Reply`."""

    name = "replica"

    def __init__(self, faults: Faults | None = None, host: str = "127.0.0.1", max_seconds: float = 600) -> None:
        self.faults = faults if faults is not None else Faults()
        self.host = host
        self.max_seconds = max_seconds
        self._hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop_lock = threading.Lock()
        self._stopped = threading.Event()
        self._server = _Server((host, 0), self)
        self.port = self._server.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"replica-{self.name}", daemon=True)
        self._thread.start()
        self._timer = threading.Timer(max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()

    # ---- serving --------------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str]) -> Reply:
        fault = self.fault_for(path)
        return fault if fault is not None else self.route(path, headers)

    def fault_for(self, path: str) -> Reply | None:
        """The injected fault for this request; subclasses pick which Faults apply to which path."""
        return self.faults.take()

    def route(self, path: str, headers: dict[str, str]) -> Reply:
        raise NotImplementedError

    # ---- hits -----------------------------------------------------------------------------

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    @property
    def hits(self) -> list[Hit]:
        """A snapshot of every request served, in order."""
        with self._lock:
            return list(self._hits)

    def clear_hits(self) -> None:
        with self._lock:
            self._hits.clear()

    # ---- lifecycle ------------------------------------------------------------------------

    def stop(self) -> None:
        """Shut the server down (idempotent, callable from any thread, the auto-stop timer's included)."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            if self._timer is not threading.current_thread():
                self._timer.cancel()
            self._server.shutdown()
            self._server.server_close()
            self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
