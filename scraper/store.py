"""The article database: the only module that speaks SQL.

Built on sqlite-utils: named migrations, upserts keyed by the canonical URL's identity,
an FTS5 index over title and text kept in sync by triggers, and WAL so readers
(search, report, Datasette) work while a crawl writes.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from scraper.errors import NewswatchError

migrations = Migrations("newswatch")

ARTICLE_COLUMNS: dict[str, type] = {
    "id": str,
    "canonical_url": str,
    "url": str,
    "outlet": str,
    "outlet_kind": str,
    "title": str,
    "text": str,
    "authors": str,
    "published": str,
    "published_date": str,
    "published_source": str,
    "published_precision": str,
    "modified": str,
    "language": str,
    "description": str,
    "image": str,
    "section": str,
    "tags": str,
    "site_name": str,
    "word_count": int,
    "relevant": int,
    "relevance": float,
    "matched": str,
    "found_via": str,
    "html_sha1": str,
    "text_sha1": str,
    "fetched_at": str,
    "first_seen": str,
    "last_seen": str,
    "revisions": int,
}
JSON_COLUMNS = ("authors", "tags", "matched", "found_via")
REMEMBER_URL = """
    insert into http_cache (url, etag, last_modified, body_sha1, article_id, updated) values (?, ?, ?, ?, ?, ?)
    on conflict(url) do update set etag = excluded.etag, last_modified = excluded.last_modified,
        body_sha1 = excluded.body_sha1, article_id = excluded.article_id, updated = excluded.updated
