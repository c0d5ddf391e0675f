"""429 and 5xx from GDELT, the Wayback Machine or Common Crawl: retried with back-off
(crawling.services.Backoff), in the service's own download slot."""

from __future__ import annotations

from scraper.crawling.services import SERVICE, Backoff
from scraper.discovery.pacing import RETRY_STATUSES


class ServiceBackoffMiddleware:
    """Only for service requests (meta `service`); Scrapy's retry leaves them alone (dont_retry)."""

    def __init__(self, crawler) -> None:
        self.backoff = Backoff.for_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if not request.meta.get(SERVICE):
            return response
        if response.status in RETRY_STATUSES:
            again = self.backoff.retry(request, response.status, f"http_{response.status}",
                                       self.backoff.retry_after(response))
            return again if again is not None else response
        self.backoff.answered(request)
        return response
