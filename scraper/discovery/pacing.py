"""Politeness towards shared services: one request every N seconds, retries with back-off.

GDELT publishes its limit (one request every 5 seconds) and answers faster callers
with 429; the archives are shared by thousands of researchers. These objects decide
*when* -- the caller sleeps and sends -- so they take the clock as an argument and can
be tested without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Pacer:
    """At most one request every `min_interval` seconds (monotonic clock passed in)."""

    def __init__(self, min_interval: float) -> None:
        if min_interval < 0:
            raise ValueError("min_interval must be >= 0")
        self.min_interval = min_interval
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may be sent."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.min_interval - now)

    def sent(self, now: float) -> None:
        """Record that a request went out at `now` (every attempt counts, retries too)."""
        self._last = now


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Which answers are retried, how often, and how long to wait before each retry.

    The wait doubles from `base` up to `cap`; a server's Retry-After is honoured when it
    asks for longer (up to `max_retry_after`: a server asking for an hour is given up on
    rather than let stall the crawl).
    """

    max_attempts: int = 5
    base: float = 5.0
    factor: float = 2.0
    cap: float = 120.0
    max_retry_after: float = 600.0
    statuses: frozenset[int] = RETRY_STATUSES

    def should_retry(self, status: int, attempt: int, retry_after: float | None = None) -> bool:
        """`attempt` is the number of attempts made so far (1 after the first request)."""
        if attempt >= self.max_attempts or status not in self.statuses:
            return False
        return retry_after is None or retry_after <= self.max_retry_after

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt number `attempt + 1`."""
        backoff = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        return max(backoff, retry_after or 0.0)
