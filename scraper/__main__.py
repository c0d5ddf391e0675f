"""`python -m scraper` is the same as the `newswatch` command."""

from scraper.cli import entry_point

entry_point()