"""


@migrations(name="0001_articles_mentions_runs")
def _create_tables(db: sqlite_utils.Database) -> None:
    db["articles"].create(ARTICLE_COLUMNS, pk="id", not_null={"canonical_url", "url"})
    db["articles"].create_index(["canonical_url"], unique=True)
    for column in ("published_date", "outlet", "relevant", "language", "outlet_kind"):
        db["articles"].create_index([column])
    db["mentions"].create(
        {
            "article_id": str,
            "entry": str,
            "kind": str,
            "count": int,
            "terms": str,
            "snippet": str,
            "positions": str,
        },
        pk=("article_id", "entry"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["mentions"].create_index(["entry"])
    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "spiders": str,
            "outlets": str,
            "pages_fetched": int,
            "articles_seen": int,
            "articles_new": int,
            "articles_updated": int,
            "relevant_new": int,
            "not_articles": int,
            "errors": str,
            "details": str,
        },
        pk="id",
    )


@migrations(name="0002_articles_fts")
def _create_fts(db: sqlite_utils.Database) -> None:
    db["articles"].enable_fts(
        ["title", "text"], create_triggers=True, tokenize="porter unicode61 remove_diacritics 2"
    )


@migrations(name="0003_http_validators_revisions")
def _create_incremental(db: sqlite_utils.Database) -> None:
    """What a re-crawl needs: HTTP validators per URL (conditional GET), every
    revision of an article's text, and the run counters for 304s and full bodies."""
    db["http_cache"].create(
        {"url": str, "etag": str, "last_modified": str, "body_sha1": str, "article_id": str, "updated": str},
        pk="url",
    )
    db["revisions"].create(
        {"article_id": str, "revision": int, "fetched_at": str, "title": str, "text": str, "text_sha1": str},
        pk=("article_id", "revision"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    for column in ("not_modified", "pages_downloaded", "articles_unchanged"):
        db["crawl_runs"].add_column(column, int)


@migrations(name="0004_near_duplicate_clusters")
def _create_clusters(db: sqlite_utils.Database) -> None:
    """Near-duplicate clusters: each article's MinHash signature (and the text it was
    computed from), its cluster (the id of the earliest-published member) and whether
    it is that original."""
    for column, kind in (("signature", str), ("signature_of", str), ("cluster_id", str), ("is_original", int),
                         ("similarity_to_original", float)):
        db["articles"].add_column(column, kind)
    db["articles"].create_index(["cluster_id"])


READER_MMAP_BYTES = 1 << 30

FTS_SYNTAX = ' (syntax: "a phrase", a OR b, a NOT b, NEAR(a b, 10), prefix*, title:word)'
FTS_HINTS = (
    ("unterminated string", "a double quote is not closed"),
    ("no such column", "only title: and text: may prefix a word"),
    ("expected integer", "NEAR's distance must be a whole number, as in NEAR(a b, 10)"),
    ("unknown special query", "a query cannot start with * or a bare operator"),
    ("syntax error", "an operator (AND, OR, NOT, NEAR) needs words on both sides and brackets must pair"),
)


def _explain_fts_error(query: str, message: str) -> str:
    """SQLite's terse FTS5 parser errors, turned into one line a user can act on."""
    for marker, hint in FTS_HINTS:
        if marker in message:
            return f"cannot parse search query {query!r}: {hint} ({message}){FTS_SYNTAX}"
    return f"search failed for {query!r}: {message}"


@migrations(name="0005_published_month")
def _add_published_month(db: sqlite_utils.Database) -> None:
    """A month column for browsing and faceting (Datasette), computed by SQLite itself."""
    db.execute("alter table articles add column published_month text "
               "generated always as (substr(published_date, 1, 7)) virtual")


FILTER_COLUMNS = ("id", "outlet", "outlet_kind", "language", "published_date", "relevant")


@migrations(name="0006_article_filters")
def _add_filter_table(db: sqlite_utils.Database) -> None:
    """What search filters on, in a narrow table keyed by the article's rowid (the FTS
    index's rowid) and kept in step by triggers. In `articles` those columns sit after the
    long text, so filtering thousands of FTS matches read each row's overflow pages: a
    filtered search on 200,000 articles took ~100 ms instead of ~20."""
    columns = ", ".join(FILTER_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FILTER_COLUMNS)
    assignments = ", ".join(f"{c} = new.{c}" for c in FILTER_COLUMNS)
    db.executescript(f"""
        create table article_filters (article_rowid integer primary key, id text not null, outlet text,
                                      outlet_kind text, language text, published_date text, relevant integer);
        insert into article_filters (article_rowid, {columns}) select rowid, {columns} from articles;
        create trigger article_filters_ai after insert on articles begin
            insert into article_filters (article_rowid, {columns}) values (new.rowid, {new});
        end;
        create trigger article_filters_ad after delete on articles begin
            delete from article_filters where article_rowid = old.rowid;
        end;
        create trigger article_filters_au after update of {columns} on articles begin
            update article_filters set {assignments} where article_rowid = new.rowid;
        end;
    """)


@migrations(name="0007_fts_follows_title_and_text")
def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """sqlite-utils' update trigger re-indexed an article's text on every update of any
    column: each re-seen article (last_seen), each cluster change. Only title and text
    feed the index."""
    db.executescript("""
        drop trigger if exists articles_au;
        create trigger articles_au after update of title, text on articles begin
          insert into articles_fts (articles_fts, rowid, title, text) values('delete', old.rowid, old.title, old.text);
          insert into articles_fts (rowid, title, text) values (new.rowid, new.title, new.text);
        end;
    """)


@migrations(name="0008_cluster_index")
def _add_cluster_index(db: sqlite_utils.Database) -> None:
    """The near-duplicate index (scraper.clusterindex), so recluster after a crawl places
    only the new and changed articles instead of holding every signature in memory:
    LSH band keys, and a narrow copy of each clustered article's signature and cluster
    (reading those from `articles` would read past each long text)."""
    db.executescript("""
        alter table articles add column clustered_sha1 text;
        create index idx_articles_unclustered on articles (id) where clustered_sha1 is not text_sha1;
        create table cluster_nodes (node integer primary key, article_id text not null unique, published text,
                                    text_sha1 text, signature blob not null, cluster_id text, is_original integer,
                                    similarity_to_original real);
        create index idx_cluster_nodes_cluster on cluster_nodes (cluster_id);
        create table lsh_bands (key integer not null, node integer not null, primary key (key, node)) without rowid;
    """)


@dataclass(frozen=True)
class SaveResult:
    """What storing one article did: 'new', 'updated' (text changed) or 'unchanged'."""

    article_id: str
    status: str
    relevant: bool


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value if value is not None else [], ensure_ascii=False)


def _decode_row(row: dict) -> dict:
    for column in JSON_COLUMNS:
        if column in row and isinstance(row[column], str):
            with contextlib.suppress(json.JSONDecodeError):
                row[column] = json.loads(row[column])
    if "relevant" in row and row["relevant"] is not None:
        row["relevant"] = bool(row["relevant"])
    return row


def _signature_of(record: dict) -> dict:
    """The near-duplicate signature computed with the record (by an extraction worker),
    when it belongs to this text; recluster computes the missing ones."""
    if record.get("signature") and record.get("signature_of") == record.get("text_sha1"):
        return {"signature": record["signature"], "signature_of": record["signature_of"]}
    return {}


class Store:
    """An article database file; opening it applies any pending migrations."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self._has_filter_table: bool | None = None
        if readonly and not self.path.exists():
            raise NewswatchError(f"{self.path}: database not found (run a crawl first)")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(self.path), timeout=30)
            conn.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            else:
                # readers (search, report, export) read pages in place instead of copying them
                # through read() into a 2 MB cache: the FTS index of 200,000 articles does not fit.
                # Not for the crawl's writer: touched pages would count in its resident memory.
                conn.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
            conn.execute("PRAGMA foreign_keys = ON")
            self.db = sqlite_utils.Database(conn)
            if not readonly:
                migrations.apply(self.db)
            elif not self.db["articles"].exists():
                raise NewswatchError(f"{self.path}: not a newswatch database (no articles table)")
        except sqlite3.DatabaseError as exc:
            raise NewswatchError(f"{self.path}: cannot open database: {exc}") from None

    def close(self) -> None:
        self.db.conn.close()

    # ---- writing -------------------------------------------------------------

    def save_article(self, record: dict, mentions: Iterable[dict], *, seen_at: str | None = None) -> SaveResult:
        """Insert or update one article by its id, in one transaction with its mentions.

        A page seen again with the same text only refreshes last_seen and how it was
        found; changed text replaces the fields and bumps `revisions`.
        """
        with self.db.atomic():
            return self._save(record, mentions, seen_at or now_iso())

    def save_articles(self, items: Iterable[tuple[dict, Iterable[dict]]], *,
                      seen_at: str | None = None) -> list[SaveResult]:
        """Several articles (each as save_article would store it) in one transaction.

        A crawl's group commit: one commit, and one FTS segment, per batch instead of per
        page. Either the whole batch is stored or none of it (the URLs' validators go in
        with their articles, so a crawl killed before the commit fetches them again).
        """
        seen_at = seen_at or now_iso()
        with self.db.atomic():
            return [self._save(record, mentions, seen_at) for record, mentions in items]

    def _save(self, record: dict, mentions: Iterable[dict], seen_at: str) -> SaveResult:
        article_id = record["id"]
        existing = self._save_state(article_id)
        if existing is None:
            row = self._row_from_record(record, first_seen=seen_at, last_seen=seen_at, revisions=1)
            row.update(_signature_of(record))
            self._write("insert into", "articles", row)
            self._replace_mentions(article_id, mentions, fresh=True)
            self._add_revision(article_id, 1, record, seen_at)
            self._remember_article_url(record, seen_at)
            return SaveResult(article_id, "new", bool(record.get("relevant")))
        found_via = sorted(set(json.loads(existing["found_via"] or "[]")) | set(record["found_via"]))
        if existing["text_sha1"] == record.get("text_sha1"):
            self._update_article(article_id, {"last_seen": seen_at, "found_via": _dumps(found_via)})
            self._remember_article_url(record, seen_at)
            return SaveResult(article_id, "unchanged", bool(existing["relevant"]))
        row = self._row_from_record(
            {**record, "found_via": found_via},
            first_seen=existing["first_seen"],
            last_seen=seen_at,
            revisions=(existing["revisions"] or 1) + 1,
        )
        row.update(_signature_of(record))
        self._update_article(article_id, row)
        self._replace_mentions(article_id, mentions)
        self._add_revision(article_id, row["revisions"], record, seen_at)
        self._remember_article_url(record, seen_at)
        return SaveResult(article_id, "updated", bool(record.get("relevant")))

    # The per-article write path runs once per crawled page in the reactor thread: plain
    # parameterised statements on the connection, without sqlite-utils' per-call table
    # introspection and savepoints (the caller's transaction already covers them).

    def _one(self, sql: str, params: list) -> dict | None:
        cursor = self.db.conn.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    def _write(self, verb: str, table: str, row: dict) -> None:
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" for _ in row)
        self.db.conn.execute(f"{verb} [{table}] ({columns}) values ({marks})", list(row.values()))

    def _update_article(self, article_id: str, fields: dict) -> None:
        assignments = ", ".join(f"[{c}] = ?" for c in fields)
        self.db.conn.execute(f"update articles set {assignments} where id = ?", [*fields.values(), article_id])

    def _get_raw(self, article_id: str) -> dict | None:
        return self._one("select * from articles where id = ?", [article_id])

    def _save_state(self, article_id: str) -> dict | None:
        """What _save compares an incoming article with (not its long text)."""
        return self._one("select found_via, text_sha1, relevant, first_seen, revisions from articles where id = ?",
                         [article_id])

    @staticmethod
    def _row_from_record(record: dict, **extra: Any) -> dict:
        row = {column: record.get(column) for column in ARTICLE_COLUMNS if column in record}
        for column in JSON_COLUMNS:
            if column in row:
                row[column] = _dumps(row[column])
        if "relevant" in row:
            row["relevant"] = int(bool(row["relevant"]))
        row.update(extra)
        return row

    def _replace_mentions(self, article_id: str, mentions: Iterable[dict], *, fresh: bool = False) -> None:
        if not fresh:  # a new article has no mentions to delete
            self.db.conn.execute("delete from mentions where article_id = ?", [article_id])
        rows = [
            {
                "article_id": article_id,
                "entry": m["entry"],
                "kind": m["kind"],
                "count": m["count"],
                "terms": _dumps(m.get("terms")),
                "snippet": m.get("snippet"),
                "positions": _dumps(m.get("positions")),
            }
            for m in mentions
        ]
        for row in rows:
            self._write("insert or replace into", "mentions", row)

    def update_match(self, article_id: str, relevant: bool, relevance: float, matched: list[str],
                     mentions: Iterable[dict], *, text_sha1: str | None = None) -> bool:
        """Replace one article's match verdict and its mentions in one transaction (for
        `rematch`): a reader never sees the new verdict with the old evidence. With
        `text_sha1`, nothing is written (False) if a crawl has changed the text since the
        verdict was computed from it."""
        with self.db.atomic():
            existing = self._get_raw(article_id)
            if existing is None:
                raise NewswatchError(f"article {article_id} not found in {self.path}")
            if text_sha1 is not None and existing["text_sha1"] != text_sha1:
                return False
            self.db["articles"].update(article_id, {
                "relevant": int(bool(relevant)), "relevance": relevance, "matched": _dumps(matched),
            })
            self._replace_mentions(article_id, mentions)
            return True

    def _add_revision(self, article_id: str, revision: int, record: dict, seen_at: str) -> None:
        self._write("insert or replace into", "revisions", {
            "article_id": article_id, "revision": revision, "fetched_at": record.get("fetched_at") or seen_at,
            "title": record.get("title"), "text": record.get("text"), "text_sha1": record.get("text_sha1")})

    def _remember_article_url(self, record: dict, seen_at: str) -> None:
        """The fetched URL's validators, written with the article itself: a crawl killed
        right after this commit does not fetch the page in full again."""
        validators = record.get("validators") or {}
        self.db.conn.execute(REMEMBER_URL, [record["url"], validators.get("etag"), validators.get("last_modified"),
                                            record.get("html_sha1"), record["id"], seen_at])

    def validators(self, url: str) -> dict | None:
        """ETag / Last-Modified / body hash last seen for a URL, for conditional GET."""
        return self._one("select * from http_cache where url = ?", [url])

    def remember_validators(self, rows: Iterable[dict]) -> int:
        """Store validators of navigation pages (feeds, sitemaps, listings) in one go;
        called only when a run finished, so a killed run re-walks them next time."""
        stamp = now_iso()
        batch = [{**row, "updated": stamp} for row in rows]
        if batch:
            with self.db.atomic():
                self.db["http_cache"].upsert_all(batch, pk="url", alter=False)
        return len(batch)

    def revisions_of(self, article_id: str) -> list[dict]:
        return list(self.db.query(
            "select * from revisions where article_id = ? order by revision", [article_id]))

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
                (self._row_from_record(r, first_seen=stamp, last_seen=stamp, revisions=1) for r, _ in items),
                batch_size=500)
            mentions = [{"article_id": r["id"], "entry": m["entry"], "kind": m["kind"], "count": m["count"],
                         "terms": _dumps(m.get("terms")), "snippet": m.get("snippet"),
                         "positions": _dumps(m.get("positions"))} for r, ms in items for m in ms]
            if mentions:
                self.db["mentions"].insert_all(mentions, batch_size=500)
        return len(items)

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a crawl that was killed; call only while holding the crawl lock."""
        with self.db.atomic():
            cursor = self.db.execute(
                "update crawl_runs set status = 'interrupted' where status = 'running' and finished is null")
        return cursor.rowcount

    def start_run(self, spiders: list[str], outlets: list[str]) -> int:
        with self.db.atomic():
            table = self.db["crawl_runs"].insert(
                {
                    "started": now_iso(),
                    "status": "running",
                    "spiders": _dumps(spiders),
                    "outlets": _dumps(outlets),
                }
            )
        return int(table.last_pk)

    def finish_run(self, run_id: int, status: str, counters: dict[str, int], errors: dict[str, int],
                   details: dict | None = None) -> None:
        fields = {
            "finished": now_iso(),
            "status": status,
            "errors": json.dumps(errors, sort_keys=True),
            "details": json.dumps(details or {}, sort_keys=True),
        }
        fields.update({k: int(v) for k, v in counters.items() if k in self.db["crawl_runs"].columns_dict})
        with self.db.atomic():
            self.db["crawl_runs"].update(run_id, fields)

    # ---- reading ---------------------------------------------------------------

    def get_article(self, article_id: str) -> dict | None:
        row = self._get_raw(article_id)
        return _decode_row(row) if row else None

    def mentions_for(self, article_id: str) -> list[dict]:
        rows = self.db.query("select * from mentions where article_id = ? order by entry", [article_id])
        return [{**r, "terms": json.loads(r["terms"]), "positions": json.loads(r["positions"])} for r in rows]

    def articles(self, filters: ArticleFilters | None = None, *, order: str = "published_date desc") -> Iterator[dict]:
        """Every article matching the filters, streamed (constant memory)."""
        where, params = (filters or ArticleFilters()).sql()
        sql = f"select * from articles {where} order by {order}, id"
        for row in self.db.query(sql, params):
            yield _decode_row(row)

    def iter_for_rematch(self, batch: int = 500) -> Iterator[dict]:
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
                yield _decode_row(row)
            last = rows[-1]["id"]

    def search(self, query: str, filters: ArticleFilters | None = None, limit: int = 20) -> list[dict]:
        """Full-text search (FTS5 syntax) ranked by bm25, with highlighted snippets."""
        where, params = (filters or ArticleFilters()).sql(table="articles")
        # Rank rowids first, then build snippets for the top hits only (CROSS JOIN keeps
        # that order: left to itself, SQLite scanned every match a second time). Without filters
        # the ranking never touches the articles table; with filters each match is
        # joined to its narrow row of article_filters (named articles here, so the
        # filters' SQL applies unchanged), not to the wide article row.
        if where:
            if self._filter_table():
                source = "articles_fts join article_filters as articles on articles.article_rowid = articles_fts.rowid"
            else:  # a database opened read-only before migration 0006 ran on it
                source = "articles_fts join articles on articles.rowid = articles_fts.rowid"
            where = where.replace("where", "and", 1)
        else:
            source = "articles_fts"
        sql = f"""
            with top as (
                select articles_fts.rowid as rowid, bm25(articles_fts) as rank
                from {source}
                where articles_fts match ? {where}
                order by rank limit ?
            )
            select articles.*, top.rank as rank, snippet(articles_fts, 1, '[', ']', ' … ', 24) as snippet
            from top cross join articles_fts on articles_fts.rowid = top.rowid
                     cross join articles on articles.rowid = top.rowid
            where articles_fts match ?
            order by top.rank
        """
        if not query.strip():
            raise NewswatchError("empty search query" + FTS_SYNTAX)
        try:
            rows = list(self.db.query(sql, [query, *params, limit, query]))
        except sqlite3.OperationalError as exc:
            raise NewswatchError(_explain_fts_error(query, str(exc))) from None
        return [_decode_row(r) for r in rows]

    def _filter_table(self) -> bool:
        if self._has_filter_table is None:
            self._has_filter_table = self.db.execute(
                "select 1 from sqlite_master where type = 'table' and name = 'article_filters'").fetchone() is not None
        return self._has_filter_table

    def count(self, sql_where: str = "", params: list | None = None) -> int:
        return self.db.execute(f"select count(*) from articles {sql_where}", params or []).fetchone()[0]

    def counts_by(self, column: str, filters: ArticleFilters | None = None) -> list[tuple[str, int]]:
        if column not in ("outlet", "outlet_kind", "language", "published_date", "section"):
            raise ValueError(f"cannot group by {column}")
        where, params = (filters or ArticleFilters()).sql()
        sql = f"select {column}, count(*) from articles {where} group by {column} order by 2 desc, 1"
        return [(r[0], r[1]) for r in self.db.execute(sql, params).fetchall()]

    def counts_by_entry(self, filters: ArticleFilters | None = None) -> list[tuple[str, str, int]]:
        """(entry, kind, articles) for every watchlist entry with at least one relevant article."""
        where, params = (filters or ArticleFilters(relevant=True)).sql()
        sql = f"""
            select m.entry, m.kind, count(distinct m.article_id)
            from mentions m join articles on articles.id = m.article_id
            {where} group by m.entry, m.kind order by 3 desc, 1
        """
        return [(r[0], r[1], r[2]) for r in self.db.execute(sql, params).fetchall()]

    def weekly_counts(self, filters: ArticleFilters | None = None) -> list[tuple[str, str, int]]:
        """(entry, week, articles) per documentary / featured person and week (the Monday it
        starts): the report's coverage-over-time chart, since a team reviews coverage weekly.
        Supporting entities and undated articles are left out."""
        where, params = (filters or ArticleFilters(relevant=True)).sql()
        where = f"{where} and" if where else "where"
        sql = f"""
            select m.entry, date(articles.published_date, 'weekday 0', '-6 days') as week,
                   count(distinct m.article_id)
            from mentions m join articles on articles.id = m.article_id
            {where} m.kind != 'supporting' and articles.published_date is not null
            group by m.entry, week order by m.entry, week
        """
        return [(r[0], r[1], r[2]) for r in self.db.execute(sql, params).fetchall() if r[1]]

    def clusters_of_relevant(self, filters: ArticleFilters | None = None) -> list[dict]:
        """The matching articles grouped by near-duplicate cluster, biggest story first: a
        syndicated or reworded copy is the same story to a reader. Each group is
        `{"cluster_id", "articles"}`, the original (else the earliest member) first."""
        where, params = (filters or ArticleFilters(relevant=True)).sql()
        sql = f"""
            select id, cluster_id, is_original, similarity_to_original, outlet, title, url, published_date,
                   relevance, matched
            from articles {where}
            order by coalesce(cluster_id, id), coalesce(is_original, 0) desc, published_date, id
        """
        groups: dict[str, list[dict]] = {}
        for row in self.db.query(sql, params):
            groups.setdefault(row["cluster_id"] or row["id"], []).append(_decode_row(row))
        ranked = sorted(groups.items(), key=lambda item: (
            -len(item[1]), -max(a["relevance"] or 0 for a in item[1]), item[1][0]["published_date"] or "", item[0]))
        return [{"cluster_id": key, "articles": members} for key, members in ranked]

    def runs(self, limit: int = 20) -> list[dict]:
        rows = self.db.query("select * from crawl_runs order by id desc limit ?", [limit])
        return [{**r, "errors": json.loads(r["errors"] or "{}")} for r in rows]

    def stats(self) -> dict:
        """Headline numbers about the database, for `newswatch stats`."""
        total = self.count()
        entries = self.counts_by_entry()
        stories = self.unique_stories()
        relevant = self.count("where relevant = 1")
        dates = self.db.execute(
            "select min(published_date), max(published_date) from articles where published_date is not null"
        ).fetchone()
        return {
            "database": str(self.path),
            "articles": total,
            "relevant": relevant,
            "outlets": dict(self.counts_by("outlet")),
            "relevant_by_outlet": dict(self.counts_by("outlet", ArticleFilters(relevant=True))),
            "by_kind": dict(self.counts_by("outlet_kind")),
            "by_language": dict(self.counts_by("language")),
            "by_entry": {entry: n for entry, kind, n in entries if kind != "supporting"},
            "by_supporting": {entry: n for entry, kind, n in entries if kind == "supporting"},
            "undated": self.count("where published_date is null"),
            "first_published": dates[0],
            "last_published": dates[1],
            "unique_stories": stories,
            "duplicates": total - stories,
            "run_count": self.db["crawl_runs"].count,
            "last_run": (self.runs(1) or [None])[0],
            "runs": [self._run_summary(run) for run in self.runs(10)],
        }

    def unique_stories(self) -> int:
        """Stories once copies (syndicated, reworded, exact) are folded into their cluster."""
        return self.db.execute("select count(distinct coalesce(cluster_id, id)) from articles").fetchone()[0]

    def recluster(self, *, rebuild: bool = False) -> int:
        """Bring the near-duplicate clusters up to date: new and changed articles are placed
        through the LSH index (scraper.clusterindex), with the same result as clustering the
        whole database, which `rebuild` does. Returns how many articles changed cluster."""
        from scraper.clusterindex import ClusterIndex

        index = ClusterIndex(self.db.conn)
        return index.rebuild() if rebuild else index.update()

    @staticmethod
    def _run_summary(run: dict) -> dict:
        return {
            "id": run["id"], "status": run["status"], "started": run["started"], "finished": run["finished"],
            "pages_fetched": run["pages_fetched"] or 0, "pages_downloaded": run.get("pages_downloaded") or 0,
            "not_modified": run.get("not_modified") or 0, "new_articles": run["articles_new"] or 0,
            "updated_articles": run["articles_updated"] or 0, "new_relevant": run["relevant_new"] or 0,
            "errors": run["errors"],
        }


@dataclass
class ArticleFilters:
    """The filters shared by search, export and report, turned into one SQL where-clause."""

    person: str | None = None
    outlet: str | None = None
    kind: str | None = None
    language: str | None = None
    since: str | None = None
    until: str | None = None
    relevant: bool | None = None

    def sql(self, table: str = "articles") -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if self.person:
            clauses.append(
                f"{table}.id in (select article_id from mentions where entry = ? collate nocase)"
            )
            params.append(self.person)
        for column, value in (("outlet", self.outlet), ("outlet_kind", self.kind), ("language", self.language)):
            if value:
                clauses.append(f"{table}.{column} = ? collate nocase")
                params.append(value)
        if self.since:
            clauses.append(f"{table}.published_date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{table}.published_date <= ?")
            params.append(self.until)
        if self.relevant is not None:
            clauses.append(f"{table}.relevant = ?")
            params.append(int(self.relevant))
        return ("where " + " and ".join(clauses) if clauses else ""), params
