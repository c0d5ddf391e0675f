"""Pure helpers the spiders navigate with: feeds, sitemaps, links."""

import gzip

from scraper.crawling.parsers.feeds import feed_date_iso, parse_feed
from scraper.crawling.parsers.links import content_links, next_page, page_links, same_site
from scraper.crawling.parsers.sitemaps import parse_sitemap, sitemaps_from_robots

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>First</title><link>https://news.example/a/1</link><pubDate>Tue, 07 Apr 2020 18:30:00 -0400</pubDate></item>
<item><title>Broken & unescaped <b>item</title><link>https://news.example/a/2</link></item>
<item><title>Third</title><link>/a/3</link><pubDate>not a date</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Atom one</title><link href="https://news.example/b/1"/><published>2020-04-05T20:00:00-04:00</published></entry>
</feed>"""


def test_rss_items_keep_offset_and_survive_a_malformed_item():
    entries = parse_feed(RSS, "https://news.example/feed.xml")
    urls = [e.url for e in entries]
    assert "https://news.example/a/1" in urls and "https://news.example/a/3" in urls
    first = entries[0]
    assert first.published == "2020-04-07T18:30:00-04:00"
    assert entries[-1].published is None


def test_atom_entries():
    (entry,) = parse_feed(ATOM, "https://news.example/atom.xml")
    assert entry.url == "https://news.example/b/1"
    assert entry.published == "2020-04-05T20:00:00-04:00"


def test_feed_dates():
    assert feed_date_iso("2020-04-05T20:00:00Z") == "2020-04-05T20:00:00+00:00"
    assert feed_date_iso("garbage") is None
    assert parse_feed(b"\x89PNG not a feed", "https://x.example/") == []


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://news.example/a/1</loc>
    <news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2020-04-07T10:30:00-04:00</news:publication_date>
      <news:title>The Justice Project premieres</news:title></news:news></url>
  <url><loc>https://news.example/a/2</loc><lastmod>2020-05-01</lastmod></url>
</urlset>"""


def test_google_news_sitemap_gives_dates_and_titles():
    sitemap = parse_sitemap(NEWS_SITEMAP)
    assert sitemap.kind == "urlset"
    first, second = sitemap.entries
    assert first.news_published == "2020-04-07T10:30:00-04:00"
    assert first.news_title == "The Justice Project premieres"
    assert second.lastmod == "2020-05-01" and second.news_title is None


def test_sitemap_index_gzip_and_garbage():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://news.example/s1.xml.gz</loc></sitemap></sitemapindex>"""
    parsed = parse_sitemap(gzip.compress(index))
    assert parsed.kind == "index" and parsed.entries[0].loc.endswith("s1.xml.gz")
    assert parse_sitemap(b"<html><body>not a sitemap</body></html>").kind == "invalid"
    assert parse_sitemap(b"").kind == "invalid"


def test_sitemap_entities_are_not_expanded():
    evil = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/&e;</loc></url>
    <url><loc>https://a.example/after</loc></url></urlset>"""
    parsed = parse_sitemap(evil)
    assert parsed.kind == "urlset"
    assert [entry.loc for entry in parsed.entries] == ["https://a.example/", "https://a.example/after"]


def test_robots_sitemap_lines():
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://a.example/sitemap.xml\nsitemap:https://a.example/n.xml"
    assert sitemaps_from_robots(robots) == ["https://a.example/sitemap.xml", "https://a.example/n.xml"]


PAGE = """<html><body><header><a href="/">Home</a><a href="/section/tv/">TV</a></header>
<nav><a href="/about">About</a></nav>
<main><ol class="results"><li><a href="/news/2020/04/07/story-one/?utm_source=search">Story one</a></li>
<li><a href="https://news.example/news/2020/04/08/story-two/">Story two</a></li>
<li><a href="/tag/oxygen/">Oxygen</a></li></ol>
<a rel="next" href="/search?q=x&amp;page=2">Next</a></main>
<aside class="most-read"><a href="/news/2019/01/01/old-hit/">Old hit</a></aside>
<footer><a href="mailto:tips@news.example">Tips</a><a href="/contact">Contact</a></footer></body></html>"""


def test_content_links_skip_navigation_sidebars_and_non_articles():
    links = content_links(PAGE, "https://news.example/search?q=x")
    assert links == [
        "https://news.example/news/2020/04/07/story-one/?utm_source=search",
        "https://news.example/news/2020/04/08/story-two/",
    ]


def test_all_links_and_next_page():
    links = page_links(PAGE, "https://news.example/search?q=x")
    assert "https://news.example/section/tv/" in links
    assert not any(u.startswith("mailto:") for u in links)
    assert next_page(PAGE, "https://news.example/search?q=x") == "https://news.example/search?q=x&page=2"
    assert next_page("<a href='/p/3'>Suivant »</a>", "https://fr.example/p/2") == "https://fr.example/p/3"
    assert next_page("<p>no more</p>", "https://a.example/") is None


def test_same_site():
    assert same_site("https://www.variety.com/x", "variety.com")
    assert same_site("https://variety.com/x", "www.variety.com")
    assert same_site("https://tv.variety.com/x", "variety.com")
    assert not same_site("https://evil-variety.com/x", "variety.com")
    assert not same_site("http://127.0.0.1:8001/x", "127.0.0.1:8002")


def test_teaser_headlines_inside_article_headers_are_content():
    """WordPress-style listings put each result's link in <header class="entry-header">."""
    page = """<html><body><header class="site-header"><a href="/tv/">TV</a></header><main>
    <article class="post"><header class="entry-header"><h2><a href="/tv/story-1.html">One</a></h2></header></article>
    <article class="post"><header class="entry-header"><h2><a href="/tv/story-2.html">Two</a></h2></header>
    <footer class="entry-footer"><a href="/tv/story-2.html#comments">Comments</a></footer></article>
    </main><footer class="site-footer"><a href="/tv/archive.html">Archive</a></footer></body></html>"""
    assert content_links(page, "https://m.example/search?q=x") == [
        "https://m.example/tv/story-1.html",
        "https://m.example/tv/story-2.html",
    ]
