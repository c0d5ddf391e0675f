"""Justice Dispatch: a nonprofit newsroom. No date metadata at all: the date is visible text only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.demoweb.content import Article
from scraper.demoweb.dates import en_date
from scraper.demoweb.templates.base import BaseTemplate, blocks_html, esc, join_names

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing


class DispatchTemplate(BaseTemplate):
    name = "dispatch"
    feed_path = "/rss/"
    feed_format = "rss"
    page_style = "query"

    def page_title(self, title: str) -> str:
        return f"{title} — {self.outlet.name}"

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""{self.document_head(title, head, lang)}
<body class="{esc(body_class)}">
<div class="site-banner">{esc(o.name)} is a nonprofit newsroom. <a href="/about/">Support our work</a></div>
<header class="header">
<a class="wordmark" href="/">{esc(o.name)}</a>
<nav class="header__nav"><ul>
{self.section_nav()}
</ul></nav>
{self.search_form()}
</header>
<div class="layout">
{main}
</div>
<footer class="footer">
<div class="footer__about"><p>{esc(o.name)}: {esc(o.tagline)}.</p></div>
{self.newsletter()}
<p class="footer__links">{self.footer_links()}</p>
<p class="footer__legal">© 2020 {esc(o.name)}, a 501(c)(3) nonprofit. {esc(self.labels["rights"])}</p>
</footer>
{self.cookie_banner()}
</body>
</html>
"""

    def donate_box(self) -> str:
        return (
            '<div class="donate-box"><h3>Support independent journalism</h3>'
            "<p>Our reporting is free to read and free to republish. It depends on readers like you.</p>"
            '<a class="button" href="/about/">Donate</a></div>'
        )

    def sidebar(self, exclude: Article | None = None) -> str:
        return f"""<aside class="sidebar">
{self.most_read(exclude)}
{self.donate_box()}
{self.ad("sidebar")}
</aside>"""

    def article_page(self, article: Article) -> str:
        urls, o = self.urls, self.outlet
        canonical = urls.abs_url(article.path)
        head = "\n".join(self.article_meta(article, canonical))
        byline = f'<p class="story__byline">By {esc(join_names(article.authors))}</p>' if article.authors else ""
        updated = (
            f'<p class="story__updated">Updated {esc(en_date(article.modified_at.date()))}</p>'
            if article.modified_at and article.modified_at.date() != article.day
            else ""
        )
        main = f"""<main class="main">
<article class="story">
<header class="story__header">
<a class="story__section" href="{esc(urls.section_href(article.section))}">{esc(o.section_name(article.section))}</a>
<h1 class="story__headline">{esc(article.title)}</h1>
<p class="story__dek">{esc(article.description)}</p>
{byline}
<p class="story__dateline">{esc(en_date(article.day))}</p>
{updated}
</header>
<div class="story__body">
{blocks_html(article.blocks)}
</div>
<div class="story__footer">
{self.donate_box()}
{self.share(article)}
<p class="republish">Republish this story for free under a Creative Commons license.</p>
</div>
</article>
{self.sidebar_notes(article)}
<section class="story__related">{self.related(article)}</section>
{self.comments(article)}
</main>
{self.sidebar(article)}"""
        return self.layout(title=self.page_title(article.title), main=main, head=head, body_class="story-page",
                           lang=self.lang_of(article))

    def teaser(self, article: Article, href: str) -> str:
        byline = f" · By {esc(join_names(article.authors))}" if article.authors else ""
        return (
            f'<li class="card"><a class="card__link" href="{esc(href)}"><h3 class="card__title">{esc(article.title)}'
            f'</h3></a><p class="card__meta">{esc(en_date(article.day))}{byline}</p>'
            f'<p class="card__dek">{esc(article.description)}</p></li>'
        )

    def listing_page(self, listing: Listing) -> str:
        o = self.outlet
        head = self.listing_meta(listing, section_canonical=False)
        main = f"""<main class="main listing">
{self.listing_main(listing)}
</main>
{self.sidebar()}"""
        title = o.name if listing.kind == "home" else self.page_title(self.listing_heading(listing))
        return self.layout(title=title, main=main, head=head, body_class=f"listing {listing.kind}")
