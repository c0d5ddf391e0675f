"""Fail fast, with a clear message, when the network is down: a crawl of real outlets
without network must stop within seconds, not hang."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

from scraper.config import Outlet
from scraper.errors import NetworkUnreachable


def _is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_network(outlets: list[Outlet], timeout: float = 8.0, *, extra_urls: list[str] = (),
                  proxy: str = "") -> None:
    """Fail fast, with a clear message, when none of the outlets' hosts (and services, for
    a backfill) can be reached; behind a proxy, when the proxy cannot.

    Each host is resolved and connected to in a daemon thread, so a resolver that
    hangs cannot hang the crawl; the whole check takes at most `timeout` seconds.
    """
    urls = [proxy] if proxy else [o.homepage for o in outlets] + list(extra_urls)
    what = "the proxy" if proxy else "outlet and service hosts" if extra_urls else "outlet hosts"
    hosts = sorted({urlsplit(u).hostname or "" for u in urls} - {""})
    if not hosts or all(_is_local(h) for h in hosts):
        return
    reached = threading.Event()
    failures: dict[str, str] = {}

    def probe(host: str, port: int) -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                reached.set()
        except OSError as exc:
            failures[host] = exc.strerror or type(exc).__name__

    targets = {(urlsplit(u).hostname, urlsplit(u).port or (443 if u.startswith("https") else 80))
               for u in urls if urlsplit(u).hostname}
    for host, port in targets:
        threading.Thread(target=probe, args=(host, port), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not reached.is_set() and len(failures) < len({host for host, _ in targets}) and time.monotonic() < deadline:
        reached.wait(0.05)
    if not reached.is_set():
        sample = ", ".join(f"{h} ({failures.get(h, 'no answer')})" for h in hosts[:3])
        raise NetworkUnreachable(
            f"network unreachable: could not connect to any of {len(hosts)} {what} within "
            f"{timeout:.0f}s, e.g. {sample}. Check the connection (or proxy) and try again."
        )
