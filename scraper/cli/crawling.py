"""Commands that crawl: crawl, schedule, demo, and the distributed roles (seed, worker,
ingest, frontier)."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import click

from scraper.cli import printing
from scraper.cli.options import (
    alerts_option,
    archive_options,
    archive_settings,
    db_option,
    discovery_sources_option,
    distributed_option,
    iso_day,
    json_option,
    outlets_option,
    prefix_option,
    proxy_option,
    proxy_settings,
    required_url,
    setting_overrides,
    settings_option,
    sources_option,
    sources_path,
    spiders_option,
    watchlist_option,
    watchlist_path,
)
from scraper.errors import NewswatchError
from scraper.store import Store


def _finished(summary, db: Path) -> None:
    """Print a run's summary; a run that did not finish is exit status 1."""
    store = Store(db)
    try:
        printing.crawl_summary(summary, store)
    finally:
        store.close()
    if summary.status != "finished":
        raise NewswatchError(f"crawl run #{summary.run_id} ended {summary.status}", exit_code=1)


@click.command()
@db_option()
@sources_option
@watchlist_option
@spiders_option()
@outlets_option
@click.option("--max-pages", type=click.IntRange(1), help="Link-following budget per outlet.")
@click.option("--depth", type=click.IntRange(0), help="Link-following depth limit.")
@click.option("--since", callback=iso_day, help="Skip feed items and sitemap entries published before YYYY-MM-DD.")
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
@click.option("--discover", is_flag=True,
              help="Also ask GDELT for coverage on any site, since the last --discover run (or --since).")
@click.option("--rescue", is_flag=True,
              help="Fetch known articles now gone (404, 410, sent home) from the Wayback Machine.")
@proxy_option
@settings_option
@alerts_option
@archive_options
@distributed_option
@click.option("--workers", type=click.IntRange(0), default=2, show_default=True,
              help="With --distributed: worker processes to start on this machine (others may join).")
@prefix_option
def crawl(db, sources, watchlist, spiders, outlets, max_pages, depth, since, progress, discover, rescue, proxy,
          overrides, alerts_file, archive, archive_keep_days, distributed, workers, prefix) -> None:
    """Crawl the outlets of sources.toml into the database."""
    from scraper.runs.alerts import alert_config_for

    settings = {**archive_settings(archive, archive_keep_days), **proxy_settings(proxy),
                **setting_overrides(overrides)}
    strategies = list(spiders) or None
    if discover or rescue:
        if distributed:
            raise NewswatchError("--discover and --rescue run in a local crawl only (not with --distributed)")
        from spiders import STRATEGIES

        strategies = [*(strategies or STRATEGIES), *(["gdelt"] if discover else [])]
        if discover and since:
            settings["NEWSWATCH_DISCOVERY_SINCE"] = since
        settings["NEWSWATCH_RESCUE"] = rescue
    if max_pages:
        settings["NEWSWATCH_MAX_PAGES_PER_OUTLET"] = max_pages
    if depth is not None:
        settings["DEPTH_LIMIT"] = depth
    if since:
        settings["NEWSWATCH_SINCE"] = since
    alerts = alert_config_for(alerts_file, db)
    if distributed:
        from scraper.distributed.run import crawl_distributed
        from scraper.store import archive_folder_of

        summary = crawl_distributed(distributed, db, sources_path(sources), watchlist_path(watchlist),
                                    workers=workers, strategies=strategies, outlets=list(outlets) or None,
                                    overrides=settings, prefix=prefix, alerts=alerts,
                                    archive_dir=archive_folder_of(db, settings.get("NEWSWATCH_ARCHIVE_DIR"))
                                    if archive else None)
    else:
        from scraper.runs.crawl import run_crawl

        summary = run_crawl(
            db=db, sources=sources_path(sources), watchlist=watchlist_path(watchlist),
            spiders=strategies, outlets=list(outlets) or None, overrides=settings,
            progress=sys.stderr.isatty() if progress is None else progress, alerts=alerts,
        )
    _finished(summary, db)


