"""Options shared by several commands, as decorators (one definition each)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from scraper.config import PROJECT_ROOT
from scraper.errors import NewswatchError
from scraper.store import ArticleFilters
from spiders import DISCOVERY_SOURCES, STRATEGIES

DEFAULT_DB = Path("data/articles.db")


def default_file(name: str) -> Path:
    """Config files default to the working directory's copy, else the project's."""
    local = Path(name)
    return local if local.exists() else PROJECT_ROOT / name


def sources_path(value: Path | None) -> Path:
    return value or default_file("sources.toml")


def watchlist_path(value: Path | None) -> Path:
    return value or default_file("watchlist.toml")


sources_option = click.option("--sources", type=click.Path(path_type=Path), default=None,
                              help="Outlets file (default: ./sources.toml).")
watchlist_option = click.option("--watchlist", type=click.Path(path_type=Path), default=None,
                                help="Watchlist file (default: ./watchlist.toml).")
alerts_option = click.option("--alerts", "alerts_file", type=click.Path(path_type=Path), default=None,
                             help="Alert settings (default: ./alerts.toml if present, else only an Atom feed "
                                  "next to the database).")
distributed_option = click.option(
    "--distributed", metavar="REDIS_URL", envvar="NEWSWATCH_REDIS_URL",
    help="Share the crawl through Redis (scrapy-redis), e.g. redis://127.0.0.1:6379/0 (env NEWSWATCH_REDIS_URL).")
prefix_option = click.option("--prefix", default="newswatch", show_default=True,
                             help="Prefix of this crawl's Redis keys (several crawls can share one Redis).")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
settings_option = click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
                               help="Override a Scrapy setting.")
outlets_option = click.option("--outlet", "outlets", multiple=True, help="Only these outlets (repeatable).")


def archive_options(func):
    """Whether to keep each stored page as fetched in WARC files, and how long."""
    func = click.option("--archive-keep-days", type=click.IntRange(1), default=None,
                        help="After the run, remove archive files older than this that no row needs.")(func)
    return click.option("--archive/--no-archive", "archive", default=True, show_default=True,
                        help="Keep every stored page as fetched in WARC files (warc/ beside the database).")(func)


archive_dir_option = click.option(
    "--archive-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="The WARC archive folder (default: the one the database's crawls recorded, else warc/ beside it).")


def archive_settings(archive: bool, keep_days: int | None) -> dict:
    """The archive options as crawl settings."""
    settings: dict = {"NEWSWATCH_ARCHIVE": archive}
    if keep_days:
        settings["NEWSWATCH_ARCHIVE_KEEP_DAYS"] = keep_days
    return settings


proxy_option = click.option(
    "--proxy", metavar="URL", envvar="NEWSWATCH_PROXY",
    help="Send every request through this HTTP proxy, e.g. http://proxy.example:3128 (env NEWSWATCH_PROXY).")


def proxy_settings(proxy: str | None) -> dict:
    """--proxy as a crawl setting (checked here: a bad URL is the user's mistake)."""
    if not proxy:
        return {}
    from scraper.crawling.middlewares.proxy import check_proxy

    return {"NEWSWATCH_PROXY": check_proxy(proxy)}


def discovery_sources_option(func):
    return click.option("--source", "discovery_sources", multiple=True, type=click.Choice(list(DISCOVERY_SOURCES)),
                        help="Only these sources (repeatable; default: all three).")(func)


def db_option(default: Path = DEFAULT_DB):
    return click.option("--db", type=click.Path(path_type=Path), default=default, show_default=True,
                        help="SQLite database file.")


def spiders_option(what: str = "Run only these spiders"):
    return click.option("--spider", "spiders", multiple=True, type=click.Choice(list(STRATEGIES)),
                        help=f"{what} (repeatable; default: all {len(STRATEGIES)}).")


def iso_day(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def since_until_options(func):
    func = click.option("--until", callback=iso_day, help="Published on or before YYYY-MM-DD.")(func)
    return click.option("--since", callback=iso_day, help="Published on or after YYYY-MM-DD.")(func)


def filter_options(func):
    """The filters shared by search and export (report takes a narrower set)."""
    func = since_until_options(func)
    for option in reversed([
        click.option("--person", help="Only articles covering this watchlist entry (name or alias)."),
        click.option("--outlet", help="Only this outlet (its name in sources.toml)."),
        click.option("--kind", type=click.Choice(["entertainment", "justice", "other"]),
                     help="Only this kind of outlet (other: a site found by discovery, not in sources.toml)."),
        click.option("--language", help="Only this language (ISO 639-1, e.g. en, fr)."),
    ]):
        func = option(func)
    return func


def setting_overrides(overrides) -> dict:
    """`-s NAME=VALUE` options as a settings dict."""
    settings: dict = {}
    for item in overrides:
        if "=" not in item:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        key, value = item.split("=", 1)
        settings[key] = value
    return settings


def resolve_person(person: str | None, watchlist: Path | None) -> str | None:
    """Map a name or alias to the watchlist's canonical name; unknown names are an error."""
    if not person:
        return None
    from scraper.match import load_watchlist

    loaded = load_watchlist(watchlist_path(watchlist))
    canonical = loaded.resolve_name(person)
    if canonical is None:
        known = ", ".join(loaded.entry_names())
        raise NewswatchError(f"unknown person or entry {person!r}; the watchlist has: {known}")
    return canonical


def article_filters(person, outlet, kind, language, since, until, relevant, watchlist) -> ArticleFilters:
    if since and until and since > until:
        raise NewswatchError(f"--since {since} is after --until {until}")
    return ArticleFilters(person=resolve_person(person, watchlist), outlet=outlet, kind=kind,
                          language=language, since=since, until=until, relevant=relevant)


def required_url(url: str | None) -> str:
    if not url:
        raise NewswatchError("give the shared frontier's Redis URL: --distributed redis://HOST:PORT/N "
                             "(or set NEWSWATCH_REDIS_URL)")
    return url
