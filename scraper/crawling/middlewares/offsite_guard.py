"""The offsite guard: a crawl only ever talks to the configured outlets and services,
and to the sites discovery found, on the terms of sources.toml's [discovery] table.

Redirects, meta refreshes and robots.txt fetches pass through downloader middlewares
like any request, so this one place stops a page from steering the crawler anywhere
else; a target on a private, loopback or link-local address (SSRF: the crawler's own
network, cloud metadata endpoints) is also logged as a security event.

A URL found by discovery (GDELT, an archive index: request.meta `discovered`) is input
from strangers. Its host may be one nobody configured, so it is let through only when
[discovery] allows it and nothing says it is internal: an IP literal in a private,
loopback or link-local range (in any spelling), a name such as `localhost` or
`*.internal`, or, when the crawl resolves names itself (no proxy), a name that resolves
to such an address. Redirects keep the flag, so a discovered page cannot send the crawl
inside either; the robots.txt of a host let through this way is let through too.
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
from scraper.crawling.services import endpoint_urls
from scraper.discovery.outlets import DiscoveryPolicy, discovery_policy
from scraper.discovery.untrusted import address_of, internal_host, is_internal_address

LOG = logging.getLogger(__name__)
DEFAULT_PORTS = {"http": 80, "https": 443}
DISCOVERED = "discovered"  # request.meta flag: a URL found by discovery, on a host nobody may have configured


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
    ip = address_of(address)
    return ip is not None and is_internal_address(ip)


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
        self._vouched: set[tuple[str, int]] = set()  # discovered hosts let through (their robots.txt too)
        self._policy: DiscoveryPolicy | None = None
        self.resolves_names = not crawler.settings.get("NEWSWATCH_PROXY")  # behind a proxy, the proxy resolves

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self) -> set[tuple[str, int]]:
        if self._allowed is None:
            outlets = getattr(self.crawler.spider, "outlets", None)
            if not outlets:
                outlets = load_sources(self.crawler.settings.get("NEWSWATCH_SOURCES"))
            urls = [u for o in outlets for u in (o.homepage, *o.feeds, *o.sitemaps, o.search) if u]
            urls += endpoint_urls(self.crawler.settings)
            self._allowed = {hp for hp in map(host_port, urls) if hp}
        return self._allowed

    def policy(self) -> DiscoveryPolicy:
        if self._policy is None:
            self._policy = discovery_policy(self.crawler.settings.get("NEWSWATCH_SOURCES"))
        return self._policy

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
        if target and (request.meta.get(DISCOVERED) or target in self._vouched):
            await self._check_discovered(request, target)
            self._vouched.add(target)
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

    async def _check_discovered(self, request, target: tuple[str, int]) -> None:
        """Refuse a discovered URL on an internal host, or on a site [discovery] does not allow."""
        host = target[0]
        problem = internal_host(host)
        if problem is None and self.resolves_names and address_of(host) is None:
            if host not in self._verdicts:
                self._verdicts[host] = await self._resolves_internal(host)
            if self._verdicts[host]:
                problem = f"{host} resolves to an internal address"
        if problem is not None:
            self.stats.inc_value(stat_keys.error("forbidden_host"))
            LOG.warning("security: refused discovered URL %s: %s (from %s)", request.url, problem,
                        (request.meta.get("redirect_urls") or [request.meta.get("found_via", "discovery")])[-1])
            raise ForbiddenHost(f"discovered URL on an internal host: {request.url}")
        verdict = self.policy().verdict(request.url)
        if verdict != "allowed":
            self.stats.inc_value(stat_keys.skipped("discovery_" + verdict.replace(" ", "_")))
            LOG.info("refused discovered URL %s: %s by [discovery]", request.url, verdict)
            raise ForbiddenHost(f"discovered URL {verdict} by [discovery]: {request.url}")

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
