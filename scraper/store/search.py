"""Full-text search over titles and main texts (SQLite FTS5), ranked by bm25."""

from __future__ import annotations

import sqlite3

import sqlite_utils

from scraper.errors import NewswatchError
from scraper.store.filters import ArticleFilters
from scraper.store.rows import decode_row

FTS_SYNTAX = ' (syntax: "a phrase", a OR b, a NOT b, NEAR(a b, 10), prefix*, title:word)'
FTS_HINTS = (
    ("unterminated string", "a double quote is not closed"),
    ("no such column", "only title: and text: may prefix a word"),
    ("expected integer", "NEAR's distance must be a whole number, as in NEAR(a b, 10)"),
    ("unknown special query", "a query cannot start with * or a bare operator"),
    ("syntax error", "an operator (AND, OR, NOT, NEAR) needs words on both sides and brackets must pair"),
)


def explain_fts_error(query: str, message: str) -> str:
    """SQLite's terse FTS5 parser errors, turned into one line a user can act on."""
    for marker, hint in FTS_HINTS:
        if marker in message:
            return f"cannot parse search query {query!r}: {hint} ({message}){FTS_SYNTAX}"
    return f"search failed for {query!r}: {message}"




class Search:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._has_filter_table: bool | None = None

    def __call__(self, query: str, filters: ArticleFilters | None = None, limit: int = 20) -> list[dict]:
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
            raise NewswatchError(explain_fts_error(query, str(exc))) from None
        return [decode_row(r) for r in rows]

    def _filter_table(self) -> bool:
        if self._has_filter_table is None:
            self._has_filter_table = self.db.execute(
                "select 1 from sqlite_master where type = 'table' and name = 'article_filters'").fetchone() is not None
        return self._has_filter_table

