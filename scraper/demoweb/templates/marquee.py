"""Marquee Daily: a WordPress-style entertainment blog; meta tags only (no JSON-LD, no canonical link)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.demoweb.content import Article, marquee_id
from scraper.demoweb.dates import en_date, en_time, rfc3339, tz_label
from scraper.demoweb.templates.base import BaseTemplate, blocks_html, esc, join_names

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing

IN_CONTENT_AD = '<div class="ad-slot ad-incontent"><span>Story continues below advertisement</span></div>'


class MarqueeTemplate(BaseTemplate):
    name = "marquee"
    feed_path = "/atom.xml"
    feed_format = "atom"
    page_style = "query"

    def page_title(self, title: str) -> str:
        return f"{title} | {self.outlet.name}"

    def trending_bar(self) -> str:
        links = " ".join(f'<a href="{esc(self.urls.href(a.path))}">{esc(a.title)}</a>'
                         for a in self.catalog.articles[:3])
        return f'<div class="top-bar"><strong>Trending:</strong> {links}</div>'

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""<!DOCTYPE html>
<html lang="{lang or "en-US"}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
{head}
{self.head_links()}
<meta name="generator" content="WordPress 5.4">
</head>
<body class="{esc(body_class)}">
<div id="page" class="site">
{self.trending_bar()}
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">{esc(o.name)}</a></p>
<p class="site-description">{esc(o.tagline)}</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
{self.section_nav()}
</ul></nav>
</header>
{self.ad("header")}
<div id="content" class="site-content">
{main}
</div>
<footer id="colophon" class="site-footer">
<div class="footer-widgets">{self.newsletter()}</div>
<div class="site-info">{self.footer_links()}<br>Copyright © 2020 {esc(o.name)}. Proudly powered by WordPress.</div>
</footer>
{self.cookie_banner()}
</div>
</body>
</html>
"""

    def sidebar(self, exclude: Article | None = None) -> str:
        return f"""<aside id="secondary" class="widget-area">
<section class="widget widget_search">{self.search_form()}</section>
{self.ad("sidebar-1")}
<section class="widget widget_popular">{self.most_read(exclude)}</section>
{self.ad("sidebar-2")}
</aside>"""

    def posted_on(self, article: Article) -> str:
        if article.date_only:
            return en_date(article.day)
        dt = article.published_at
        return f"{en_date(dt.date())} at {en_time(dt)} {tz_label(dt, self.outlet.tz)}"

    def post_navigation(self, article: Article) -> str:
        arts = self.catalog.articles
        i = arts.index(article)
        links = []
        if i + 1 < len(arts):
            older = arts[i + 1]
            links.append(
                f'<div class="nav-previous"><a href="{esc(self.urls.href(older.path))}" rel="prev">'
                f'<span class="meta-nav">Previous post</span> {esc(older.title)}</a></div>'
            )
        if i > 0:
            newer = arts[i - 1]
            links.append(
                f'<div class="nav-next"><a href="{esc(self.urls.href(newer.path))}" rel="next">'
                f'<span class="meta-nav">Next post</span> {esc(newer.title)}</a></div>'
            )
        return '<nav class="navigation post-navigation"><div class="nav-links">' + "".join(links) + "</div></nav>"

    def article_page(self, article: Article) -> str:
        urls, o = self.urls, self.outlet
        url = urls.abs_url(article.path)
        section = o.section_name(article.section)
        published = article.published if article.date_only else rfc3339(article.published_at)
        head = [
            f'<meta name="description" content="{esc(article.description)}">',
            f'<meta name="author" content="{esc(", ".join(article.authors))}">' if article.authors else "",
            '<meta property="og:locale" content="en_US">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(article.title)}">',
            f'<meta property="og:description" content="{esc(article.description)}">',
            f'<meta property="og:url" content="{esc(url)}">',
            f'<meta property="og:site_name" content="{esc(o.name)}">',
            f'<meta property="og:image" content="{esc(urls.image_url(article))}">',
            f'<meta property="article:published_time" content="{esc(published)}">',
        ]
        if article.modified_at:
            head.append(f'<meta property="article:modified_time" content="{esc(rfc3339(article.modified_at))}">')
        head.append(f'<meta property="article:section" content="{esc(section)}">')
        head += [f'<meta property="article:tag" content="{esc(t)}">' for t in article.tags]
        post_id = marquee_id(article.slug)
        authors = join_names(
            [f'<span class="author vcard"><span class="fn n">{esc(n)}</span></span>' for n in article.authors]
        )
        byline = f'<span class="byline"> by {authors}</span>' if authors else ""
        tags = ", ".join(f'<span rel="tag">{esc(t)}</span>' for t in article.tags)
        main = f"""<div id="primary" class="content-area">
<main id="main" class="site-main">
<article id="post-{post_id}" class="post-{post_id} post type-post status-publish format-standard has-post-thumbnail">
<header class="entry-header">
<span class="cat-links"><a href="{esc(urls.section_href(article.section))}" rel="category tag">{esc(section)}</a></span>
<h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta"><span class="posted-on">{esc(self.posted_on(article))}</span>{byline}</div>
</header>
<div class="post-thumbnail">{self.image_tag(article, "wp-post-image")}</div>
<div class="entry-content">
{blocks_html(article.blocks, IN_CONTENT_AD, 3)}
</div>
<footer class="entry-footer">
<span class="tags-links">Tagged {tags}</span>
{self.share(article)}
</footer>
</article>
{self.sidebar_notes(article)}
{self.post_navigation(article)}
{self.related(article)}
{self.comments(article)}
</main>
</div>
{self.sidebar(article)}"""
        return self.layout(
            title=self.page_title(article.title),
            main=main,
            head="\n".join(h for h in head if h),
            body_class=f"post-template-default single single-post postid-{post_id}",
            lang=self.lang_of(article),
        )

    def teaser(self, article: Article, href: str) -> str:
        return (
            f'<article class="post type-post excerpt"><header class="entry-header">'
            f'<h2 class="entry-title"><a href="{esc(href)}" rel="bookmark">{esc(article.title)}</a></h2>'
            f'<div class="entry-meta"><span class="posted-on">{esc(en_date(article.day))}</span></div></header>'
            f'<div class="entry-summary"><p>{esc(article.description)}</p></div></article>'
        )

    def listing_items(self, listing: Listing) -> str:
        return (
            super()
            .listing_items(listing)
            .replace('<ul class="article-list">', '<div class="posts">')
            .replace("</ul>", "</div>")
        )

    def listing_page(self, listing: Listing) -> str:
        o = self.outlet
        head = [
            f'<meta name="description" content="{esc(o.tagline)}">',
            '<meta property="og:type" content="website">',
            f'<meta property="og:site_name" content="{esc(o.name)}">',
            self.pager_head(listing),
        ]
        if listing.kind == "home":
            title = f"{o.name} | {o.tagline}"
        elif listing.kind == "section":
            title = self.page_title(f"{listing.heading} Archives")
        else:
            title = self.page_title(self.listing_heading(listing))
        main = f"""<div id="primary" class="content-area">
<main id="main" class="site-main">
{self.listing_main(listing)}
</main>
</div>
{self.sidebar()}"""
        return self.layout(title=title, main=main, head="\n".join(head), body_class=f"archive {listing.kind}")
