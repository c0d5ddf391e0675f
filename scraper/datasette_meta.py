"""Datasette metadata for `newswatch serve`: titles and descriptions of the tables and
columns, default facets and canned queries, so a communications team can browse the
database without knowing its schema.

Pure: `build_metadata()` returns a dict that `newswatch serve` writes to a temporary JSON
file for `datasette --metadata`. The canned queries are Datasette configuration (read-only
SQL a user runs from the browser), not application SQL, which stays in `scraper.store`.
"""

from __future__ import annotations

ARTICLE_COLUMNS = {
    "id": "Stable id of the article (a hash of its canonical URL).",
    "canonical_url": "The article's URL with tracking parameters, fragments, www. and AMP variants folded.",
    "url": "The URL the article was fetched from.",
    "outlet": "The news outlet (its name in sources.toml).",
    "outlet_kind": "Kind of outlet: entertainment or justice.",
    "title": "Headline, without the site-name suffix.",
    "text": "Main text only (no navigation, sidebars or comments); paragraphs separated by a blank line.",
    "authors": "Authors (JSON list).",
    "published": "Publication time as the publisher gave it (ISO 8601 with offset, or a bare date).",
    "published_date": "The publisher's local day of publication (YYYY-MM-DD).",
    "published_month": "The month of publication (YYYY-MM), for browsing by month.",
    "published_source": "Where the date came from: json-ld, meta, time, url, text, feed, sitemap, http.",
    "published_precision": "time or day.",
    "modified": "Last-modified time given by the publisher, kept apart from the publication time.",
    "language": "Language (ISO 639-1, e.g. en, fr).",
    "description": "The page's own summary.",
    "relevant": "1 when the article covers the documentary or a featured person (above the relevance threshold).",
    "relevance": "Relevance score, 0 to 1 (see docs/relevance.md).",
    "matched": "Watchlist entries the article covers (JSON list of canonical names).",
    "found_via": "How the crawl found it: feed, sitemap, search, link (JSON list).",
    "first_seen": "When a crawl first stored the article (UTC).",
    "last_seen": "When a crawl last saw the article (UTC).",
    "revisions": "How many versions of the text were stored (see the revisions table).",
    "cluster_id": "The story this article belongs to: the id of the original; syndicated and reworded copies share it.",
    "is_original": "1 for the earliest-published article of its story, 0 for a copy.",
    "similarity_to_original": "How close a copy's text is to the original's (0 to 1).",
}

MENTION_COLUMNS = {
    "article_id": "The article (articles.id).",
    "entry": "The watchlist entry: the documentary, a featured person or a supporting entity.",
    "kind": "documentary, person or supporting.",
    "count": "How many times the entry is mentioned in the title and main text.",
    "terms": "The exact strings matched (JSON list).",
    "snippet": "About 200 characters around the first mention.",
    "positions": "Character offsets of each mention in title + text (JSON list).",
}

COVERAGE_BY_CASE = """
select m.entry as "case", m.kind, count(distinct a.id) as articles,
       count(distinct coalesce(a.cluster_id, a.id)) as unique_stories, count(distinct a.outlet) as outlets,
       min(a.published_date) as first_mention, max(a.published_date) as latest_mention
from mentions m join articles a on a.id = m.article_id
where a.relevant = 1 and m.kind != 'supporting'
group by m.entry, m.kind
order by m.kind = 'documentary' desc, articles desc
"""

COVERAGE_BY_OUTLET = """
select outlet, outlet_kind, count(*) as articles_stored, sum(relevant) as relevant_articles,
       count(distinct case when relevant = 1 then coalesce(cluster_id, id) end) as relevant_stories,
       min(case when relevant = 1 then published_date end) as first_relevant,
       max(case when relevant = 1 then published_date end) as latest_relevant
from articles
group by outlet, outlet_kind
order by relevant_articles desc, outlet
"""

COVERAGE_BY_MONTH = """
select substr(published_date, 1, 7) as month, count(*) as articles_stored, sum(relevant) as relevant_articles
from articles
where published_date is not null
group by month
order by month
"""