@click.command()
@click.option("--since", required=True, callback=iso_day, help="Backfill from this day (YYYY-MM-DD).")
@click.option("--until", callback=iso_day, help="Backfill up to this day, inclusive (default: today).")
@discovery_sources_option
@db_option()
@sources_option
@watchlist_option
@outlets_option
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
@proxy_option
@settings_option
@alerts_option
@archive_options
def backfill(since, until, discovery_sources, db, sources, watchlist, outlets, progress, proxy, overrides,
             alerts_file, archive, archive_keep_days) -> None:
    """Find past coverage anywhere: GDELT (any site, 2017 on), the Wayback Machine and Common
    Crawl (the outlets' archive_prefixes, and articles gone from their site). Resumable."""
    from scraper.runs.alerts import alert_config_for
    from scraper.runs.backfill import run_backfill

    settings = {**archive_settings(archive, archive_keep_days), **proxy_settings(proxy),
                **setting_overrides(overrides)}
    summary = run_backfill(db=db, sources=sources_path(sources), watchlist=watchlist_path(watchlist), since=since,
                           until=until, discovery_sources=list(discovery_sources) or None,
                           outlets=list(outlets) or None, overrides=settings,
                           progress=sys.stderr.isatty() if progress is None else progress,
                           alerts=alert_config_for(alerts_file, db))
    _finished(summary, db)


@click.command()
@distributed_option
@prefix_option
@sources_option
@watchlist_option
@spiders_option("Seed only these strategies")
@outlets_option
@settings_option
def seed(distributed, prefix, sources, watchlist, spiders, outlets, overrides) -> None:
    """Fill the shared crawl queue in Redis with the start pages of sources.toml."""
    from scraper.distributed.run import run_seed

    summary = run_seed(required_url(distributed), sources_path(sources), watchlist_path(watchlist),
                       strategies=list(spiders) or None, outlets=list(outlets) or None,
                       overrides=setting_overrides(overrides), prefix=prefix)
    state = "a new crawl" if summary.fresh else "added to the crawl in progress"
    click.echo(f"seeded {summary.queued} requests ({state}); {summary.waiting} waiting in the queue")


@click.command()
@distributed_option
@prefix_option
@sources_option
@watchlist_option
@click.option("--idle-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Leave after the whole crawl has had no work for this many seconds.")
@click.option("--heartbeat-ttl", type=click.IntRange(2), default=30, show_default=True,
              help="Seconds without a heartbeat after which others take back this worker's requests.")
@settings_option
def worker(distributed, prefix, sources, watchlist, idle_timeout, heartbeat_ttl, overrides) -> None:
    """Fetch and extract pages from the shared queue; push the articles for `ingest`."""
    from scraper.distributed.run import run_worker

    summary = run_worker(required_url(distributed), sources_path(sources), watchlist_path(watchlist),
                         overrides=setting_overrides(overrides), prefix=prefix, idle_timeout=idle_timeout,
                         heartbeat_ttl=heartbeat_ttl)
    click.echo(f"worker {summary.worker_id} {summary.reason}: {summary.pages_fetched} pages fetched, "
               f"{summary.articles_pushed} articles pushed")


@click.command()
@distributed_option
@prefix_option
@db_option()
@click.option("--idle-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Stop once the crawl has had no work and no workers for this many seconds.")
@click.option("--follow", is_flag=True, help="Keep storing until stopped (Ctrl-C), for crawls seeded by cron.")
@alerts_option
@click.option("--archive/--no-archive", "archive", default=True, show_default=True,
              help="Keep every stored page as fetched in WARC files (warc/ beside the database).")
