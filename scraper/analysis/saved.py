"""Saved pages through the same path as crawled ones (`newswatch extract`): one file, or
a manifest of many (JSON Lines of {id, path, url, fetched_at?}); one result per page,
with an `error` field for a page that cannot be read, and the run goes on."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from scraper.analysis.page import analyse_page
from scraper.errors import NewswatchError
from scraper.match import Watchlist

Job = tuple[dict, Path | None]  # the manifest entry, and its page's path (None: the line was unreadable)


def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def parse_fetched_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NewswatchError(f"fetched_at must be ISO 8601, got {value!r}") from None
    if moment.tzinfo is None:
        raise NewswatchError(f"fetched_at needs a time zone offset, got {value!r}")
    return moment


def one_page(file: Path, url: str | None, fetched_at: str | None) -> list[Job]:
    return [({"id": str(file), "url": url, "fetched_at": fetched_at}, file)]


def manifest_pages(manifest: Path) -> Iterator[Job]:
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


def extract_saved(jobs: Iterable[Job], watchlist: Watchlist) -> Iterator[dict]:
    """`analyse_page` of each saved page, with its manifest `id` echoed."""
    for entry, path in jobs:
        row: dict = {"id": entry.get("id")}
        try:
            if path is None:
                row["error"] = entry["error"]
            else:
                html = read_page(path)
                row.update(analyse_page(html, url=entry.get("url"), watchlist=watchlist,
                                        fetched_at=parse_fetched_at(entry.get("fetched_at"))))
                row["id"] = entry.get("id")
        except (OSError, EOFError, gzip.BadGzipFile, NewswatchError) as exc:
            row["error"] = f"{path}: {getattr(exc, 'strerror', None) or exc}"
        yield row
