"""The database schema: every table, index and trigger, as named migrations
(sqlite-utils' `_sqlite_migrations` table records which ran).

Migrations are history: each names the columns it creates, as they were when it was
written, and never changes once released; a change is a new migration. The current
list of article fields is `scraper.record.FIELDS` (a test checks the two agree).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("newswatch")

# The articles table as the first release created it (later migrations add columns).
ARTICLES_0001: dict[str, type] = {
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

@migrations(name="0001_articles_mentions_runs")
def _create_tables(db: sqlite_utils.Database) -> None:
    db["articles"].create(ARTICLES_0001, pk="id", not_null={"canonical_url", "url"})
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


@migrations(name="0009_alerts")
def _create_alerts(db: sqlite_utils.Database) -> None:
    """The alert queue (one row per article to announce, one flag per channel). Earlier
    versions created it on first use, outside the migrations: kept as it is then."""
    db["alerts"].create(
        {
            "id": int,
            "article_id": str,
            "run_id": int,
            "created": str,
            "payload": str,
            "webhook_sent": int,
            "email_sent": int,
            "atom_written": int,
        },
        pk="id",
        not_null={"article_id", "payload"},
        defaults={"webhook_sent": 0, "email_sent": 0, "atom_written": 0},
        if_not_exists=True,
    )
    db["alerts"].create_index(["article_id"], unique=True, if_not_exists=True)


@migrations(name="0010_runs_skipped")
def _add_skipped(db: sqlite_utils.Database) -> None:
    """Pages a run fetched and did not keep, by reason (index, no_text, not_relevant, ...)."""
    db["crawl_runs"].add_column("skipped", str)


@migrations(name="0011_warc_locations")
def _add_warc_locations(db: sqlite_utils.Database) -> None:
    """Where each stored page is in the WARC archive (scraper.archive): the article's
    current text, every revision, and each URL's last capture (which a re-fetch that finds
    the page unchanged revisits)."""
    for table in ("articles", "revisions", "http_cache"):
        for column, kind in (("warc_file", str), ("warc_offset", int), ("warc_length", int)):
            db[table].add_column(column, kind)


@migrations(name="0012_archive_folder_reextract_runs")
def _add_evidence_state(db: sqlite_utils.Database) -> None:
    """Where the database's WARC archive is (`meta`: a crawl records the folder it archives
    into, so verify, show, export and reextract find the demo's data/demo-warc/ as well as
    warc/ beside the database), and `reextract` runs: the cursor of each (the last article
    id done, committed with that batch's updates) and its changes, so a killed run started
    again continues where it stopped and still reports every change."""
    db.executescript("""
        create table meta (key text primary key, value text, updated text);
        create table reextract_runs (id integer primary key, started text not null, finished text,
                                     status text not null, selection text not null, cursor text not null default '',
                                     counts text not null default '{}');
        create table reextract_changes (run_id integer not null references reextract_runs (id),
                                        article_id text not null, change text not null,
                                        primary key (run_id, article_id));
    """)


@migrations(name="0013_provenance_discovery")
def _add_provenance_and_discovery(db: sqlite_utils.Database) -> None:
    """Where each stored text came from (the live site or an archive) on articles and
    revisions; and the discovery ledger that lets a backfill killed at any moment resume:
    one cursor per (source, query, window) and every URL a finished window handed to the
    crawl, until its fetch settled."""
    db["articles"].add_column("fetched_from", str, not_null_default="live")
    for column in ("archive_url", "archived_at", "discovered_at"):
        db["articles"].add_column(column, str)
    db["revisions"].add_column("fetched_from", str, not_null_default="live")
    for column in ("archive_url", "archived_at"):
        db["revisions"].add_column(column, str)
    db["articles"].create_index(["fetched_from"])
    db["discovery_cursors"].create(
        {"source": str, "query": str, "window": str, "status": str, "resume_key": str, "returned": int,
         "updated": str},
        pk=("source", "query", "window"), not_null={"status"},
    )
    db["discovered_urls"].create(
        {"url": str, "source": str, "query": str, "window": str, "lead": str, "found": str, "settled": int},
        pk="url", not_null={"source", "lead"}, defaults={"settled": 0},
    )
    db["discovered_urls"].create_index(["settled", "source"])
