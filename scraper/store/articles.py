"""Article writes and reads: one row per canonical URL, its mentions and its revisions.

The write path runs once per crawled page in the reactor thread, so it uses plain
parameterised statements (scraper.store.rows) inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlite_utils

from scraper.dedup.identity import article_id, canonical_url, identity_key
from scraper.errors import NewswatchError
from scraper.record import LIVE
from scraper.store.filters import ArticleFilters
from scraper.store.http_cache import HttpCache
from scraper.store.rows import (
    PROVENANCE_COLUMNS,
    WARC_COLUMNS,
    decode_row,
    dumps,
    now_iso,
    one,
    row_from_record,
    write,
)


@dataclass(frozen=True)
class SaveResult:
    """What storing one article did: 'new', 'updated' (text changed) or 'unchanged'."""

    article_id: str
    status: str
    relevant: bool


def _signature_of(record: dict) -> dict:
    """The near-duplicate signature computed with the record (by an extraction worker),
    when it belongs to this text; recluster computes the missing ones."""
    if record.get("signature") and record.get("signature_of") == record.get("text_sha1"):
        return {"signature": record["signature"], "signature_of": record["signature_of"]}
    return {}


def _earliest(*stamps: str | None) -> str | None:
    """The earliest of some ISO stamps (None ignored)."""
    known = [stamp for stamp in stamps if stamp]
    return min(known) if known else None


def _mention_row(article_id: str, mention: dict) -> dict:
    return {"article_id": article_id, "entry": mention["entry"], "kind": mention["kind"], "count": mention["count"],
            "terms": dumps(mention.get("terms")), "snippet": mention.get("snippet"),
            "positions": dumps(mention.get("positions"))}


class Articles:
    """The `articles`, `mentions` and `revisions` tables."""

    def __init__(self, db: sqlite_utils.Database, http_cache: HttpCache, path: str) -> None:
        self.db = db
        self.conn = db.conn
        self.http_cache = http_cache
        self.path = path

    # ---- writing -------------------------------------------------------------

    def save(self, record: dict, mentions: Iterable[dict], *, seen_at: str | None = None) -> SaveResult:
        """Insert or update one article by its id, in one transaction with its mentions.

        A page seen again with the same text only refreshes last_seen and how it was
        found; changed text replaces the fields and bumps `revisions`.
        """
        with self.db.atomic():
            return self._save(record, mentions, seen_at or now_iso())

    def save_many(self, items: Iterable[tuple[dict, Iterable[dict]]], *,
                  seen_at: str | None = None) -> list[SaveResult]:
        """Several articles (each as `save` would store it) in one transaction.

        A crawl's group commit: one commit, and one FTS segment, per batch instead of per
        page. Either the whole batch is stored or none of it (the URLs' validators go in
        with their articles, so a crawl killed before the commit fetches them again).
        """
        seen_at = seen_at or now_iso()
        with self.db.atomic():
            return [self._save(record, mentions, seen_at) for record, mentions in items]

    def _save(self, record: dict, mentions: Iterable[dict], seen_at: str) -> SaveResult:
        article_id = record["id"]
        existing = one(self.conn, "select url, found_via, text_sha1, relevant, first_seen, revisions, fetched_from, "
                                  "discovered_at from articles where id = ?", [article_id])
        if existing is None:
            row = row_from_record(record, first_seen=seen_at, last_seen=seen_at, revisions=1)
            row.update(_signature_of(record))
            write(self.conn, "insert into", "articles", row)
            self._replace_mentions(article_id, mentions, fresh=True)
            self._add_revision(article_id, 1, record, seen_at)
            self._remember(record, seen_at)
            return SaveResult(article_id, "new", bool(record.get("relevant")))
        found_via = sorted(set(json.loads(existing["found_via"] or "[]")) | set(record["found_via"]))
        discovered = _earliest(existing["discovered_at"], record.get("discovered_at"))
        source, stored_source = record.get("fetched_from") or LIVE, existing["fetched_from"] or LIVE
        if source != LIVE and stored_source == LIVE:
            # the live copy stays the article; the archived copy is kept beside it, as a revision
            revision = (existing["revisions"] or 1) + 1
            self._update(article_id, {"found_via": dumps(found_via), "discovered_at": discovered,
                                      "revisions": revision})
            self._add_revision(article_id, revision, record, seen_at)
            return SaveResult(article_id, "unchanged", bool(existing["relevant"]))
        if existing["text_sha1"] == record.get("text_sha1"):
            seen = {"last_seen": seen_at, "found_via": dumps(found_via), "discovered_at": discovered}
            if record.get("warc_file") and identity_key(record["url"]) == identity_key(existing["url"] or ""):
                # the evidence of this text: now the newest capture of the row's page, with the
                # hash of the bytes it holds (verify checks both). A copy under another URL that
                # names this article as canonical leaves the row with its own page's record.
                seen.update({column: record[column] for column in WARC_COLUMNS})
                if record.get("html_sha1"):
                    seen["html_sha1"] = record["html_sha1"]
            if source != stored_source:  # the same text, from elsewhere now (live after an archive): both kept
                seen.update({column: record.get(column) for column in PROVENANCE_COLUMNS},
                            fetched_at=record.get("fetched_at"), html_sha1=record.get("html_sha1"),
                            revisions=(existing["revisions"] or 1) + 1)
                self._add_revision(article_id, seen["revisions"], record, seen_at)
            self._update(article_id, seen)
            self._remember(record, seen_at)
            return SaveResult(article_id, "unchanged", bool(existing["relevant"]))
        row = row_from_record(
            {**record, "found_via": found_via, "discovered_at": discovered},
            first_seen=existing["first_seen"],
            last_seen=seen_at,
            revisions=(existing["revisions"] or 1) + 1,
        )
        row.update(_signature_of(record))
        self._update(article_id, row)
        self._replace_mentions(article_id, mentions)
        self._add_revision(article_id, row["revisions"], record, seen_at)
        self._remember(record, seen_at)
        return SaveResult(article_id, "updated", bool(record.get("relevant")))

    def _remember(self, record: dict, seen_at: str) -> None:
        """The fetched URL's validators, for a page fetched from its own site: an archived
        copy's bytes say nothing about what the live URL serves now."""
        if (record.get("fetched_from") or LIVE) == LIVE:
            self.http_cache.remember_article(record, seen_at)

    def _update(self, article_id: str, fields: dict) -> None:
        assignments = ", ".join(f"[{c}] = ?" for c in fields)
        self.conn.execute(f"update articles set {assignments} where id = ?", [*fields.values(), article_id])

    def _replace_mentions(self, article_id: str, mentions: Iterable[dict], *, fresh: bool = False) -> None:
        if not fresh:  # a new article has no mentions to delete
            self.conn.execute("delete from mentions where article_id = ?", [article_id])
        for mention in mentions:
            write(self.conn, "insert or replace into", "mentions", _mention_row(article_id, mention))

    def _add_revision(self, article_id: str, revision: int, record: dict, seen_at: str) -> None:
        write(self.conn, "insert or replace into", "revisions", {
            "article_id": article_id, "revision": revision, "fetched_at": record.get("fetched_at") or seen_at,
            "title": record.get("title"), "text": record.get("text"), "text_sha1": record.get("text_sha1"),
            **{column: record.get(column) for column in (*WARC_COLUMNS, *PROVENANCE_COLUMNS)},
            "fetched_from": record.get("fetched_from") or LIVE})

    def update_match(self, article_id: str, relevant: bool, relevance: float, matched: list[str],
                     mentions: Iterable[dict], *, text_sha1: str | None = None) -> bool:
        """Replace one article's match verdict and its mentions in one transaction (for
        `rematch`): a reader never sees the new verdict with the old evidence. With
        `text_sha1`, nothing is written (False) if a crawl has changed the text since the
        verdict was computed from it."""
        with self.db.atomic():
            existing = one(self.conn, "select text_sha1 from articles where id = ?", [article_id])
            if existing is None:
                raise NewswatchError(f"article {article_id} not found in {self.path}")
            if text_sha1 is not None and existing["text_sha1"] != text_sha1:
                return False
            self.db["articles"].update(article_id, {
                "relevant": int(bool(relevant)), "relevance": relevance, "matched": dumps(matched),
            })
            self._replace_mentions(article_id, mentions)
            return True

    def has_url(self, canonical_url: str) -> bool:
        """An article with this canonical URL is stored (a backfill need not fetch its archived copy)."""
        return one(self.conn, "select 1 as found from articles where canonical_url = ?", [canonical_url]) is not None

    def reextracted(self, article_id: str, read: dict, record: dict, columns: Iterable[str], *,
                    new_revision: bool, mentions: list[dict] | None) -> bool:
        """Write what extracting an article's archived page again changed (`reextract`), in
        the caller's transaction (a savepoint here). Nothing is written (False) when a crawl
        has changed the row since it was `read` (its text or its record).

        `columns`: those of `record` that differ from the row. With `new_revision` (the
        words changed) the text is a new version: a revision row that names the same record
        as the article (the same page, read by today's extractor), and the signature that
        goes with it; otherwise a changed title or text (the same words, other characters)
        is rewritten in place, in the article and in its latest revision. `mentions`
        replace the stored ones when given.
        """
        with self.db.atomic():
            existing = one(self.conn, "select text_sha1, warc_file, warc_offset, revisions, fetched_at from articles "
                                      "where id = ?", [article_id])
            if existing is None or any(existing[k] != read.get(k) for k in ("text_sha1", "warc_file", "warc_offset")):
                return False
            row = row_from_record({column: record.get(column) for column in columns})
            if new_revision:
                row["revisions"] = (existing["revisions"] or 1) + 1
                row.update(_signature_of(record))
            if row:
                self._update(article_id, row)
            if new_revision:
                self._add_revision(article_id, row["revisions"], {
                    **record, "fetched_at": existing["fetched_at"],
                    **{column: read.get(column) for column in WARC_COLUMNS}}, now_iso())
            elif {"title", "text"} & set(row):
                self.conn.execute(
                    "update revisions set title = ?, text = ? where article_id = ? and text_sha1 is ? and revision = "
                    "(select max(revision) from revisions where article_id = ?)",
                    [record.get("title"), record.get("text"), article_id, existing["text_sha1"], article_id])
            if mentions is not None:
                self._replace_mentions(article_id, mentions)
            return True

    def warc_files(self) -> set[str]:
        """The archive files some article or revision row points into (the ones to keep)."""
        rows = self.conn.execute("select warc_file from articles where warc_file is not null union "
                                 "select warc_file from revisions where warc_file is not null")
        return {row[0] for row in rows}

    def add_found_via(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Add strategies that found an already stored page again in the same run: each
        (fetched URL, strategy) to the article that URL led to. Returns rows changed."""
        by_article: dict[str, set[str]] = {}
        for url, strategy in pairs:
            row = one(self.conn, "select article_id from http_cache where url = ?", [url])
            article = row["article_id"] if row and row["article_id"] else article_id(url)
            by_article.setdefault(article, set()).add(strategy)
        changed = 0
        with self.db.atomic():
            for article, strategies in by_article.items():
                row = one(self.conn, "select found_via from articles where id = ?", [article])
                if row is None:
                    continue  # the page failed, or was not an article
                known = set(json.loads(row["found_via"] or "[]"))
                if not strategies <= known:
                    self._update(article, {"found_via": dumps(sorted(known | strategies))})
                    changed += 1
        return changed

    def insert_many(self, rows: Iterable[tuple[dict, list[dict]]], batch: int = 5000) -> int:
        """Bulk-load new articles with their mentions (benchmarks, imports): one
        transaction per batch instead of one per article."""
        done = 0
        pending: list[tuple[dict, list[dict]]] = []
        for item in rows:
            pending.append(item)
            if len(pending) >= batch:
                done += self._insert_batch(pending)
                pending = []
        return done + (self._insert_batch(pending) if pending else 0)

    def _insert_batch(self, items: list[tuple[dict, list[dict]]]) -> int:
        stamp = now_iso()
        with self.db.atomic():
            self.db["articles"].insert_all(
                (row_from_record(r, first_seen=stamp, last_seen=stamp, revisions=1) for r, _ in items),
                batch_size=500)
            mentions = [_mention_row(r["id"], m) for r, ms in items for m in ms]
            if mentions:
                self.db["mentions"].insert_all(mentions, batch_size=500)
        return len(items)

    # ---- reading ---------------------------------------------------------------

    def get(self, article_id: str) -> dict | None:
        row = one(self.conn, "select * from articles where id = ?", [article_id])
        return decode_row(row) if row else None

    def revision(self, article_id: str, revision: int) -> dict | None:
        """One stored version of an article: its revision row, with the article's URL."""
        return one(self.conn, "select r.*, a.url, a.canonical_url from revisions r join articles a "
                              "on a.id = r.article_id where r.article_id = ? and r.revision = ?",
                   [article_id, revision])

    def revisions_of(self, article_id: str) -> list[dict]:
        """Every stored version of an article, oldest first (without their texts)."""
        return list(self.db.query("select revision, fetched_at, title, text_sha1, warc_file, warc_offset, warc_length "
                                  "from revisions where article_id = ? order by revision", [article_id]))

    def id_for_url(self, url: str) -> str | None:
        """The article a URL leads to: stored under it (fetched or canonical), fetched from
        it (http_cache), or the article its canonical form names."""
        row = one(self.conn, "select id from articles where canonical_url = ? or url = ? limit 1",
                  [canonical_url(url), url])
        if row is None:
            row = one(self.conn, "select article_id as id from http_cache where url = ? and article_id is not null",
                      [url])
        if row is None:
            row = one(self.conn, "select id from articles where id = ?", [article_id(url)])
        return row["id"] if row else None

    def count_without_record(self) -> int:
        """Articles with no record in the archive (crawled with --no-archive, or before it)."""
        return self.conn.execute("select count(*) from articles where warc_file is null").fetchone()[0]

    def mentions_of(self, article_id: str) -> list[dict]:
        rows = self.db.query("select * from mentions where article_id = ? order by entry", [article_id])
        return [{**r, "terms": json.loads(r["terms"]), "positions": json.loads(r["positions"])} for r in rows]

    def select(self, filters: ArticleFilters | None = None, *, order: str = "published_date desc") -> Iterator[dict]:
        """Every article matching the filters, streamed (constant memory)."""
        where, params = (filters or ArticleFilters()).sql()
        sql = f"select * from articles {where} order by {order}, id"
        for row in self.db.query(sql, params):
            yield decode_row(row)

    def archived_rows(self) -> Iterator[dict]:
        """Every article and revision row that names a record in the archive, with what
        its record must match: `table`, `article_id`, `revision` (None for the article),
        `url`, `canonical_url`, `html_sha1` (the article's: the page its record holds),
        `warc_file`, `warc_offset`, `warc_length`, `archive_url` (an archived copy's record is
        of the archive's URL). Streamed in file and offset order (each
        file is read front to back once)."""
        yield from self.db.query(
            "select 'articles' as [table], id as article_id, null as revision, url, canonical_url, html_sha1, "
            "warc_file, warc_offset, warc_length, archive_url from articles where warc_file is not null union all "
            "select 'revisions', r.article_id, r.revision, a.url, a.canonical_url, null, r.warc_file, r.warc_offset, "
            "r.warc_length, r.archive_url from revisions r join articles a on a.id = r.article_id "
            "where r.warc_file is not null order by warc_file, warc_offset, 1")

    def archived_locations(self, filters: ArticleFilters | None = None, *, revisions: bool = False,
                           order: str = "published_date asc") -> Iterator[tuple[str, int, int]]:
        """Where the selected articles' pages are in the archive, (warc_file, offset, length),
        in `order`; with `revisions`, every stored version's record (oldest first) instead
        of the current one's. Articles without a record are left out."""
        where, params = (filters or ArticleFilters()).sql()
        if not revisions:
            where = f"{where} and warc_file is not null" if where else "where warc_file is not null"
            sql = f"select warc_file, warc_offset, warc_length from articles {where} order by {order}, id"
        else:
            sql = (f"select r.warc_file, r.warc_offset, r.warc_length from revisions r join (select id, "
                   f"row_number() over (order by {order}, id) as n from articles {where}) a on a.id = r.article_id "
                   "where r.warc_file is not null order by a.n, r.revision")
        for row in self.conn.execute(sql, params):
            yield row[0], row[1], row[2]

    def for_reextract(self, filters: ArticleFilters | None = None, *, after: str = "",
                      batch: int = 64) -> Iterator[list[dict]]:
        """The selected articles (every column but the signature), by id after `after`, a
        page of `batch` at a time: keyset pages, as for_rematch, since reextract writes
        between reads."""
        where, params = (filters or ArticleFilters()).sql()
        where = f"{where} and id > ?" if where else "where id > ?"
        last = after
        while True:
            rows = [decode_row(row) for row in self.db.query(
                f"select * from articles {where} order by id limit ?", [*params, last, batch])]
            if not rows:
                return
            for row in rows:
                row.pop("signature", None)
            yield rows
            last = rows[-1]["id"]

    def for_rematch(self, batch: int = 500) -> Iterator[dict]:
        """What matching reads and writes for every article, by id, in batches.

        Keyset pages instead of one open cursor: `rematch` writes between reads, and a
        select still stepping over rows the same connection updates is undefined in SQLite.
        """
        last = ""
        while True:
            rows = list(self.db.query(
                "select id, canonical_url, outlet, title, text, text_sha1, language, relevant, relevance, matched "
                "from articles where id > ? order by id limit ?", [last, batch]))
            if not rows:
                return
            for row in rows:
                yield decode_row(row)
            last = rows[-1]["id"]
