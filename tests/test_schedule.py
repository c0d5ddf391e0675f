"""Scheduled crawls: --every / --cron parsing, the crawl lock across processes, the run loop and its stop."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from runner import child_env

from scraper.errors import NewswatchError
from scraper.runs.lock import CrawlLock
from scraper.runs.schedule import Cron, Every, child_runner, parse_every, parse_schedule, run_schedule

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)


# ---- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("6h", timedelta(hours=6)), ("30m", timedelta(minutes=30)), ("90s", timedelta(seconds=90)),
    ("1d", timedelta(days=1)), (" 2H ", timedelta(hours=2)),
])
def test_parse_every(text, expected):
    assert parse_every(text) == expected


@pytest.mark.parametrize("text", ["", "6", "h", "6x", "-1h", "1.5h", "0s", "6 hours"])
def test_parse_every_rejects(text):
    with pytest.raises(NewswatchError, match="--every"):
        parse_every(text)


def test_cron_next_run():
    cron = Cron("0 */6 * * *")
    assert cron.next_run(T0) == datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
    assert cron.next_run(datetime(2024, 1, 1, 6, 0, tzinfo=UTC)) == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert cron.next_run(datetime(2024, 1, 1, 23, 59, tzinfo=UTC)) == datetime(2024, 1, 2, 0, 0, tzinfo=UTC)
    assert cron.first_run(T0) == datetime(2024, 1, 1, 6, 0, tzinfo=UTC)


def test_parse_schedule():
    assert parse_schedule(every="6h") == Every(timedelta(hours=6))
    assert parse_schedule(cron="*/5 * * * *") == Cron("*/5 * * * *")
    with pytest.raises(NewswatchError, match="cron"):
        parse_schedule(cron="61 * * * *")
    with pytest.raises(NewswatchError, match="exactly one"):
        parse_schedule(every="6h", cron="0 * * * *")
    with pytest.raises(NewswatchError, match="exactly one"):
        parse_schedule()


# ---- the lock --------------------------------------------------------------------------

TRY_LOCK = textwrap.dedent("""
    import sys
    from scraper.errors import NewswatchError
    from scraper.runs.lock import CrawlLock
    try:
        CrawlLock(sys.argv[1]).acquire()
    except NewswatchError as exc:
        print(exc)
        sys.exit(3)
    print("acquired")
""")

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from scraper.runs.lock import CrawlLock
    lock = CrawlLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    time.sleep(60)
""")


def try_lock_in_child(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, str(path)], capture_output=True, text=True,
                          env=child_env(), timeout=30)


def test_lock_is_exclusive_in_one_process(tmp_path):
    lock = CrawlLock.for_database(tmp_path / "data" / "articles.db")
    assert lock.path == tmp_path / "data" / "articles.db.lock"
    with lock:
        with pytest.raises(NewswatchError) as error:
            CrawlLock(lock.path).acquire()
        assert str(error.value) == f"another crawl is running (lock {lock.path} held by pid {os.getpid()})"
        assert error.value.exit_code == 2
    with CrawlLock(lock.path):  # free again once released
        pass


def test_lock_held_here_blocks_a_child_process(tmp_path):
    path = tmp_path / "a.db.lock"
    with CrawlLock(path):
        child = try_lock_in_child(path)
        assert child.returncode == 3
        assert f"held by pid {os.getpid()}" in child.stdout
    assert try_lock_in_child(path).stdout.strip() == "acquired"


def test_lock_is_freed_when_the_holder_is_killed(tmp_path):
    path = tmp_path / "a.db.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True,
                              env=child_env())
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(NewswatchError, match=f"held by pid {holder.pid}"):
            CrawlLock(path).acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        holder.stdout.close()
    assert holder.returncode == -signal.SIGKILL
    with CrawlLock(path):
        pass


# ---- the run loop ----------------------------------------------------------------------


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_every_runs_max_runs_times_at_the_interval():
    clock, starts = FakeClock(), []

    def run_once() -> int:
        starts.append(clock.now)
        clock.now += timedelta(minutes=10)  # the crawl takes ten minutes
        return 0

    codes = run_schedule(run_once, Every(timedelta(hours=6)), max_runs=3, sleep=clock.sleep, now=clock)
    assert codes == [0, 0, 0]
    assert starts == [T0, T0 + timedelta(hours=6), T0 + timedelta(hours=12)]
    assert max(clock.slept) <= 60  # sleeps in short steps so a wall-clock jump is noticed


def test_cron_waits_for_its_times_and_failures_do_not_stop_it():
    clock, starts = FakeClock(), []

    def run_once() -> int:
        starts.append(clock.now)
        if len(starts) == 2:
            raise RuntimeError("child could not start")
        return len(starts)  # 1: a failed crawl

    codes = run_schedule(run_once, Cron("0 */6 * * *"), max_runs=3, sleep=clock.sleep, now=clock)
    assert codes == [1, 1, 3]
    assert starts == [T0.replace(hour=6), T0.replace(hour=12), T0.replace(hour=18)]


def test_a_run_longer_than_the_interval_skips_missed_slots():
    clock, starts = FakeClock(), []

    def run_once() -> int:
        starts.append(clock.now)
        clock.now += timedelta(hours=7)
        return 0

    run_schedule(run_once, Every(timedelta(hours=3)), max_runs=2, sleep=clock.sleep, now=clock)
    assert starts == [T0, T0 + timedelta(hours=9)]


def test_stop_event_ends_the_loop_after_the_current_run_and_during_a_wait():
    clock, stop = FakeClock(), threading.Event()

    def run_once() -> int:
        stop.set()  # e.g. SIGTERM arriving mid-run: the run still finishes and returns
        return 0

    assert run_schedule(run_once, Every(timedelta(hours=1)), sleep=clock.sleep, now=clock, stop_event=stop) == [0]

    stop = threading.Event()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        stop.set()

    codes = run_schedule(lambda: 0, Every(timedelta(hours=1)), sleep=sleep, now=clock, stop_event=stop)
    assert codes == [0]


SCHEDULE_SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from datetime import timedelta
    from scraper.runs.schedule import Every, install_stop_handlers, run_schedule

    stop = threading.Event()
    install_stop_handlers(stop)
    runs = 0

    def run_once():
        global runs
        runs += 1
        print(f"start {runs}", flush=True)
        time.sleep(1.0)
        print(f"end {runs}", flush=True)
        return 0

    codes = run_schedule(run_once, Every(timedelta(seconds=1)), max_runs=20, stop_event=stop)
    print(f"stopped after {len(codes)}", flush=True)
""")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_schedule_after_the_current_run(signum):
    child = subprocess.Popen([sys.executable, "-c", SCHEDULE_SCRIPT], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=child_env())
    try:
        assert child.stdout.readline().strip() == "start 1"
        child.send_signal(signum)
        out, err = child.communicate(timeout=20)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == 0, err
    assert out.split("\n")[:2] == ["end 1", "stopped after 1"]
    assert "stopping after the current run" in err


def test_child_runner_returns_the_exit_status():
    assert child_runner(["--version"])() == 0
    assert child_runner(["no-such-command"])() == 2
