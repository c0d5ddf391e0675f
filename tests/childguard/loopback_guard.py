"""The suite's crawls reach only servers on this machine: a sources file with any outlet
URL off loopback is refused as a config error, before anything is resolved or fetched;
so is a proxy off loopback, and a crawl with a discovery source (GDELT, the Wayback
Machine, Common Crawl) unless every service endpoint and its proxy are on loopback (the
sites discovery finds have names only the suite's proxy knows: without it they would
be looked up in DNS).

Installed in every Python child of the suite by sitecustomize.py (tests/runner.py puts
this folder first on PYTHONPATH and sets NEWSWATCH_TESTS_LOOPBACK_ONLY=1), so neither the
shipped sources.toml nor any real site can be crawled by a test, whichever command or
option it forgets.
"""

from __future__ import annotations

import ipaddress
import sys
from urllib.parse import urlsplit

MESSAGE = "the test suite crawls loopback outlets only"


def is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def off_loopback(outlets) -> list[str]:
    """'name: url' for every outlet URL whose host is not on loopback."""
    found = []
    for outlet in outlets:
        for url in (outlet.homepage, *outlet.feeds, *outlet.sitemaps, *([outlet.search] if outlet.search else [])):
            try:
                host = urlsplit(url).hostname
            except ValueError:
                host = None
            if not is_loopback(host):
                found.append(f"{outlet.name}: {url}")
    return found


def install() -> None:
    """Wrap scraper.config.parse_sources (load_sources and every crawl go through it)."""
    import scraper.config as config
    from scraper.errors import ConfigError

    parse = config.parse_sources

    def loopback_sources(data: dict, source: str = "sources.toml"):
        outlets = parse(data, source)
        outside = off_loopback(outlets)
        if outside:
            raise ConfigError(f"{source}: {MESSAGE}; refused {len(outside)} URL(s), e.g. {outside[0]}")
        guard_crawl_settings()
        return outlets

    config.parse_sources = loopback_sources


def host_of(url: str | None) -> str | None:
    try:
        return urlsplit(url or "").hostname
    except ValueError:
        return None


def guard_crawl_settings() -> None:
    """Wrap the local crawl's run_spider (its module is loaded when a crawl reads its
    sources): the proxy must be on loopback; with a discovery source, so must every
    service endpoint, and a proxy is required."""
    module = sys.modules.get("scraper.runs.crawl")
    if module is None or getattr(module.run_spider, "loopback_guarded", False):
        return
    from scraper.crawling.services import SERVICES
    from scraper.errors import ConfigError
    from spiders import DISCOVERY_SOURCES

    run_spider = module.run_spider

    def loopback_run_spider(settings, spider, **arguments):
        proxy = settings.get("NEWSWATCH_PROXY")
        if proxy and not is_loopback(host_of(proxy)):
            raise ConfigError(f"{MESSAGE}; refused the proxy {proxy}")
        if set(arguments.get("strategies", "").split(",")) & set(DISCOVERY_SOURCES):
            names = [name for service in SERVICES for name in service.endpoints]
            outside = [f"{name}={settings.get(name)}" for name in names if not is_loopback(host_of(settings.get(name)))]
            if outside or not proxy:
                raise ConfigError(f"{MESSAGE}; discovery needs loopback endpoints and a loopback proxy, refused "
                                  + (", ".join(outside) or "a crawl without a proxy"))
        return run_spider(settings, spider, **arguments)

    loopback_run_spider.loopback_guarded = True
    module.run_spider = loopback_run_spider
