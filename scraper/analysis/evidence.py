"""The evidence behind the stored rows: each row's record in the WARC archive.

`verify` reads every article and revision row's record (one seek each, file by file)
and checks that it is intact and is that row's page; `archived_page` gives the record of
one article (what `show --raw` prints and the report links to); `export_selection`
copies the selected articles' records into one WARC file. The archive is a library of
its own (scraper.archive); the rows come from the store.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scraper.archive import (
    ArchiveError,
    ExportResult,
    Location,
    Record,
    archive_files,
    check_tail,
    export_warc,
    read_record,
    verify_many,
)
from scraper.archive.files import is_locked
from scraper.dedup.identity import article_id as id_of_url
from scraper.dedup.identity import identity_key
from scraper.errors import NewswatchError
from scraper.store import ArticleFilters, Store

OK, BAD, MISSING_FILE = "ok", "bad", "missing file"
VERIFY_CHUNK = 5000  # rows read and checked at a time


def digest_of_sha1(hex_sha1: str | None) -> str | None:
    """A row's `html_sha1` (hex) as the WARC-Payload-Digest its record must carry (`sha1:BASE32`)."""
    if not hex_sha1:
        return None
    try:
        return "sha1:" + base64.b32encode(bytes.fromhex(hex_sha1)).decode("ascii")
    except ValueError:
        return None


def names_the_page(target_uri: str | None, row: dict) -> bool:
    """Whether a record's URL is the row's page: its URL, or the same article's URL in
    another form (canonical, tracking parameters, `www.`, AMP), or for an archived copy the
    archive's URL it was fetched from (`archive_url`)."""
    if not target_uri:
        return False
    if target_uri in (row.get("url"), row.get("canonical_url")):
        return True
    if row.get("archive_url") and target_uri == row["archive_url"].split("#", 1)[0]:
        return True  # an archived copy: fetched from the archive, under the archive's URL
    key = identity_key(target_uri)
    return (key in {identity_key(u) for u in (row.get("url"), row.get("canonical_url")) if u}
            or id_of_url(target_uri) == row.get("article_id"))


@dataclass
class RowProblem:
    """A row whose record is missing, damaged, or not its page."""

    table: str
    article_id: str
    revision: int | None
    url: str
    warc_file: str
    warc_offset: int
    warc_length: int
    status: str  # BAD | MISSING_FILE
    problems: list[str]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class FileState:
    """One WARC file of the folder: its size and how it ends (`tail`: complete, incomplete, in use)."""

    name: str
    bytes: int
    tail: str
    incomplete_bytes: int = 0


@dataclass
class VerifyReport:
    """What `verify` found: rows checked, by outcome; each problem; the folder's files."""

    folder: str
    rows: int = 0
    ok: int = 0
    bad: int = 0
    missing_file: int = 0
    articles_without_record: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    files: list[FileState] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.bad and not self.missing_file

    def as_dict(self) -> dict:
        return {"folder": self.folder, "rows": self.rows, "ok": self.ok, "bad": self.bad,
                "missing_file": self.missing_file, "articles_without_record": self.articles_without_record,
                "passed": self.passed, "problems": [p.as_dict() for p in self.problems],
                "files": [asdict(f) for f in self.files]}


def folder_files(folder: Path) -> list[FileState]:
    """The archive's files, oldest first, each with how it ends: a cut-off write (a crawl
    killed mid-record) shows as `incomplete` at the end of that file only."""
    states = []
    for name in archive_files(folder):
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            continue
        if is_locked(path):
            states.append(FileState(name, size, "in use"))
            continue
        check = check_tail(path)
        states.append(FileState(name, size, "complete" if check.complete else "incomplete", check.incomplete_bytes))
    return states


