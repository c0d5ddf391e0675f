"""robots.txt, obeyed by every request: Scrapy's middleware with one fix.

Scrapy (2.19, asyncio reactor) keeps one Deferred per host while robots.txt is being
fetched, and every request for that host awaits it. Awaiting a Deferred turns it into
a Future whose callback returns None, so the second and later waiters receive None,
which means "no robots.txt: allowed". Requests that arrive in a burst, before the
host's robots.txt is read, were fetched even under a Disallow. Here each waiter gets
its own Deferred, fed with the parser without consuming it.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)  # first request for the host, or parser known
        waiter: Deferred = Deferred()

        def relay(parser):
            waiter.callback(parser)
            return parser  # the next waiter gets it too

        pending.addCallback(relay)
        return await maybe_deferred_to_future(waiter)
