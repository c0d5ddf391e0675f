"""Run crawls on a schedule (`--every 6h` or `--cron "0 */6 * * *"`), one at a time.

Each crawl runs in a child process because Scrapy's Twisted reactor cannot be started
twice in one process; each crawl takes the database's lock (scraper.runs.lock), so a
scheduled run, a cron run and a manual run never overlap.
"""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Protocol

from croniter import croniter

from scraper.errors import NewswatchError

log = logging.getLogger("newswatch.schedule")

UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
EVERY_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
MIN_INTERVAL = timedelta(seconds=1)
MAX_SLEEP = 60.0  # wake up at least this often, so a changed wall clock (suspend, DST) is noticed


# ---- schedules -----------------------------------------------------------------------


class Schedule(Protocol):
    def first_run(self, now: datetime) -> datetime: ...

    def next_run(self, after: datetime) -> datetime: ...


def parse_every(text: str) -> timedelta:
    """'6h', '30m', '90s', '1d' -> timedelta; anything else is a user mistake (exit 2)."""
    match = EVERY_RE.match(text or "")
    if not match:
        raise NewswatchError(f"--every: expected a number and a unit s/m/h/d such as 6h or 30m, got {text!r}")
    interval = timedelta(**{UNITS[match.group(2).lower()]: int(match.group(1))})
    if interval < MIN_INTERVAL:
        raise NewswatchError(f"--every: the interval must be at least 1s, got {text!r}")
    return interval


@dataclass(frozen=True)
class Every:
    """A fixed interval; the first crawl starts at once (what `--every` users expect)."""

    interval: timedelta

    def first_run(self, now: datetime) -> datetime:
        return now

    def next_run(self, after: datetime) -> datetime:
        return after + self.interval


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression, in the time zone of the datetimes given (local for the CLI)."""

    expression: str

    def __post_init__(self) -> None:
        if not croniter.is_valid(self.expression):
            raise NewswatchError(f"--cron: not a valid cron expression: {self.expression!r}")

    def first_run(self, now: datetime) -> datetime:
        return self.next_run(now)

    def next_run(self, after: datetime) -> datetime:
        return croniter(self.expression, after).get_next(datetime)


def parse_schedule(every: str | None = None, cron: str | None = None) -> Schedule:
    """Exactly one of --every / --cron."""
    if bool(every) == bool(cron):
        raise NewswatchError("give exactly one of --every (e.g. 6h) or --cron (e.g. '0 */6 * * *')")
    return Every(parse_every(every)) if every else Cron(str(cron))


# ---- running -------------------------------------------------------------------------


def install_stop_handlers(stop_event: threading.Event) -> Callable[[], None]:
    """SIGTERM / SIGINT set `stop_event` so the loop stops after the current run.

    A second Ctrl-C falls back to KeyboardInterrupt, for a user who really wants out.
    Returns a function restoring the previous handlers. Main thread only (Python's rule).
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and stop_event.is_set():
            raise KeyboardInterrupt
        log.warning("%s received: stopping after the current run", signal.Signals(signum).name)
        stop_event.set()

    for sig in previous:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def child_runner(args: Sequence[str]) -> Callable[[], int]:
    """A `run_once` that runs `python -m scraper <args>` and returns its exit status.

    The child gets its own session so a Ctrl-C typed at the terminal reaches only the
    scheduler (which then waits for the crawl to finish), never the crawl itself.
    """
    argv = [sys.executable, "-m", "scraper", *args]

    def run_once() -> int:
        return subprocess.run(argv, start_new_session=True, check=False).returncode

    return run_once


def _local_now() -> datetime:
    return datetime.now().astimezone()


def run_schedule(
    run_once: Callable[[], int],
    schedule: Schedule,
    *,
    max_runs: int | None = None,
    sleep: Callable[[float], object] | None = None,
    now: Callable[[], datetime] = _local_now,
    stop_event: threading.Event | None = None,
) -> list[int]:
    """Run `run_once` at the schedule's times until `max_runs` or the stop event; returns exit codes.

    A run that fails (non-zero status or an exception) is logged and the schedule goes on.
    Slots missed because a run took longer than the interval are skipped, not caught up.
    `sleep` defaults to waiting on the stop event, so a stop request ends the wait at once.
    """
    stop = stop_event or threading.Event()
    wait = sleep or stop.wait
    codes: list[int] = []
    due = schedule.first_run(now())
    while not stop.is_set() and (max_runs is None or len(codes) < max_runs):
        while not stop.is_set() and (left := (due - now()).total_seconds()) > 0:
            wait(min(left, MAX_SLEEP))
        if stop.is_set():
            break
        started = now()
        log.info("crawl run %d starting", len(codes) + 1)
        try:
            code = int(run_once())
        except Exception:
            log.exception("crawl run %d raised; the schedule goes on", len(codes) + 1)
            code = 1
        codes.append(code)
        if code:
            log.error("crawl run %d failed with exit status %d; the schedule goes on", len(codes), code)
        due, current, skipped = schedule.next_run(started), now(), 0
        while due <= current:
            due, skipped = schedule.next_run(due), skipped + 1
        if skipped:
            log.warning("the run took longer than the schedule allows: %d slot(s) skipped", skipped)
        if max_runs is None or len(codes) < max_runs:
            log.info("next crawl at %s", due.isoformat(timespec="seconds"))
    return codes
