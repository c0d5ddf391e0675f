"""Exceptions that the CLI turns into one-line messages (exit status 2), never tracebacks."""


class NewswatchError(Exception):
    """Base class: a problem the user can fix (bad config, bad arguments, bad database)."""


class ConfigError(NewswatchError):
    """A config file (sources.toml, watchlist.toml) is missing, malformed or incomplete."""
