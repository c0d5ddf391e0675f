"""`newswatch` command line: a thin layer over the library (click).

Every user mistake (bad argument, bad config, unreadable database) is one line on
stderr and exit status 2; never a traceback.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path

import click

from scraper.config import PROJECT_ROOT
from scraper.errors import NewswatchError
from scraper.store import ArticleFilters, Store

DEFAULT_DB = Path("data/articles.db")
DEMO_DB = Path("data/demo.db")
DEMO_REPORT = Path("reports/demo")


def _default(name: str) -> Path:
    """Config files default to the working directory's copy, else the project's."""
    local = Path(name)
    return local if local.exists() else PROJECT_ROOT / name


sources_option = click.option("--sources", type=click.Path(path_type=Path), default=None,
                              help="Outlets file (default: ./sources.toml).")
watchlist_option = click.option("--watchlist", type=click.Path(path_type=Path), default=None,
                                help="Watchlist file (default: ./watchlist.toml).")


def db_option(default: Path = DEFAULT_DB):
    return click.option("--db", type=click.Path(path_type=Path), default=default, show_default=True,
                        help="SQLite database file.")


def _iso_day(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def filter_options(func):
    """The filters shared by search, export and report."""
    options = [
        click.option("--person", help="Only articles covering this watchlist entry (name or alias)."),
        click.option("--outlet", help="Only this outlet (its name in sources.toml)."),
        click.option("--kind", type=click.Choice(["entertainment", "justice"]), help="Only this kind of outlet."),
        click.option("--language", help="Only this language (ISO 639-1, e.g. en, fr)."),
        click.option("--since", callback=_iso_day, help="Published on or after YYYY-MM-DD."),
        click.option("--until", callback=_iso_day, help="Published on or before YYYY-MM-DD."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _resolve_person(person: str | None, watchlist_path: Path | None) -> str | None:
    """Map a name or alias to the watchlist's canonical name; unknown names are an error."""
    if not person:
        return None
    from scraper.match import load_watchlist

    watchlist = load_watchlist(watchlist_path or _default("watchlist.toml"))
    canonical = watchlist.resolve_name(person)
    if canonical is None:
        known = ", ".join(watchlist.entry_names())
        raise NewswatchError(f"unknown person or entry {person!r}; the watchlist has: {known}")
    return canonical


def _filters(person, outlet, kind, language, since, until, relevant, watchlist) -> ArticleFilters:
    if since and until and since > until:
        raise NewswatchError(f"--since {since} is after --until {until}")
    return ArticleFilters(person=_resolve_person(person, watchlist), outlet=outlet, kind=kind,
                          language=language, since=since, until=until, relevant=relevant)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="newswatch")
def cli() -> None:
    """Monitor press coverage: crawl news sites, store articles in SQLite, report on a watchlist."""


# ---- crawl -------------------------------------------------------------------------


alerts_option = click.option("--alerts", "alerts_file", type=click.Path(path_type=Path), default=None,
                             help="Alert settings (default: ./alerts.toml if present, else only an Atom feed "
                                  "next to the database).")


def _alert_config(alerts_file: Path | None, db: Path):
    """The after-run announcement: alerts.toml when given or present, else an Atom feed beside the db."""
    from scraper.alerts import AlertConfig, load_alert_config

    path = alerts_file or (Path("alerts.toml") if Path("alerts.toml").exists() else None)
    if path:
        return load_alert_config(path)
    return AlertConfig(atom_path=db.with_name(f"{db.stem}-alerts.atom"))


