"""NEWSWATCH_PROXY (`--proxy`): every request goes through one HTTP proxy, as many
organisations crawl; Scrapy's HttpProxyMiddleware then speaks to it (absolute-URI
requests for http://, CONNECT tunnels for https://)."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from scraper.errors import ConfigError


def check_proxy(url: str) -> str:
    """A usable proxy URL (http:// or https://, with a host), else a clear error."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"proxy: expected a URL such as http://proxy.example:3128, got {url!r}")
    return url.strip()


class ProxyMiddleware:
    def __init__(self, proxy: str) -> None:
        self.proxy = check_proxy(proxy)

    @classmethod
    def from_crawler(cls, crawler):
        proxy = crawler.settings.get("NEWSWATCH_PROXY")
        if not proxy:
            raise NotConfigured
        return cls(proxy)

    def process_request(self, request, spider=None):
        request.meta.setdefault("proxy", self.proxy)
        return None