def ingest(distributed, prefix, db, idle_timeout, follow, alerts_file, archive) -> None:
    """Store the articles pushed by the workers (the single writer of the database)."""
    from scraper.distributed.ingest import run_ingest
    from scraper.runs.alerts import alert_config_for
    from scraper.store import archive_folder_of

    summary = run_ingest(required_url(distributed), db, prefix=prefix, idle_timeout=idle_timeout, follow=follow,
                         alerts=alert_config_for(alerts_file, db),
                         archive_dir=archive_folder_of(db) if archive else None)
    store = Store(db)
    try:
        printing.crawl_summary(summary, store)
    finally:
        store.close()


@click.command()
@distributed_option
@prefix_option
@json_option
def frontier(distributed, prefix, as_json) -> None:
    """How a distributed crawl stands: queued, leased, workers, records waiting for ingest."""
    from scraper.distributed.frontier import FrontierKeys, connect, frontier_report

    report = frontier_report(connect(required_url(distributed)), FrontierKeys(prefix))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        printing.frontier_report(report)


@click.command()
@db_option(Path("data/demo.db"))
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports/demo"), show_default=True,
              help="Folder for the coverage report.")
@watchlist_option
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
@click.option("--backfill/--no-backfill", default=True, show_default=True,
              help="After the live crawl, backfill from the replicas of GDELT, the Wayback Machine and Common Crawl.")
def demo(db, out, watchlist, progress, backfill) -> None:
    """Serve the bundled demo news web on 127.0.0.1, crawl it, backfill it, store it, and report on it."""
    import time

    from scraper.demo import run_demo

    def live_summary(summary) -> None:
        store = Store(db)
        try:
            printing.crawl_summary(summary, store)
        finally:
            store.close()

    started = time.monotonic()
    result = run_demo(db, out, watchlist_path(watchlist), progress=progress, backfill=backfill, echo=click.echo,
                      on_run=live_summary)
    folder = result.report.html.parent / "archive"
    copies = f", each one's page as fetched in {folder}" if result.report.archived else ""
    click.echo(f"report: {result.report.html} and {result.report.markdown} ({result.report.articles} "
               f"relevant articles{copies})")
    click.echo(f"demo finished in {time.monotonic() - started:.1f}s")


@click.command()
@click.option("--every", help="Interval between crawls: 90s, 30m, 6h, 1d.")
@click.option("--cron", help='Cron expression, e.g. "0 */6 * * *".')
@click.option("--max-runs", type=click.IntRange(1), help="Stop after this many runs (default: run until stopped).")
@db_option()
@sources_option
@watchlist_option
@alerts_option
@spiders_option()
@outlets_option
@click.option("--discover", is_flag=True, help="Each crawl also asks GDELT for new coverage on any site.")
@proxy_option
@settings_option
@archive_options
def schedule(every, cron, max_runs, db, sources, watchlist, alerts_file, spiders, outlets, discover, proxy,
             overrides, archive, archive_keep_days) -> None:
    """Run crawls on a schedule, one at a time; SIGTERM or Ctrl-C stops after the current run."""
    from scraper.runs.schedule import child_runner, install_stop_handlers, parse_schedule, run_schedule

    plan = parse_schedule(every=every, cron=cron)
    args = ["crawl", "--no-progress", "--db", str(db)]
    for flag, value in (("--sources", sources), ("--watchlist", watchlist), ("--alerts", alerts_file)):
        if value:
            args += [flag, str(value)]
    for flag, values in (("--spider", spiders), ("--outlet", outlets), ("-s", overrides)):
        for value in values:
            args += [flag, value]
    if discover:
        args.append("--discover")
    if proxy:
        args += ["--proxy", proxy]
    if not archive:
        args.append("--no-archive")
    if archive_keep_days:
        args += ["--archive-keep-days", str(archive_keep_days)]
    stop = threading.Event()
    restore = install_stop_handlers(stop)
    try:
        codes = run_schedule(child_runner(args), plan, max_runs=max_runs, stop_event=stop)
    finally:
        restore()
    click.echo(f"schedule stopped after {len(codes)} run(s); exit codes: {codes}")