def _print_crawl_summary(summary, store: Store) -> None:
    stats = store.reports.stats()
    out = click.echo
    out(f"crawl run #{summary.run_id} {summary.status} in {summary.seconds:.1f}s")
    out(f"  pages fetched:     {summary.pages_fetched} ({summary.pages_downloaded} in full, "
        f"{summary.not_modified} not modified)")
    out(f"  articles seen:     {summary.articles_seen} ({summary.articles_new} new, "
        f"{summary.articles_updated} updated)")
    out(f"  articles stored:   {stats['articles']} in {stats['database']}")
    out(f"  unique stories:    {stats['unique_stories']} ({stats['duplicates']} copies folded into them)")
    out(f"  relevant articles: {stats['relevant']}")
    if stats["by_entry"]:
        out("  relevant articles per documentary / featured person:")
        for entry, n in stats["by_entry"].items():
            out(f"    {n:4d}  {entry}")
    if stats["by_supporting"]:
        out("  supporting entities named in relevant articles: "
            + ", ".join(f"{entry} ({n})" for entry, n in stats["by_supporting"].items()))
    if stats["relevant_by_outlet"]:
        out("  relevant articles per outlet (of all stored):")
        for outlet, n in stats["outlets"].items():
            out(f"    {stats['relevant_by_outlet'].get(outlet, 0):4d} / {n:<4d} {outlet}")
    if summary.errors:
        out("  errors: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.errors.items())))
    if summary.alerts is not None:
        report = summary.alerts
        sent = ", ".join(f"{channel} {n}" for channel, n in sorted(report.sent.items())) or "nothing to send"
        waiting = ", ".join(f"{channel} {n}" for channel, n in sorted(report.pending.items()) if n)
        out(f"  alerts: {report.queued} new relevant articles queued; sent: {sent}"
            + (f"; still pending: {waiting}" if waiting else ""))


def _setting_overrides(overrides) -> dict:
    settings: dict = {}
    for item in overrides:
        if "=" not in item:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        key, value = item.split("=", 1)
        settings[key] = value
    return settings


distributed_option = click.option(
    "--distributed", metavar="REDIS_URL", envvar="NEWSWATCH_REDIS_URL",
    help="Share the crawl through Redis (scrapy-redis), e.g. redis://127.0.0.1:6379/0 (env NEWSWATCH_REDIS_URL).")
prefix_option = click.option("--prefix", default="newswatch", show_default=True,
                             help="Prefix of this crawl's Redis keys (several crawls can share one Redis).")


def _announce_and_print(summary, db: Path, alerts_file: Path | None) -> None:
    """After a distributed run, whose writer has no alert step of its own: queue and send
    the alerts for its new relevant articles, then print the summary."""
    from scraper.alerts import announce_run

    store = Store(db)
    try:
        summary.alerts = announce_run(store, summary.run_id, _alert_config(alerts_file, db))
        _print_crawl_summary(summary, store)
    finally:
        store.close()


def _crawl_distributed(url, db, sources, watchlist, spiders, outlets, settings, workers, prefix, alerts_file) -> None:
    from scraper.distributed.run import crawl_distributed

    summary = crawl_distributed(url, db, sources or _default("sources.toml"), watchlist or _default("watchlist.toml"),
                                workers=workers, strategies=list(spiders) or None, outlets=list(outlets) or None,
                                overrides=settings, prefix=prefix)
    _announce_and_print(summary, db, alerts_file)
    if summary.status != "finished":
        raise NewswatchError(f"crawl run #{summary.run_id} ended {summary.status}", exit_code=1)


@cli.command()
@db_option()
@sources_option
@watchlist_option
@click.option("--spider", "spiders", multiple=True, type=click.Choice(["feeds", "sitemaps", "search", "links"]),
              help="Run only these spiders (repeatable; default: all four).")
@click.option("--outlet", "outlets", multiple=True, help="Crawl only these outlets (repeatable).")
@click.option("--max-pages", type=click.IntRange(1), help="Link-following budget per outlet.")
@click.option("--depth", type=click.IntRange(0), help="Link-following depth limit.")
@click.option("--since", callback=_iso_day, help="Skip feed items and sitemap entries published before YYYY-MM-DD.")
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@alerts_option
@distributed_option
@click.option("--workers", type=click.IntRange(0), default=2, show_default=True,
              help="With --distributed: worker processes to start on this machine (others may join).")
@prefix_option
def crawl(db, sources, watchlist, spiders, outlets, max_pages, depth, since, progress, overrides, alerts_file,
          distributed, workers, prefix) -> None:
    """Crawl the outlets of sources.toml into the database."""
    from scraper.crawl import run_crawl

    settings = _setting_overrides(overrides)
    if max_pages:
        settings["NEWSWATCH_MAX_PAGES_PER_OUTLET"] = max_pages
    if depth is not None:
        settings["DEPTH_LIMIT"] = depth
    if since:
        settings["NEWSWATCH_SINCE"] = since
    if distributed:
        _crawl_distributed(distributed, db, sources, watchlist, spiders, outlets, settings, workers, prefix,
                           alerts_file)
        return
    summary = run_crawl(
        db=db, sources=sources or _default("sources.toml"), watchlist=watchlist or _default("watchlist.toml"),
        spiders=list(spiders) or None, outlets=list(outlets) or None, overrides=settings,
        progress=sys.stderr.isatty() if progress is None else progress, alerts=_alert_config(alerts_file, db),
    )
    store = Store(db)
    _print_crawl_summary(summary, store)
    store.close()
    if summary.status != "finished":
        raise NewswatchError(f"crawl run #{summary.run_id} ended {summary.status}", exit_code=1)


# ---- distributed crawl: seed, worker, ingest ---------------------------------------------


def _required_url(url: str | None) -> str:
    if not url:
        raise NewswatchError("give the shared frontier's Redis URL: --distributed redis://HOST:PORT/N "
                             "(or set NEWSWATCH_REDIS_URL)")
    return url


@cli.command()
@distributed_option
@prefix_option
@sources_option
@watchlist_option
@click.option("--spider", "spiders", multiple=True, type=click.Choice(["feeds", "sitemaps", "search", "links"]),
              help="Seed only these strategies (repeatable; default: all four).")
@click.option("--outlet", "outlets", multiple=True, help="Seed only these outlets (repeatable).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
def seed(distributed, prefix, sources, watchlist, spiders, outlets, overrides) -> None:
    """Fill the shared crawl queue in Redis with the start pages of sources.toml."""
    from scraper.distributed.run import run_seed

    summary = run_seed(_required_url(distributed), sources or _default("sources.toml"),
                       watchlist or _default("watchlist.toml"), strategies=list(spiders) or None,
                       outlets=list(outlets) or None, overrides=_setting_overrides(overrides), prefix=prefix)
    state = "a new crawl" if summary.fresh else "added to the crawl in progress"
    click.echo(f"seeded {summary.queued} requests ({state}); {summary.waiting} waiting in the queue")


@cli.command()
@distributed_option
@prefix_option
@sources_option
@watchlist_option
@click.option("--idle-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Leave after the whole crawl has had no work for this many seconds.")
@click.option("--heartbeat-ttl", type=click.IntRange(2), default=30, show_default=True,
              help="Seconds without a heartbeat after which others take back this worker's requests.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
def worker(distributed, prefix, sources, watchlist, idle_timeout, heartbeat_ttl, overrides) -> None:
    """Fetch and extract pages from the shared queue; push the articles for `ingest`."""
    from scraper.distributed.run import run_worker

    summary = run_worker(_required_url(distributed), sources or _default("sources.toml"),
                         watchlist or _default("watchlist.toml"), overrides=_setting_overrides(overrides),
                         prefix=prefix, idle_timeout=idle_timeout, heartbeat_ttl=heartbeat_ttl)
    click.echo(f"worker {summary.worker_id} {summary.reason}: {summary.pages_fetched} pages fetched, "
               f"{summary.articles_pushed} articles pushed")


@cli.command()
@distributed_option
@prefix_option
@db_option()
@click.option("--idle-timeout", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Stop once the crawl has had no work and no workers for this many seconds.")
@click.option("--follow", is_flag=True, help="Keep storing until stopped (Ctrl-C), for crawls seeded by cron.")
@alerts_option
def ingest(distributed, prefix, db, idle_timeout, follow, alerts_file) -> None:
    """Store the articles pushed by the workers (the single writer of the database)."""
    from scraper.distributed.ingest import run_ingest

    summary = run_ingest(_required_url(distributed), db, prefix=prefix, idle_timeout=idle_timeout, follow=follow)
    _announce_and_print(summary, db, alerts_file)


@cli.command()
@distributed_option
@prefix_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def frontier(distributed, prefix, as_json) -> None:
    """How a distributed crawl stands: queued, leased, workers, records waiting for ingest."""
    from scraper.distributed.frontier import FrontierKeys, connect, frontier_report

    report = frontier_report(connect(_required_url(distributed)), FrontierKeys(prefix))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    out = click.echo
    out(f"frontier {report['prefix']}: {'crawling' if report['crawling'] else 'idle'}"
        + (f" (seeded {report['seeded_at']}, {report['strategies']})" if report["seeded_at"] else ""))
    out(f"  requests queued:     {report['queued']}")
    out(f"  requests in flight:  {report['in_flight']}")
    out(f"  workers alive:       {report['workers']}")
    out(f"  URLs seen:           {report['urls_seen']}")
    out(f"  records for ingest:  {report['records_waiting']}"
        + ("" if report["writer_running"] else " (no `newswatch ingest` running)"))


# ---- demo --------------------------------------------------------------------------

DEMO_SETTINGS = {
    # The demo web is on this machine: no need to be slow, but keep robots.txt and limits.
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_TIMES": 1,
    "LOG_LEVEL": "WARNING",
}


@cli.command()
@db_option(DEMO_DB)
@click.option("--out", type=click.Path(path_type=Path), default=DEMO_REPORT, show_default=True,
              help="Folder for the coverage report.")
@watchlist_option
@click.option("--progress/--no-progress", default=None, help="Live progress table (default: on a terminal).")
def demo(db, out, watchlist, progress) -> None:
    """Serve the bundled demo news web on 127.0.0.1, crawl it, store it, and report on it."""
    from exports.report import write_report
    from scraper.crawl import run_crawl
    from scraper.demoweb import DemoWeb
    from scraper.schedule import CrawlLock

    started = time.monotonic()
    watchlist = watchlist or _default("watchlist.toml")
    db.parent.mkdir(parents=True, exist_ok=True)
    with CrawlLock.for_database(db), DemoWeb(max_seconds=900) as web:
        # the demo starts from an empty database; the lock keeps another crawl's file safe
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_name(f"{db.stem}-alerts.atom")):
            stale.unlink(missing_ok=True)
        click.echo(f"serving {len(web.outlets)} demo outlets on 127.0.0.1:")
        for _slug, name, kind, base_url in web.outlets:
            click.echo(f"  {base_url:28s} {name} ({kind})")
        sources = db.parent / "demo-sources.toml"
        sources.parent.mkdir(parents=True, exist_ok=True)
        sources.write_text(web.sources_toml(), encoding="utf-8")
        summary = run_crawl(db=db, sources=sources, watchlist=watchlist, overrides=DEMO_SETTINGS,
                            progress=sys.stderr.isatty() if progress is None else progress,
                            check_connectivity=False, alerts=_alert_config(None, db), take_lock=False)
    store = Store(db)
    report = write_report(store, out, title="Demo coverage report: Kim Kardashian West: The Justice Project")
    _print_crawl_summary(summary, store)
    store.close()
    click.echo(f"report: {report.html} and {report.markdown} ({report.articles} relevant articles)")
    click.echo(f"demo finished in {time.monotonic() - started:.1f}s")


# ---- schedule ----------------------------------------------------------------------------


@cli.command()
@click.option("--every", help="Interval between crawls: 90s, 30m, 6h, 1d.")
@click.option("--cron", help='Cron expression, e.g. "0 */6 * * *".')
@click.option("--max-runs", type=click.IntRange(1), help="Stop after this many runs (default: run until stopped).")
@db_option()
@sources_option
@watchlist_option
@alerts_option
@click.option("--spider", "spiders", multiple=True, type=click.Choice(["feeds", "sitemaps", "search", "links"]))
@click.option("--outlet", "outlets", multiple=True)
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE")
def schedule(every, cron, max_runs, db, sources, watchlist, alerts_file, spiders, outlets, overrides) -> None:
    """Run crawls on a schedule, one at a time; SIGTERM or Ctrl-C stops after the current run."""
    import threading

    from scraper.schedule import child_runner, install_stop_handlers, parse_schedule, run_schedule

    plan = parse_schedule(every=every, cron=cron)
    args = ["crawl", "--no-progress", "--db", str(db)]
    for flag, value in (("--sources", sources), ("--watchlist", watchlist), ("--alerts", alerts_file)):
        if value:
            args += [flag, str(value)]
    for flag, values in (("--spider", spiders), ("--outlet", outlets), ("-s", overrides)):
        for value in values:
            args += [flag, value]
    stop = threading.Event()
    restore = install_stop_handlers(stop)
    try:
        codes = run_schedule(child_runner(args), plan, max_runs=max_runs, stop_event=stop)
    finally:
        restore()
    click.echo(f"schedule stopped after {len(codes)} run(s); exit codes: {codes}")


# ---- search / export / report / stats --------------------------------------------------


SEARCH_CSV_COLUMNS = ("rank", "published_date", "outlet", "outlet_kind", "language", "title", "url", "relevant",
                      "relevance", "matched", "snippet")


def _one_line(text: str | None) -> str:
    """Snippets span paragraphs; a table cell or a CSV field reads better on one line."""
    return " ".join((text or "").split())


def _highlighted(snippet: str):
    """FTS5 marks each hit as [word]; show it in bold yellow instead of brackets."""
    import re

    from rich.text import Text

    text = Text()
    for i, piece in enumerate(re.split(r"\[([^\[\]]*)\]", snippet)):
        text.append(piece, style="bold yellow" if i % 2 else None)
    return text


def _print_search_table(query: str, rows: list[dict]) -> None:
    """A table that stays readable in an 80-column terminal: the snippet gets the room."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not rows:
        console.print(f"no results for {query!r}")
        return
    table = Table(title=f"{len(rows)} result(s) for {query!r}, best first", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("outlet", ratio=1, overflow="fold")
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("snippet", ratio=3, overflow="fold")
    table.add_column("rel.", no_wrap=True)
    for n, row in enumerate(rows, 1):
        table.add_row(str(n), row.get("published_date") or "", row["outlet"], row.get("title") or row["url"],
                      _highlighted(_one_line(row.get("snippet"))), "yes" if row.get("relevant") else "")
    console.print(table)


def _write_search_csv(rows: list[dict], out) -> None:
    import csv

    writer = csv.writer(out)
    writer.writerow(SEARCH_CSV_COLUMNS)
    for n, row in enumerate(rows, 1):
        values = {**row, "rank": n, "matched": "; ".join(row.get("matched") or []),
                  "relevant": int(bool(row.get("relevant"))), "snippet": _one_line(row.get("snippet"))}
        writer.writerow([values.get(column) for column in SEARCH_CSV_COLUMNS])


@cli.command()
@click.argument("query")
@db_option()
@watchlist_option
@filter_options
@click.option("--relevant/--all", "relevant", default=None, help="Only relevant articles (or all).")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table (rank, date, outlet, title, url, ...).")
def search(query, db, watchlist, person, outlet, kind, language, since, until, relevant, limit, as_json,
           as_csv) -> None:
    """Full-text search, best match first (SQLite FTS5 syntax: "a phrase", a OR b, a NOT b,
    NEAR(a b, 10), prefix*, title:word)."""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    filters = _filters(person, outlet, kind, language, since, until, relevant or None, watchlist)  # --all: no filter
    store = Store(db, readonly=True)
    rows = store.search(query, filters, limit=limit)
    if as_json:
        for row in rows:
            for bulky in ("text", "signature", "signature_of"):
                row.pop(bulky, None)
            click.echo(json.dumps(row, ensure_ascii=False))
    elif as_csv:
        _write_search_csv(rows, sys.stdout)
    else:
        _print_search_table(query, rows)


@cli.command()
@db_option()
@watchlist_option
@filter_options
@click.option("--relevant/--all", "relevant", default=None, help="Only relevant articles (or all).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="File to write (default: stdout).")
def export(db, watchlist, person, outlet, kind, language, since, until, relevant, fmt, output) -> None:
    """Write every matching article as JSON Lines or CSV, streaming."""
    from exports.export import write_csv, write_jsonl

    filters = _filters(person, outlet, kind, language, since, until, relevant or None, watchlist)  # --all: no filter
    store = Store(db, readonly=True)
    writer = write_jsonl if fmt == "jsonl" else write_csv
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as handle:
            n = writer(store.articles.select(filters), handle)
        click.echo(f"wrote {n} articles to {output}", err=True)
    else:
        writer(store.articles.select(filters), sys.stdout)


@cli.command()
@db_option()
@watchlist_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("reports/latest"), show_default=True)
@click.option("--person", help="Only coverage of this watchlist entry.")
@click.option("--since", callback=_iso_day, help="Published on or after YYYY-MM-DD.")
@click.option("--until", callback=_iso_day, help="Published on or before YYYY-MM-DD.")
@click.option("--title", default="Coverage report", show_default=True)
def report(db, watchlist, out, person, since, until, title) -> None:
    """Write the coverage report of the relevant articles: report.html (self-contained,
    prints on A4), report.md, and every relevant article as report.csv and report.jsonl."""
    from exports.report import write_report

    filters = _filters(person, None, None, None, since, until, True, watchlist)
    store = Store(db, readonly=True)
    started = time.monotonic()
    files = write_report(store, out, filters, title=title)
    store.close()
    click.echo(f"report: {files.html}, {files.markdown}, {files.csv} and {files.jsonl} "
               f"({files.articles} relevant articles, {time.monotonic() - started:.2f}s)")


@cli.command()
@db_option()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(db, as_json) -> None:
    """Numbers about the database and the last crawl run."""
    store = Store(db, readonly=True)
    numbers = store.reports.stats()
    if as_json:
        click.echo(json.dumps(numbers, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"{numbers['articles']} articles ({numbers['relevant']} relevant) in {numbers['database']}")
    click.echo(f"published {numbers['first_published']} .. {numbers['last_published']}, "
               f"{numbers['undated']} undated")
    for title, key in (("by entry", "by_entry"), ("by outlet", "outlets"), ("by language", "by_language")):
        click.echo(f"{title}:")
        for name, n in numbers[key].items():
            click.echo(f"  {n:5d}  {name}")
    run = numbers["last_run"]
    if run:
        click.echo(f"last run #{run['id']} {run['status']}: started {run['started']}, "
                   f"{run['pages_fetched'] or 0} pages, {run['articles_new'] or 0} new articles")


# ---- rematch ---------------------------------------------------------------------------


def _print_rematch(summary, watchlist: Path, db: Path) -> None:
    out = click.echo
    out(f"rematched {summary.articles} articles in {db} with {watchlist}: "
        f"{summary.relevant_before} relevant before, {summary.relevant_after} after")
    counts = summary.counts()
    out("  " + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + ("; dry run, nothing stored" if summary.dry_run else f"; {summary.updated} rows updated"))
    if summary.skipped:
        out(f"  {summary.skipped} article(s) changed by a crawl meanwhile were left alone; run rematch again")
    marks = {"became relevant": "+", "no longer relevant": "-", "entries changed": "~"}
    for kind, mark in marks.items():
        if counts[kind]:
            out(f"{kind}:")
        for change in summary.of_kind(kind):
            entries = [f"+{e}" for e in change.added] + [f"-{e}" for e in change.removed]
            out(f"  {mark} [{change.outlet}] {change.title or change.url}")
            out(f"      {change.url}  relevance {change.relevance_before or 0:.2f} -> "
                f"{change.relevance_after:.2f}" + (f"  ({', '.join(entries)})" if entries else ""))


@cli.command()
@db_option()
@watchlist_option
@click.option("--dry-run", is_flag=True, help="Report what would change; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def rematch(db, watchlist, dry_run, as_json) -> None:
    """Match every stored article again after a watchlist change (no crawling)."""
    from scraper.match import load_watchlist
    from scraper.rematch import rematch as run_rematch

    watchlist = watchlist or _default("watchlist.toml")
    watch = load_watchlist(watchlist)
    Store(db, readonly=True).close()  # a missing or foreign file is an error, never a new database
    store = Store(db, readonly=dry_run)
    try:
        summary = run_rematch(store, watch, dry_run=dry_run)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"database": str(db), "watchlist": str(watchlist), **summary.as_dict()},
                              ensure_ascii=False, indent=2))
    else:
        _print_rematch(summary, watchlist, db)


# ---- extract -------------------------------------------------------------------------


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _parse_fetched_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NewswatchError(f"fetched_at must be ISO 8601, got {value!r}") from None
    if moment.tzinfo is None:
        raise NewswatchError(f"fetched_at needs a time zone offset, got {value!r}")
    return moment


def _manifest_pages(manifest: Path):
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise NewswatchError(f"{manifest}: cannot read manifest: {exc.strerror}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            yield entry, manifest.parent / entry["path"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            yield {"id": None, "error": f"{manifest}:{number}: bad manifest line ({exc})"}, None


@cli.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--url", help="The URL the page was fetched from.")
@click.option("--fetched-at", help="When the page was fetched (ISO 8601 with offset).")
@click.option("--manifest", type=click.Path(path_type=Path), help="JSON Lines of {id, path, url, fetched_at?}.")
@watchlist_option
def extract(file, url, fetched_at, manifest, watchlist) -> None:
    """Extract saved pages and print one JSON object per page (JSON Lines)."""
    if bool(file) == bool(manifest):
        raise click.UsageError("give either FILE or --manifest M.jsonl")
    from scraper.match import load_watchlist
    from scraper.process import analyse_page

    watch = load_watchlist(watchlist or _default("watchlist.toml"))
    if file:
        jobs = [({"id": str(file), "url": url, "fetched_at": fetched_at}, file)]
    else:
        jobs = _manifest_pages(manifest)
    for entry, path in jobs:
        row: dict = {"id": entry.get("id")}
        try:
            if path is None:
                row["error"] = entry["error"]
            else:
                html = _read_page(path)
                row.update(analyse_page(html, url=entry.get("url"), watchlist=watch,
                                        fetched_at=_parse_fetched_at(entry.get("fetched_at"))))
                row["id"] = entry.get("id")
        except (OSError, EOFError, gzip.BadGzipFile, NewswatchError) as exc:
            row["error"] = f"{path}: {getattr(exc, 'strerror', None) or exc}"
        click.echo(json.dumps(row, ensure_ascii=False))


# ---- serve -----------------------------------------------------------------------------


def _run_until_stopped(args: list[str]) -> int:
    """Run a child until it exits; SIGTERM (and Ctrl-C) stop it too, so the caller's
    clean-up runs and no orphan server is left behind."""
    import signal
    import subprocess

    child = subprocess.Popen(args)
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: child.terminate())
    try:
        code = child.wait()
    except KeyboardInterrupt:
        child.terminate()
        code = child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0 if code < 0 else code


@cli.command()
@db_option()
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--title", default="newswatch: press coverage", show_default=True, help="Title of the home page.")
def serve(db, port, host, title) -> None:
    """Browse the database in Datasette, read-only, with table and column descriptions,
    facets and canned queries (coverage by case, by outlet, new this week, syndicated copies)."""
    import tempfile

    from exports.datasette import build_metadata

    Store(db, readonly=True).close()
    with tempfile.TemporaryDirectory(prefix="newswatch-serve-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        metadata.write_text(json.dumps(build_metadata(Path(db).stem, title), indent=2), encoding="utf-8")
        # Not --immutable: an immutable database ignores its WAL, so a crawl's recent commits
        # would be invisible. Datasette opens a mutable file with mode=ro: read-only all the same.
        code = _run_until_stopped([sys.executable, "-m", "datasette", "serve", str(db), "--metadata", str(metadata),
                                   "--setting", "truncate_cells_html", "200", "--host", host, "--port", str(port)])
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: click's usage errors and our own errors become one line, exit 2; so do
    a database that fails after opening (full disk, read-only, locked) and a path that
    cannot be written (a parent that is a file, no permission)."""
    import sqlite3

    try:
        cli.main(args=argv, prog_name="newswatch", standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"newswatch: error: {exc.format_message()}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"newswatch: error: {exc.format_message()}", err=True)
        return exc.exit_code or 1
    except NewswatchError as exc:
        click.echo(f"newswatch: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("newswatch: aborted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except sqlite3.Error as exc:
        click.echo(f"newswatch: error: database error: {exc}", err=True)
        return 2
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"newswatch: error: {where}{exc.strerror or exc}", err=True)
        return 2
    return 0


def entry_point() -> None:
    sys.exit(main())
