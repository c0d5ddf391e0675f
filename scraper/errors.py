"""Exceptions that the CLI turns into one-line messages (exit status 2), never tracebacks."""


class NewswatchError(Exception):
    """Base class: a problem the user can fix (bad config, bad arguments, bad database)."""

    exit_code = 2

    def __init__(self, message: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(NewswatchError):
    """A config file (sources.toml, watchlist.toml) is missing, malformed or incomplete."""


class NetworkUnreachable(NewswatchError):
    """None of the outlets could be reached: not the user's input, so not exit status 2."""

    exit_code = 1
