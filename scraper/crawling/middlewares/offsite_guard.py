"""The offsite guard: a crawl only ever talks to the configured outlets.

Redirects, meta refreshes and robots.txt fetches pass through downloader middlewares
like any request, so this one place stops a page from steering the crawler anywhere
else; a target on a private, loopback or link-local address (SSRF: the crawler's own
network, cloud metadata endpoints) is also logged as a security event.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.threads import deferToThread

from scraper import stats as stat_keys
from scraper.config import load_sources

LOG = logging.getLogger(__name__)
DEFAULT_PORTS = {"http": 80, "https": 443}


class ForbiddenHost(IgnoreRequest):
    """A request to a host that is not one of the crawl's outlets (already counted)."""


def host_port(url: str) -> tuple[str, int] | None:
    """(lower-case host, port with the scheme's default filled in), None when unparseable."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    return ((parts.hostname or "").rstrip(".").lower(), port) if parts.hostname else None


def is_internal(address: str) -> bool:
    """True for addresses a public news site can never legitimately send us to."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def resolve(host: str) -> list[str]:
    """Every address the host resolves to; an IP literal is its own answer."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (OSError, UnicodeError):
        return []


class OffsiteGuardMiddleware:
    """Refuse (IgnoreRequest) every request whose host:port is not an outlet's.

    Allowed: the hosts of each outlet's homepage, feeds, sitemaps and search, and their
    subdomains (www. included), each on its own port. A refused host that resolves to an
    internal address counts as `newswatch/errors/forbidden_host` with a warning; any other
    counts as `newswatch/errors/offsite_host`.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.dns_timeout = crawler.settings.getfloat("DNS_TIMEOUT", 10)
        self._allowed: set[tuple[str, int]] | None = None
        self._verdicts: dict[str, bool] = {}  # host -> resolves to an internal address

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self) -> set[tuple[str, int]]:
        if self._allowed is None:
            outlets = getattr(self.crawler.spider, "outlets", None)
            if not outlets:
                outlets = load_sources(self.crawler.settings.get("NEWSWATCH_SOURCES"))
            urls = [u for o in outlets for u in (o.homepage, *o.feeds, *o.sitemaps, o.search) if u]
            self._allowed = {hp for hp in map(host_port, urls) if hp}
        return self._allowed

    def is_allowed(self, host: str, port: int) -> bool:
        """An outlet host or its subdomain, on the outlet's port; 80 and 443 count as one
        (an https site's sitemap often lists http:// URLs that redirect to https)."""
        def same_port(p: int) -> bool:
            return port == p or {port, p} <= set(DEFAULT_PORTS.values())

        return any(same_port(p) and (host == h or host.endswith("." + h.removeprefix("www.")) or h == "www." + host)
                   for h, p in self.allowed())

    async def process_request(self, request, spider=None):
        target = host_port(request.url)
        if target and self.is_allowed(*target):
            return None
        host = target[0] if target else ""
        if host not in self._verdicts:
            self._verdicts[host] = await self._resolves_internal(host)
        if self._verdicts[host]:
            self.stats.inc_value(stat_keys.error("forbidden_host"))
            LOG.warning("security: refused %s: %s is not an outlet and resolves to an internal address (from %s)",
                        request.url, host, (request.meta.get("redirect_urls") or ["a page link"])[-1])
        else:
            self.stats.inc_value(stat_keys.error("offsite_host"))
            LOG.info("refused %s: %s is not one of the outlets", request.url, host)
        raise ForbiddenHost(f"not an outlet host: {request.url}")

    async def _resolves_internal(self, host: str) -> bool:
        """Resolve off the reactor thread, bounded by DNS_TIMEOUT (an unresolvable host
        is not internal; it is refused anyway)."""
        if not host:
            return False
        from twisted.internet import reactor

        lookup = deferToThread(resolve, host)
        lookup.addTimeout(self.dns_timeout, reactor)
        try:
            addresses = await maybe_deferred_to_future(lookup)
        except defer.TimeoutError:
            return False
        return any(is_internal(a) for a in addresses)