NEW_THIS_WEEK = """
select first_seen, published_date, outlet, title, url, matched, relevance
from articles
where relevant = 1 and first_seen >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')
order by first_seen desc
"""

SYNDICATED_COPIES = """
select a.cluster_id as story, o.title as original_title, a.is_original, a.published_date, a.outlet, a.title, a.url,
       a.similarity_to_original
from articles a join articles o on o.id = a.cluster_id
where a.cluster_id in (select cluster_id from articles group by cluster_id having count(*) > 1)
  and (coalesce(:words, '') = '' or o.title like '%' || :words || '%' or a.cluster_id = :words)
order by o.published_date desc, a.cluster_id, a.is_original desc, a.published_date, a.outlet
"""

QUERIES = {
    "coverage_by_case": ("Coverage by case", COVERAGE_BY_CASE,
                         "Relevant articles, unique stories and outlets per documentary and featured person, "
                         "with the first and the latest mention."),
    "coverage_by_outlet": ("Coverage by outlet", COVERAGE_BY_OUTLET,
                           "Articles stored and relevant articles per outlet."),
    "coverage_by_month": ("Coverage by month", COVERAGE_BY_MONTH,
                          "Articles stored and relevant articles per month of publication."),
    "new_this_week": ("New this week", NEW_THIS_WEEK,
                      "Relevant articles first stored in the last 7 days, newest first."),
    "syndicated_copies": ("Syndicated copies of a story", SYNDICATED_COPIES,
                          "Stories published more than once (syndicated or reworded copies), the original first. "
                          "Type words of the original's title, or its id, to see one story; leave empty for all."),
}


def _query(title: str, sql: str, description: str) -> dict:
    return {"title": title, "sql": sql.strip(), "description": description, "hide_sql": True}


def build_metadata(database: str, title: str = "newswatch: press coverage") -> dict:
    """Datasette metadata for the database file whose stem is `database` (Datasette names
    a database after its file)."""
    return {
        "title": title,
        "description": "Articles crawled from the outlets of sources.toml and matched against the watchlist "
                       "(read-only). Open the database for its canned queries: coverage by case, by outlet, "
                       "by month, new this week, syndicated copies; or the articles table with its facets.",
        "databases": {
            database: {
                "description": "Stored news articles, the watchlist mentions found in them, and crawl runs.",
                "tables": _tables(),
                "queries": {name: _query(*spec) for name, spec in QUERIES.items()},
            }
        },
    }


def _tables() -> dict:
    return {
        "articles": {
            "title": "Articles",
            "description": "One row per article (canonical URL). relevant = 1 marks coverage of the watchlist; "
                           "copies of one story share cluster_id.",
            "columns": ARTICLE_COLUMNS,
            "facets": ["outlet", {"array": "matched"}, "language", "published_month", "outlet_kind",
                       "relevant"],
            "sort_desc": "published_date",
            "label_column": "title",
        },
        "mentions": {
            "title": "Mentions",
            "description": "One row per article and watchlist entry it mentions, with the evidence.",
            "columns": MENTION_COLUMNS,
            "facets": ["entry", "kind"],
        },
        "revisions": {"title": "Revisions", "description": "Every stored version of an article's text."},
        "crawl_runs": {"title": "Crawl runs", "description": "One row per crawl: counters and errors by kind.",
                       "sort_desc": "id"},
        "http_cache": {"title": "HTTP validators",
                       "description": "ETag / Last-Modified per fetched URL, for conditional GET on re-crawls."},
        "alerts": {"title": "Alerts", "description": "New relevant articles queued for each alert channel."},
        "_sqlite_migrations": {"hidden": True},
        "article_filters": {"hidden": True},  # search's narrow copy of the filter columns (kept by triggers)
        "lsh_bands": {"hidden": True},  # the near-duplicate index (scraper.clusterindex)
        "cluster_nodes": {"hidden": True},  # its narrow copy of each clustered article
    }
