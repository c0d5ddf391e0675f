"""`make demo`: serve the bundled demo news web on 127.0.0.1, crawl it with the real
spiders over real HTTP into a fresh database, and write the coverage report."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from exports.report import ReportFiles, write_report
from scraper.demoweb import DemoWeb
from scraper.match import load_watchlist
from scraper.runs.alerts import alert_config_for
from scraper.runs.crawl import run_crawl
from scraper.runs.ledger import RunSummary
from scraper.runs.lock import CrawlLock
from scraper.store import Store

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


@dataclass
class DemoResult:
    summary: RunSummary
    report: ReportFiles


def run_demo(db: Path, out: Path, watchlist: Path, *, progress: bool | None = None,
             echo: Callable[[str], object] = print) -> DemoResult:
    """Crawl the demo web into `db` (emptied first) and report into `out`; `echo` hears
    which outlets are served where."""
    watch = load_watchlist(watchlist)
    db.parent.mkdir(parents=True, exist_ok=True)
    with CrawlLock.for_database(db), DemoWeb(max_seconds=900) as web:
        # the demo starts from an empty database; the lock keeps another crawl's file safe
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_name(f"{db.stem}-alerts.atom")):
            stale.unlink(missing_ok=True)
        archive = demo_archive(db)
        shutil.rmtree(archive, ignore_errors=True)
        echo(f"serving {len(web.outlets)} demo outlets on 127.0.0.1:")
        for _slug, name, kind, base_url in web.outlets:
            echo(f"  {base_url:28s} {name} ({kind})")
        sources = db.parent / "demo-sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        summary = run_crawl(db=db, sources=sources, watchlist=watchlist,
                            overrides={**SETTINGS, "NEWSWATCH_ARCHIVE_DIR": str(archive)},
                            progress=sys.stderr.isatty() if progress is None else progress,
                            check_connectivity=False, alerts=alert_config_for(None, db), take_lock=False)
    store = Store(db)
    try:
        report = write_report(store, out, title=f"Demo coverage report: {watch.documentary.name}")
    finally:
        store.close()
    return DemoResult(summary, report)
