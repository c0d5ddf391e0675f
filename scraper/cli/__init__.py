"""`newswatch` command line: a thin layer over the library (click), in the manner of
sqlite-utils: each command parses its arguments and calls one library function.

Every user mistake (bad argument, bad config, unreadable database) is one line on
stderr and exit status 2; never a traceback.
"""

from __future__ import annotations

import sys

import click

from scraper.cli.crawling import backfill, crawl, demo, frontier, ingest, schedule, seed, worker
from scraper.cli.evidence import reextract, show, verify
from scraper.cli.maintenance import extract, rematch
from scraper.cli.reading import export, report, search, serve, stats
from scraper.errors import NewswatchError

COMMANDS = (crawl, backfill, seed, worker, ingest, frontier, demo, schedule, search, export, report, stats, show,
            rematch, reextract, extract, verify, serve)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="newswatch")
def cli() -> None:
    """Monitor press coverage: crawl news sites, store articles in SQLite, report on a watchlist."""


for _command in COMMANDS:
    cli.add_command(_command)


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
