"""The Reform Record: schema.org microdata with <time datetime>, and an Atom feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.demoweb.content import Article
from scraper.demoweb.dates import en_date
from scraper.demoweb.templates.base import BaseTemplate, blocks_html, esc, join_names

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing


class RecordTemplate(BaseTemplate):
    name = "record"
    feed_path = "/atom.xml"
    feed_format = "atom"
    page_style = "path"

    def page_title(self, title: str) -> str:
        return f"{title} · {self.outlet.name}"

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""{self.document_head(title, head, lang)}
<body class="{esc(body_class)}">
<header id="top" class="masthead">
<p class="masthead__name"><a href="/">{esc(o.name)}</a></p>
<p class="masthead__tagline">{esc(o.tagline)}</p>
<nav class="masthead__nav"><ul>
{self.section_nav()}
</ul></nav>
</header>
<div id="wrapper">
{main}
</div>
<footer id="footer">
<div class="footer__newsletter">{self.newsletter()}</div>
<p>{self.footer_links()}</p>
<p>© 2020 {esc(o.name)}. {esc(self.labels["rights"])}</p>
{self.cookie_banner()}
</footer>
</body>
</html>
"""

    def aside(self, exclude: Article | None = None) -> str:
        return f"""<aside class="aside">
{self.search_form()}
{self.most_read(exclude)}
{self.ad("aside")}
</aside>"""

    def article_page(self, article: Article) -> str:
        urls, o = self.urls, self.outlet
        canonical = urls.abs_url(article.path)
        head = "\n".join(
            [
                f'<meta name="description" content="{esc(article.description)}">',
                f'<link rel="canonical" href="{esc(canonical)}">',
                f'<meta property="og:site_name" content="{esc(o.name)}">',
                f'<meta property="og:title" content="{esc(article.title)}">',
                f'<meta property="og:url" content="{esc(canonical)}">',
            ]
        )
        authors = join_names(
            [
                '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                f'<span itemprop="name">{esc(n)}</span></span>'
                for n in article.authors
            ]
        )
        byline = f"By {authors} · " if authors else ""
        modified = ""
        if article.modified_at:
            modified = (
                f' · Updated <time itemprop="dateModified" datetime="{esc(article.modified)}">'
                f"{esc(en_date(article.modified_at.date()))}</time>"
            )
        section = o.section_name(article.section)
        published = (
            f'<time itemprop="datePublished" datetime="{esc(article.published)}">{esc(en_date(article.day))}</time>'
        )
        main = f"""<main class="main">
<article class="entry" itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="mainEntityOfPage" content="{esc(canonical)}">
<header class="entry-header">
<p class="entry-section"><a href="{esc(urls.section_href(article.section))}"
 itemprop="articleSection">{esc(section)}</a></p>
<h1 class="entry-title" itemprop="headline">{esc(article.title)}</h1>
<p class="entry-summary" itemprop="description">{esc(article.description)}</p>
<p class="entry-byline">{byline}{published}{modified}</p>
</header>
<img class="entry-image" itemprop="image" src="{esc(urls.image_url(article))}" alt="">
<div class="entry-content" itemprop="articleBody">
{blocks_html(article.blocks)}
</div>
<p class="entry-tags">Filed under: <span itemprop="keywords">{esc(", ".join(article.tags))}</span></p>
<div itemprop="publisher" itemscope itemtype="https://schema.org/Organization">
<meta itemprop="name" content="{esc(o.name)}"></div>
{self.article_end(article)}
{self.aside(article)}"""
        return self.layout(title=self.page_title(article.title), main=main, head=head, body_class="single-entry",
                           lang=self.lang_of(article))

    def teaser_date(self, article: Article) -> str:
        return f'<time class="teaser-date" datetime="{esc(article.day.isoformat())}">{esc(en_date(article.day))}</time>'

    def listing_page(self, listing: Listing) -> str:
        o = self.outlet
        head = self.listing_meta(listing)
        main = f"""<main class="main listing">
{self.listing_main(listing)}
</main>
{self.aside()}"""
        title = o.name if listing.kind == "home" else self.page_title(self.listing_heading(listing))
        return self.layout(title=title, main=main, head=head, body_class=f"listing {listing.kind}")