def verify(store: Store, folder: Path) -> VerifyReport:
    """Read every archived row's record and check it: a complete gzip member holding one
    WARC record, its block and payload digests, the article's `html_sha1` (the page the
    row was extracted from), and a URL that is the row's."""
    folder = Path(folder)
    report = VerifyReport(str(folder), articles_without_record=store.articles.count_without_record())
    present: dict[str, bool] = {}
    for chunk in _chunks(store.articles.archived_rows(), VERIFY_CHUNK):  # rows in file order: memory stays flat
        report.rows += len(chunk)
        items = []
        for i, row in enumerate(chunk):
            name = row["warc_file"]
            if name not in present:
                present[name] = (folder / name).is_file()
            if present[name]:
                items.append((i, Location(name, row["warc_offset"] or 0, row["warc_length"] or 0),
                              digest_of_sha1(row["html_sha1"])))
            else:
                report.missing_file += 1
                report.problems.append(_problem(row, MISSING_FILE, [f"{name}: no such file in {folder}"]))
        for i, checked in verify_many(folder, items):
            row = chunk[i]
            problems = list(checked.problems)
            if checked.target_uri is not None and not names_the_page(checked.target_uri, row):
                problems.append(f"record is of {checked.target_uri}, not of {row['url']}")
            if problems:
                report.bad += 1
                report.problems.append(_problem(row, BAD, problems))
            else:
                report.ok += 1
    report.files = folder_files(folder)
    return report


def _chunks(rows: Iterator[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _problem(row: dict, status: str, problems: list[str]) -> RowProblem:
    return RowProblem(row["table"], row["article_id"], row["revision"], row["url"], row["warc_file"],
                      row["warc_offset"], row["warc_length"], status, problems)


def location_of(row: dict) -> Location | None:
    """Where a row's record is, None when it has none."""
    if not row.get("warc_file") or not row.get("warc_length"):
        return None
    return Location(row["warc_file"], int(row["warc_offset"] or 0), int(row["warc_length"]))


def archived_page(store: Store, folder: Path, article_id: str, revision: int | None = None) -> Record:
    """The record of an article's page as fetched (its current version, or `revision`).
    NewswatchError when there is no such article or record, or it cannot be read."""
    row = store.articles.get(article_id) if revision is None else store.articles.revision(article_id, revision)
    if row is None:
        what = f"article {article_id}" + ("" if revision is None else f" revision {revision}")
        raise NewswatchError(f"{what} not found in {store.path}")
    location = location_of(row)
    if location is None:
        raise NewswatchError(f"article {article_id} has no archived copy (crawled with --no-archive, or before "
                             "the archive)", exit_code=1)
    try:
        return read_record(folder, *location)
    except (ArchiveError, OSError) as e:
        raise NewswatchError(f"article {article_id}: its archived copy cannot be read: {e}", exit_code=1) from None


def find_article(store: Store, key: str) -> str:
    """An article id from an id or a URL (any form of it: the canonical form finds it)."""
    if store.articles.get(key) is not None:
        return key
    if "://" in key:
        by_url = store.articles.id_for_url(key)
        if by_url is not None:
            return by_url
    raise NewswatchError(f"no article {key!r} in {store.path} (give an id, as search --json shows, or a URL)")


def page_copies(store: Store, folder: Path, articles: list[dict]) -> Iterator[tuple[str, bytes]]:
    """(article id, the page's bytes as fetched) for each article whose record reads back."""
    for article in articles:
        location = location_of(article)
        if location is None:
            continue
        try:
            record = read_record(folder, *location)
        except (ArchiveError, OSError):
            continue
        yield article["id"], record.body


def export_selection(store: Store, folder: Path, filters: ArticleFilters, out: str | os.PathLike[str], *,
                     revisions: bool = False) -> ExportResult:
    """The selected articles' records (and each response's request record, and the
    original of any revisit) as one new WARC file, for a client or for replay in pywb."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    selection = "; ".join(f"{k}={v}" for k, v in filters.__dict__.items() if v not in (None, "")) or "all articles"
    return export_warc(folder, store.articles.archived_locations(filters, revisions=revisions), out,
                       info={"description": f"newswatch export of {store.path.name}: {selection}"
                                            + ("; every version" if revisions else "")})
