"""Aggregates over the stored articles: counts by outlet, entry, week and story, for
the report and `stats`."""

from __future__ import annotations

import sqlite_utils

from scraper.store.filters import ArticleFilters
from scraper.store.rows import decode_row
from scraper.store.runs import Runs


class Reports:
    def __init__(self, db: sqlite_utils.Database, runs: Runs, path: str) -> None:
        self.db = db
        self.runs = runs
        self.path = path

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
            groups.setdefault(row["cluster_id"] or row["id"], []).append(decode_row(row))
        ranked = sorted(groups.items(), key=lambda item: (
            -len(item[1]), -max(a["relevance"] or 0 for a in item[1]), item[1][0]["published_date"] or "", item[0]))
        return [{"cluster_id": key, "articles": members} for key, members in ranked]


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
            "by_fetched_from": dict(self.db.execute(
                "select fetched_from, count(*) from articles group by 1 order by 2 desc, 1").fetchall()),
            "by_found_via": self.found_via_counts(),
            "unlisted_outlets": self.unlisted_outlets(),
            "by_language": dict(self.counts_by("language")),
            "by_entry": {entry: n for entry, kind, n in entries if kind != "supporting"},
            "by_supporting": {entry: n for entry, kind, n in entries if kind == "supporting"},
            "undated": self.count("where published_date is null"),
            "first_published": dates[0],
            "last_published": dates[1],
            "unique_stories": stories,
            "duplicates": total - stories,
            "run_count": self.runs.count(),
            "last_run": (self.runs.recent(1) or [None])[0],
            "runs": [self._run_summary(run) for run in self.runs.recent(10)],
        }

    def unlisted_outlets(self) -> dict[str, int]:
        """Outlets found by discovery that sources.toml does not list (kind `other`)."""
        row = self.db.execute("select count(distinct outlet), count(*), coalesce(sum(relevant), 0) from articles "
                              "where outlet_kind = 'other'").fetchone()
        relevant_outlets = self.db.execute("select count(distinct outlet) from articles where outlet_kind = 'other' "
                                           "and relevant = 1").fetchone()[0]
        return {"outlets": row[0], "articles": row[1], "relevant": row[2], "outlets_with_relevant": relevant_outlets}

    def found_via_counts(self) -> dict[str, dict[str, int]]:
        """{way found: {"articles": n, "relevant": n}}: an article found several ways counts for each."""
        rows = self.db.execute("select way.value, count(*), sum(articles.relevant) from articles, "
                               "json_each(articles.found_via) as way group by 1 order by 2 desc, 1").fetchall()
        return {way: {"articles": n, "relevant": int(relevant or 0)} for way, n, relevant in rows}

    def added_since(self, stamp: str) -> dict[str, dict[str, int]]:
        """What a run that started at `stamp` added, by the ways its new articles were found:
        {way: {"articles": new rows, "relevant": of them relevant, "archived": of them stored
        from an archive}}, and archived copies kept beside live articles ("revisions")."""
        rows = self.db.execute(
            "select way.value, count(*), sum(articles.relevant), sum(articles.fetched_from != 'live') "
            "from articles, json_each(articles.found_via) as way where articles.first_seen >= ? "
            "group by 1 order by 1", [stamp]).fetchall()
        added = {way: {"articles": n, "relevant": int(relevant or 0), "archived": int(archived or 0)}
                 for way, n, relevant, archived in rows}
        copies = self.db.execute(
            "select revisions.fetched_from, count(*) from revisions "
            "join articles on articles.id = revisions.article_id "
            "where revisions.fetched_from != 'live' and articles.fetched_from = 'live' and revisions.fetched_at >= ? "
            "group by 1", [stamp]).fetchall()
        for source, n in copies:
            added.setdefault(source, {"articles": 0, "relevant": 0, "archived": 0})["copies_of_live"] = n
        return added

    def unique_stories(self) -> int:
        """Stories once copies (syndicated, reworded, exact) are folded into their cluster."""
        return self.db.execute("select count(distinct coalesce(cluster_id, id)) from articles").fetchone()[0]


    @staticmethod
    def _run_summary(run: dict) -> dict:
        return {
            "id": run["id"], "status": run["status"], "started": run["started"], "finished": run["finished"],
            "pages_fetched": run["pages_fetched"] or 0, "pages_downloaded": run.get("pages_downloaded") or 0,
            "not_modified": run.get("not_modified") or 0, "new_articles": run["articles_new"] or 0,
            "updated_articles": run["articles_updated"] or 0, "new_relevant": run["relevant_new"] or 0,
            "errors": run["errors"], "skipped": run.get("skipped") or {},
        }

