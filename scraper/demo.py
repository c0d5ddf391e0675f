"""`make demo`: serve the bundled demo news web on 127.0.0.1, crawl it with the real
spiders over real HTTP into a fresh database, backfill it from the replicas of GDELT,
the Wayback Machine and Common Crawl (through the demo web's proxy, which stands in for
the sites nobody listed), and write the coverage report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from exports.report import ReportFiles, write_report
from scraper.demoweb import DemoWeb
from scraper.errors import NewswatchError
from scraper.match import load_watchlist
from scraper.runs.alerts import alert_config_for
from scraper.runs.crawl import run_crawl
from scraper.runs.ledger import RunSummary
from scraper.runs.lock import CrawlLock
from scraper.store import Store

BACKFILL_SINCE, BACKFILL_UNTIL = "2019-01-01", "2021-12-31"  # the documentary's cases were news then
DEMO_DB = Path("data/demo.db")
DEMO_REPORT = Path("reports/demo")
SETTINGS = {
    # The demo web is on this machine: no need to be slow, but keep robots.txt and limits.
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}


def demo_archive(db: Path) -> Path:
    """The demo's own WARC folder (data/demo-warc/), emptied with its database each time."""
    return db.with_name(f"{db.stem}-warc")


# the replicas are on this machine: short intervals (the defaults are the services' published ones)
DISCOVERY_INTERVALS = {"NEWSWATCH_WAYBACK_INTERVAL": 0.02, "NEWSWATCH_CDX_INTERVAL": 0.02,
                       "NEWSWATCH_CC_INTERVAL": 0.02, "NEWSWATCH_DISCOVERY_BACKOFF": 0.5}


@dataclass
class DemoResult:
    summary: RunSummary
    report: ReportFiles
    backfill_run: int | None = None  # the backfill's crawl_runs id (it printed its own summary)


def run_demo(db: Path, out: Path, watchlist: Path, *, progress: bool | None = None, backfill: bool = True,
             echo: Callable[[str], object] = print,
             on_run: Callable[[RunSummary], object] | None = None) -> DemoResult:
    """Crawl the demo web into `db` (emptied first), backfill it, and report into `out`;
    `echo` hears which outlets are served where, `on_run` gets the live crawl's summary
    as soon as it is done."""
    watch = load_watchlist(watchlist)
    db.parent.mkdir(parents=True, exist_ok=True)
    with DemoWeb(max_seconds=900) as web:
        archive = demo_archive(db)
        sources = db.parent / "demo-sources.toml"
        with CrawlLock.for_database(db):
            # the demo starts from an empty database; the lock keeps another crawl's file safe
            for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_name(f"{db.stem}-alerts.atom")):
                stale.unlink(missing_ok=True)
            shutil.rmtree(archive, ignore_errors=True)
            echo(f"serving {len(web.outlets)} demo outlets on 127.0.0.1:")
            for _slug, name, kind, base_url in web.outlets:
                echo(f"  {base_url:28s} {name} ({kind})")
            sources.write_text(web.sources_toml(), encoding="utf-8")
            summary = run_crawl(db=db, sources=sources, watchlist=watchlist,
                                overrides={**SETTINGS, "NEWSWATCH_ARCHIVE_DIR": str(archive)},
                                progress=sys.stderr.isatty() if progress is None else progress,
                                check_connectivity=False, alerts=alert_config_for(None, db), take_lock=False)
        if on_run is not None:
            on_run(summary)
        backfill_run = None
        if backfill:
            echo(f"\nbackfill {BACKFILL_SINCE} .. {BACKFILL_UNTIL} from the replicas of GDELT, the Wayback Machine "
                 f"and Common Crawl, through the demo web's proxy (sites nobody listed keep their own names):")
            backfill_run = _backfill(db, sources, watchlist, web, archive, progress)
    store = Store(db)
    try:
        report = write_report(store, out, title=f"Demo coverage report: {watch.documentary.name}")
    finally:
        store.close()
    return DemoResult(summary, report, backfill_run)


def backfill_arguments(db: Path, sources: Path, watchlist: Path, web: DemoWeb, archive: Path) -> list[str]:
    """`newswatch backfill` over the demo web's replicas, through its proxy."""
    settings = {**SETTINGS, **web.discovery_settings(interval=0.2), **DISCOVERY_INTERVALS,
                "NEWSWATCH_ARCHIVE_DIR": str(archive)}
    proxy = settings.pop("NEWSWATCH_PROXY")
    flags = [item for name, value in settings.items() for item in ("-s", f"{name}={value}")]
    return ["backfill", "--since", BACKFILL_SINCE, "--until", BACKFILL_UNTIL, "--db", str(db), "--sources",
            str(sources), "--watchlist", str(watchlist), "--proxy", proxy, *flags]


def _backfill(db: Path, sources: Path, watchlist: Path, web: DemoWeb, archive: Path,
              progress: bool | None) -> int | None:
    """The backfill in a process of its own (Twisted's reactor starts once per process),
    which takes the database's crawl lock itself and prints its summary."""
    arguments = backfill_arguments(db, sources, watchlist, web, archive)
    if progress is False or (progress is None and not sys.stderr.isatty()):
        arguments.append("--no-progress")
    done = subprocess.run([sys.executable, "-m", "scraper", *arguments], check=False)
    if done.returncode not in (0, 1):
        raise NewswatchError(f"the demo's backfill failed (exit status {done.returncode})")
    store = Store(db)
    try:
        runs = store.runs.recent(1)
    finally:
        store.close()
    return runs[0]["id"] if runs else None
