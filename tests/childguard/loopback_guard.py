"""The suite's crawls reach only servers on this machine: a sources file with any outlet
URL off loopback is refused as a config error, before anything is resolved or fetched.

Installed in every Python child of the suite by sitecustomize.py (tests/runner.py puts
this folder first on PYTHONPATH and sets NEWSWATCH_TESTS_LOOPBACK_ONLY=1), so neither the
shipped sources.toml nor any real site can be crawled by a test, whichever command or
option it forgets.
"""

from __future__ import annotations

import ipaddress
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
        return outlets

    config.parse_sources = loopback_sources
