"""Load and validate sources.toml: the outlets a crawl visits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

from scraper.errors import ConfigError

KINDS = ("entertainment", "justice")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Outlet:
    """One news site and the entry points the spiders use to find its articles."""

    name: str
    homepage: str
    kind: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    search: str = ""
    language: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def host(self) -> str:
        return urlsplit(self.homepage).netloc.lower()

    @property
    def archive_prefixes(self) -> tuple[str, ...]:
        """URL prefixes (`variety.com/2020/`) a backfill enumerates in the archives."""
        return tuple(self.extra.get("archive_prefixes", ()))

    def search_url(self, query: str) -> str | None:
        return self.search.replace("{query}", quote_plus(query)) if self.search else None


def read_toml(path: str | Path) -> dict:
    """Parse a TOML file; errors name the file and the line of the mistake."""
    return read_toml_with_source(path)[0]


def read_toml_with_source(path: str | Path) -> tuple[dict, str]:
    """The parsed TOML and its text (for pointing at the line of a bad key later)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        last_line = f"(at end of document, line {text.count(chr(10)) + 1})"
        message = str(exc).replace("(at end of document)", last_line)
        raise ConfigError(f"{path}: invalid TOML: {message}") from None


def _url(value: object, where: str) -> str:
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise ConfigError(f"{where}: expected an http(s) URL, got {value!r}")
    return value


def _url_list(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of URLs, got {value!r}")
    return tuple(_url(item, where) for item in value)


def parse_outlet(raw: dict, where: str) -> Outlet:
    """Validate one [[outlet]] table; unknown keys are kept in `extra` for later tools."""
    for key in ("name", "homepage", "kind"):
        if key not in raw:
            raise ConfigError(f"{where}: missing required key {key!r}")
    name = raw["name"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' must be a non-empty string")
    where = f"{where} ({name})"
    kind = raw["kind"]
    if kind not in KINDS:
        raise ConfigError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    search = raw.get("search") or ""
    if search:
        _url(search, f"{where} search")
        if "{query}" not in search:
            raise ConfigError(f"{where}: 'search' must contain {{query}}, got {search!r}")
    known = {"name", "homepage", "kind", "feeds", "sitemaps", "search", "language"}
    extra = {k: v for k, v in raw.items() if k not in known}
    if "archive_prefixes" in extra:
        extra["archive_prefixes"] = _prefixes(extra["archive_prefixes"], f"{where} archive_prefixes")
    return Outlet(
        name=name.strip(),
        homepage=_url(raw["homepage"], f"{where} homepage"),
        kind=kind,
        feeds=_url_list(raw.get("feeds"), f"{where} feeds"),
        sitemaps=_url_list(raw.get("sitemaps"), f"{where} sitemaps"),
        search=search,
        language=raw.get("language"),
        extra=extra,
    )


def _prefixes(value: object, where: str) -> tuple[str, ...]:
    """Archive prefixes as the CDX servers take them: host and path, no scheme (`variety.com/2020/`)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: expected a list of URL prefixes such as 'variety.com/2020/', got {value!r}")
    prefixes = []
    for item in value:
        prefix = item.strip()
        if "://" in prefix:
            prefix = prefix.split("://", 1)[1]
        host = prefix.split("/", 1)[0]
        if not host or any(c in prefix for c in " *?#"):
            raise ConfigError(f"{where}: {item!r} is not a URL prefix such as 'variety.com/2020/'")
        prefixes.append(prefix)
    return tuple(prefixes)


def parse_sources(data: dict, source: str = "sources.toml") -> list[Outlet]:
    tables = data.get("outlet")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{source}: no [[outlet]] tables found")
    outlets = [parse_outlet(raw, f"{source}: outlet #{i}") for i, raw in enumerate(tables, 1)]
    names = [o.name.casefold() for o in outlets]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{source}: outlet names must be unique; repeated: {', '.join(dupes)}")
    return outlets


def load_sources(path: str | Path) -> list[Outlet]:
    return parse_sources(read_toml(path), str(path))


def select_outlets(outlets: list[Outlet], names: list[str] | None) -> list[Outlet]:
    """Pick outlets by name (case-insensitive); unknown names are a config error."""
    if not names:
        return outlets
    by_name = {o.name.casefold(): o for o in outlets}
    unknown = [n for n in names if n.casefold() not in by_name]
    if unknown:
        known = ", ".join(o.name for o in outlets)
        raise ConfigError(f"unknown outlet {', '.join(map(repr, unknown))}; known outlets: {known}")
    return [by_name[n.casefold()] for n in names]
