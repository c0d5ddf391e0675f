"""Canned queries for Datasette (`newswatch serve`): read-only SQL a user runs from the
browser, kept here with the rest of the SQL (exports.datasette describes them)."""

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
