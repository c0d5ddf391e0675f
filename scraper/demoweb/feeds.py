"""robots.txt, RSS/Atom feeds and sitemaps for one outlet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from scraper.demoweb.content import Article
from scraper.demoweb.dates import rfc822, rfc3339, w3c

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Catalog
    from scraper.demoweb.urls import SiteUrls

FEED_SIZE = 10  # only the newest items: the feed alone must not find everything
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def newest(articles: list[Article]) -> datetime | None:
    return max((a.updated_at for a in articles), default=None)


def robots_txt(catalog: Catalog, urls: SiteUrls) -> str:
    lines = [f"# robots.txt for {catalog.outlet.name}", "", "User-agent: GPTBot", "Disallow: /", ""]
    lines.append("User-agent: *")
    lines += [f"Disallow: {prefix}" for prefix in catalog.outlet.disallow]
    lines += ["Allow: /", ""]
    lines += [f"Sitemap: {urls.abs_url('/sitemap.xml')}", f"Sitemap: {urls.abs_url('/news-sitemap.xml')}", ""]
    return "\n".join(lines)


def feed(catalog: Catalog, urls: SiteUrls, feed_format: str) -> tuple[str, str]:
    """(document, content type) in the outlet's feed format."""
    if feed_format == "atom":
        return atom(catalog, urls), "application/atom+xml; charset=utf-8"
    return rss(catalog, urls), "application/rss+xml; charset=utf-8"


def rss(catalog: Catalog, urls: SiteUrls) -> str:
    outlet = catalog.outlet
    items = []
    for a in catalog.articles[:FEED_SIZE]:
        url = urls.abs_url(a.path)
        parts = [
            f"<title>{escape(a.title)}</title>",
            f"<link>{escape(url)}</link>",
            f'<guid isPermaLink="true">{escape(url)}</guid>',
            f"<pubDate>{rfc822(a.published_at)}</pubDate>",
        ]
        parts += [f"<dc:creator>{escape(name)}</dc:creator>" for name in a.authors]
        parts.append(f"<category>{escape(outlet.section_name(a.section))}</category>")
        parts.append(f"<description>{escape(a.description)}</description>")
        items.append("<item>\n  " + "\n  ".join(parts) + "\n</item>")
    updated = newest(catalog.articles)
    build = f"<lastBuildDate>{rfc822(updated)}</lastBuildDate>\n" if updated else ""
    return (
        XML_DECL + '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(outlet.name)}</title>\n<link>{escape(urls.abs_url('/'))}</link>\n"
        f"<description>{escape(outlet.tagline)}</description>\n<language>{outlet.language}</language>\n"
        f"{build}"
        f'<atom:link href={quoteattr(urls.abs_url(urls.feed_path))} rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def atom(catalog: Catalog, urls: SiteUrls) -> str:
    outlet = catalog.outlet
    entries = []
    for a in catalog.articles[:FEED_SIZE]:
        url = urls.abs_url(a.path)
        authors = "".join(f"<author><name>{escape(n)}</name></author>" for n in a.authors)
        entries.append(
            "<entry>\n"
            f"  <title>{escape(a.title)}</title>\n"
            f'  <link rel="alternate" type="text/html" href={quoteattr(url)}/>\n'
            f"  <id>{escape(url)}</id>\n"
            f"  <published>{rfc3339(a.published_at)}</published>\n"
            f"  <updated>{rfc3339(a.updated_at)}</updated>\n"
            f"  {authors}\n"
            f"  <category term={quoteattr(outlet.section_name(a.section))}/>\n"
            f"  <summary>{escape(a.description)}</summary>\n"
            "</entry>"
        )
    updated = newest(catalog.articles)
    return (
        XML_DECL + f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{outlet.language}">\n'
        f"<title>{escape(outlet.name)}</title>\n<subtitle>{escape(outlet.tagline)}</subtitle>\n"
        f"<id>{escape(urls.abs_url('/'))}</id>\n"
        f"<updated>{rfc3339(updated) if updated else '2020-01-01T00:00:00+00:00'}</updated>\n"
        f'<link rel="self" type="application/atom+xml" href={quoteattr(urls.abs_url(urls.feed_path))}/>\n'
        f'<link rel="alternate" type="text/html" href={quoteattr(urls.abs_url("/"))}/>\n'
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def _urlset(entries: list[str], news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (
        XML_DECL
        + f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )


def sitemap_index(catalog: Catalog, urls: SiteUrls) -> str:
    updated = newest(catalog.articles)
    lastmod = f"<lastmod>{rfc3339(updated)}</lastmod>" if updated else ""
    entries = "\n".join(
        f"<sitemap><loc>{escape(urls.abs_url(path))}</loc>{lastmod}</sitemap>"
        for path in ("/sitemap-articles.xml", "/news-sitemap.xml", "/sitemap-pages.xml")
    )
    return (
        XML_DECL
        + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + entries
        + "\n</sitemapindex>\n"
    )


def sitemap_articles(catalog: Catalog, urls: SiteUrls) -> str:
    return _urlset(
        [
            f"<url><loc>{escape(urls.abs_url(a.path))}</loc>"
            f"<lastmod>{w3c(a.updated_at, a.date_only and a.modified_at is None)}</lastmod></url>"
            for a in catalog.articles
        ]
    )


def news_sitemap(catalog: Catalog, urls: SiteUrls) -> str:
    outlet = catalog.outlet
    entries = []
    for a in catalog.articles:
        entries.append(
            f"<url>\n  <loc>{escape(urls.abs_url(a.path))}</loc>\n  <news:news>\n"
            "    <news:publication>\n"
            f"      <news:name>{escape(outlet.name)}</news:name>\n"
            f"      <news:language>{escape(a.language)}</news:language>\n"
            "    </news:publication>\n"
            f"    <news:publication_date>{w3c(a.published_at, a.date_only)}</news:publication_date>\n"
            f"    <news:title>{escape(a.title)}</news:title>\n"
            "  </news:news>\n</url>"
        )
    return _urlset(entries, news=True)


def sitemap_pages(catalog: Catalog, urls: SiteUrls) -> str:
    paths = ["/", urls.latest_href()] + [urls.section_href(s.slug) for s in catalog.sections]
    paths += ["/about/", "/contact/"]
    return _urlset([f"<url><loc>{escape(urls.abs_url(p))}</loc></url>" for p in paths])


SITEMAPS: dict[str, Callable[[Catalog, SiteUrls], str]] = {
    "/sitemap.xml": sitemap_index,
    "/sitemap-articles.xml": sitemap_articles,
    "/news-sitemap.xml": news_sitemap,
    "/sitemap-pages.xml": sitemap_pages,
}
