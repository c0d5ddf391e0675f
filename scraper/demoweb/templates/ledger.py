"""The Screen Ledger: a trade paper with full JSON-LD NewsArticle, og:* tags and rel=canonical."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scraper.demoweb.content import Article
from scraper.demoweb.dates import en_date, en_short_date, en_time, tz_label
from scraper.demoweb.templates.base import BaseTemplate, blocks_html, esc, join_names, json_ld

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing


class LedgerTemplate(BaseTemplate):
    name = "ledger"
    feed_path = "/feed.xml"
    feed_format = "rss"
    page_style = "path"

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""{self.document_head(title, head, lang)}
<body class="{esc(body_class)}">
<a class="skip-link" href="#main">Skip to content</a>
{self.cookie_banner()}
{self.ad("leaderboard")}
<header class="site-header">
<div class="masthead"><a class="logo" href="/">{esc(o.name)}</a><p class="tagline">{esc(o.tagline)}</p></div>
<nav class="primary-nav" aria-label="Sections"><ul>
{self.section_nav()}
</ul></nav>
{self.search_form()}
</header>
<div class="container">
<main id="main">
{main}
</main>
</div>
<footer class="site-footer">
{self.newsletter()}
<p class="footer-links">{self.footer_links()}</p>
<p class="copyright">© 2020 {esc(o.name)}. {esc(self.labels["rights"])}</p>
</footer>
</body>
</html>
"""

    def stamp(self, article: Article) -> str:
        tz = self.outlet.tz
        if article.date_only:
            text = en_date(article.day)
        else:
            text = f"{en_date(article.day)} {en_time(article.published_at)} {tz_label(article.published_at, tz)}"
        out = f'<span class="timestamp">{esc(text)}</span>'
        if article.modified_at:
            m = article.modified_at
            out += (
                f' <span class="updated">Updated {esc(en_date(m.date()))} {esc(en_time(m))} '
                f"{esc(tz_label(m, tz))}</span>"
            )
        return out

    def article_page(self, article: Article) -> str:
        urls, o = self.urls, self.outlet
        canonical = urls.abs_url(article.path)
        section = o.section_name(article.section)
        data = self.news_article_ld(
            article,
            image=[urls.image_url(article)],
            articleSection=section,
            keywords=", ".join(article.tags),
            inLanguage=article.language,
            mainEntityOfPage={"@type": "WebPage", "@id": canonical},
            publisher={
                "@type": "Organization",
                "name": o.name,
                "logo": {"@type": "ImageObject", "url": urls.abs_url("/media/logo.png")},
            },
        )
        head = "\n".join(
            [
                f'<meta name="description" content="{esc(article.description)}">',
                f'<link rel="canonical" href="{esc(canonical)}">',
                '<meta property="og:type" content="article">',
                f'<meta property="og:site_name" content="{esc(o.name)}">',
                f'<meta property="og:title" content="{esc(article.title)}">',
                f'<meta property="og:description" content="{esc(article.description)}">',
                f'<meta property="og:url" content="{esc(canonical)}">',
                f'<meta property="og:image" content="{esc(urls.image_url(article))}">',
                '<meta name="twitter:card" content="summary_large_image">',
                json_ld(data),
            ]
        )
        authors = join_names([f'<span class="author">{esc(n)}</span>' for n in article.authors])
        byline = f'<span class="byline">By {authors}</span> ' if authors else ""
        tags = " ".join(f'<span class="tag">{esc(t)}</span>' for t in article.tags)
        main = f"""<div class="story-layout">
<article class="story" id="story-{esc(article.slug)}">
<header class="story-header">
<p class="kicker"><a href="{esc(urls.section_href(article.section))}">{esc(section)}</a></p>
<h1 class="story-headline">{esc(article.title)}</h1>
<p class="story-dek">{esc(article.description)}</p>
<div class="story-meta">{byline}{self.stamp(article)}</div>
{self.share(article)}
</header>
{self.image_tag(article)}
<div class="story-body">
{blocks_html(article.blocks, self.ad("in-story"), 4)}
</div>
<footer class="story-footer"><p class="tags">{esc(self.labels["tags"])}: {tags}</p></footer>
</article>
{self.related(article)}
{self.comments(article)}
</div>
<aside class="rail">
{self.sidebar_notes(article)}
{self.ad("rail-top")}
{self.most_read(article)}
{self.ad("rail-bottom")}
</aside>"""
        return self.layout(title=self.page_title(article.title), main=main, head=head, body_class="article",
                           lang=self.lang_of(article))

    def teaser_date(self, article: Article) -> str:
        return f'<span class="teaser-date">{esc(en_short_date(article.day))}</span>'

    def listing_page(self, listing: Listing) -> str:
        urls, o = self.urls, self.outlet
        head = self.listing_meta(
            listing,
            extra=('<meta property="og:type" content="website">',),
            home=(
                json_ld(
                    {
                        "@context": "https://schema.org",
                        "@type": "WebSite",
                        "name": o.name,
                        "url": urls.abs_url("/"),
                        "potentialAction": {
                            "@type": "SearchAction",
                            "target": urls.abs_url("/search") + "?q={search_term_string}",
                            "query-input": "required name=search_term_string",
                        },
                    }
                ),
            ),
        )
        main = f"""<div class="river-layout">
<section class="river">
{self.listing_main(listing)}
</section>
<aside class="rail">
{self.ad("rail-top")}
{self.most_read()}
</aside>
</div>"""
        title = o.name if listing.kind == "home" else self.page_title(self.listing_heading(listing))
        return self.layout(title=title, main=main, head=head, body_class=f"listing {listing.kind}")
