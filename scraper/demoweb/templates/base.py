"""Shared building blocks for the outlets' page templates.

Each outlet template subclasses BaseTemplate and lays the pieces out in its own markup;
the pieces that sit outside the article body (most read, comments, ads, newsletter) are
deliberately full of other headlines and names, as on real sites.
"""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any, ClassVar

from scraper.demoweb.content import Article, Block

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Catalog, Listing
    from scraper.demoweb.content import DemoOutlet
    from scraper.demoweb.urls import SiteUrls

EN_LABELS: dict[str, str] = {
    "next": "Next",
    "prev": "Previous",
    "no_results": "No results",
    "search": "Search",
    "search_placeholder": "Search stories",
    "results_for": "Search results for",
    "results_count": "{n} results",
    "one_result": "1 result",
    "enter_query": "Type a word or a name to search our archive.",
    "most_read": "Most read",
    "related": "Related",
    "latest": "Latest",
    "more_latest": "More news",
    "advertisement": "Advertisement",
    "comments": "Comments",
    "newsletter": "Get the newsletter",
    "newsletter_text": "The day's biggest stories, in your inbox every morning.",
    "email": "Email address",
    "subscribe": "Sign up",
    "share": "Share",
    "cookie": (
        "We use cookies and similar technologies to personalise content and ads and to analyse "
        "our traffic. By continuing to browse you agree to our use of cookies."
    ),
    "accept": "Accept",
    "manage": "Manage preferences",
    "about": "About us",
    "contact": "Contact",
    "privacy": "Privacy",
    "terms": "Terms of use",
    "page_of": "Page {page} of {pages}",
    "not_found": "Page not found",
    "not_found_text": "Sorry, we couldn't find the page you were looking for. It may have moved or been removed.",
    "home": "Home",
    "sections": "Sections",
    "rights": "All rights reserved.",
    "by": "By",
    "and": "and",
    "updated": "Updated",
    "tags": "Topics",
    "note": "Editor's note",
    "page": "Page",
}

COMMENTERS = (
    "tvjunkie84",
    "Renee M.",
    "coastal_reader",
    "DMV_native",
    "Paul in Ohio",
    "streamqueen",
    "lawstudent_22",
    "J. Whitaker",
    "nightowl",
    "Marisol",
)


def esc(value: object) -> str:
    """Escape for text and double-quoted attributes (apostrophes stay readable)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def txt(value: object) -> str:
    """Escape for text nodes only (body paragraphs keep their quotation marks as typed)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def json_ld(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # Like Go's html/template: no '<', '>' or '&' can end the script element early.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def join_names(names: tuple[str, ...] | list[str], conj: str = "and") -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conj} " + names[-1]


def blocks_html(blocks: tuple[Block, ...], ad_html: str = "", ad_every: int = 0) -> str:
    """Paragraphs and subheadings, optionally with an ad slot after every `ad_every` paragraphs."""
    out: list[str] = []
    count = 0
    for block in blocks:
        if block.kind == "h2":
            out.append(f"<h2>{txt(block.text)}</h2>")
            continue
        out.append(f"<p>{txt(block.text)}</p>")
        count += 1
        if ad_every and ad_html and count % ad_every == 0 and count < sum(b.kind == "p" for b in blocks):
            out.append(ad_html)
    return "\n".join(out)


class BaseTemplate:
    """Common widgets; subclasses provide the layout and the article/listing markup."""

    name: ClassVar[str] = ""
    feed_path: ClassVar[str] = "/feed.xml"
    feed_format: ClassVar[str] = "rss"  # or "atom"
    page_style: ClassVar[str] = "path"  # listing page N: /page/N/ ("path") or ?page=N ("query")
    home_utm: ClassVar[bool] = True  # homepage links carry ?utm_source=homepage&utm_medium=web
    html_lang: ClassVar[str] = "en"
    labels: ClassVar[dict[str, str]] = EN_LABELS

    def __init__(self, outlet: DemoOutlet, catalog: Catalog, urls: SiteUrls) -> None:
        self.outlet = outlet
        self.catalog = catalog
        self.urls = urls

    # ---- entry points -------------------------------------------------------------------

    def article_page(self, article: Article) -> str:
        raise NotImplementedError

    def listing_page(self, listing: Listing) -> str:
        raise NotImplementedError

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        """The whole page around `main`; `lang` when the page's language is not the site's."""
        raise NotImplementedError

    @property
    def site_lang(self) -> str:
        """<html lang> of the site's pages: the template's own, or the outlet's language when an
        English-language template serves an outlet in another language."""
        return self.outlet.language if self.html_lang == "en" else self.html_lang

    def lang_of(self, article: Article) -> str | None:
        """The article's language when it is not the outlet's (a foreign-language brief)."""
        return article.language if article.language != self.outlet.language else None

    def static_page(self, title: str, paragraphs: list[str]) -> str:
        body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        main = f'<div class="page-content static-page">\n<h1>{esc(title)}</h1>\n{body}\n</div>'
        return self.layout(title=self.page_title(title), main=main, body_class="page")

    def not_found_page(self) -> str:
        lab = self.labels
        main = (
            f'<div class="error-page">\n<h1>{esc(lab["not_found"])}</h1>\n<p>{esc(lab["not_found_text"])}</p>\n'
            f"{self.search_form()}\n"
            f'<p><a href="/">{esc(lab["home"])}</a></p>\n</div>'
        )
        return self.layout(title=self.page_title(lab["not_found"]), main=main, body_class="error404")

    def sponsored_page(self, number: int) -> str:
        main = (
            '<div class="sponsored-page">\n<p class="label">Sponsored</p>\n'
            f"<h1>{esc(SPONSORED[number % len(SPONSORED)])}</h1>\n"
            "<p>This content is provided by an advertiser. The newsroom was not involved in its creation.</p>\n"
            "</div>"
        )
        return self.layout(title=self.page_title("Sponsored"), main=main, body_class="sponsored")

    # ---- head -----------------------------------------------------------------------------

    def page_title(self, title: str) -> str:
        return f"{title} - {self.outlet.name}"

    def head_links(self) -> str:
        kind = "application/atom+xml" if self.feed_format == "atom" else "application/rss+xml"
        return (
            f'<link rel="alternate" type="{kind}" title="{esc(self.outlet.name)}" '
            f'href="{esc(self.urls.abs_url(self.feed_path))}">\n'
            '<link rel="icon" href="/media/favicon.png">'
        )

    def document_head(self, title: str, head: str, lang: str | None = None) -> str:
        """The usual opening of a page, up to the end of its head."""
        return f"""<!DOCTYPE html>
<html lang="{lang or self.site_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
{head}
{self.head_links()}
</head>"""

    def article_meta(self, article: Article, canonical: str) -> list[str]:
        """Description, canonical link and Open Graph tags of an article page."""
        return [
            f'<meta name="description" content="{esc(article.description)}">',
            f'<link rel="canonical" href="{esc(canonical)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{esc(article.title)}">',
            f'<meta property="og:description" content="{esc(article.description)}">',
            f'<meta property="og:url" content="{esc(canonical)}">',
            f'<meta property="og:image" content="{esc(self.urls.image_url(article))}">',
            f'<meta property="og:site_name" content="{esc(self.outlet.name)}">',
        ]

    def news_article_ld(self, article: Article, **fields: object) -> dict:
        """schema.org NewsArticle data every outlet gives, plus its own `fields`."""
        return {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.description,
            "datePublished": article.published,
            "dateModified": article.modified or article.published,
            "author": [{"@type": "Person", "name": n} for n in article.authors],
            **fields,
        }

    def article_end(self, article: Article) -> str:
        """Share links, the end of the article, then what surrounds it: notes, related
        stories, comments, and the end of <main>."""
        return (f"{self.share(article)}\n</article>\n{self.sidebar_notes(article)}\n{self.related(article)}\n"
                f"{self.comments(article)}\n</main>")

    def listing_meta(self, listing: Listing, *, extra: tuple[str, ...] = (), home: tuple[str, ...] = (),
                     section_canonical: bool = True) -> str:
        """Description, canonical link (the homepage's; a section page's own unless the outlet
        leaves it out) and prev/next links of a listing page."""
        head = [f'<meta name="description" content="{esc(self.outlet.tagline)}">', *extra]
        if listing.kind == "home":
            head += [f'<link rel="canonical" href="{esc(self.urls.abs_url("/"))}">', *home]
        elif section_canonical and listing.kind == "section" and listing.section:
            head.append(self.canonical_link(self.urls.section_href(listing.section.slug, listing.page)))
        head.append(self.pager_head(listing))
        return "\n".join(head)

    def canonical_link(self, href: str) -> str:
        return f'<link rel="canonical" href="{esc(self.urls.abs_url(href))}">'

    def pager_head(self, listing: Listing) -> str:
        out = []
        if listing.prev_href:
            out.append(f'<link rel="prev" href="{esc(self.urls.abs_url(listing.prev_href))}">')
        if listing.next_href:
            out.append(f'<link rel="next" href="{esc(self.urls.abs_url(listing.next_href))}">')
        return "\n".join(out)

    # ---- widgets -----------------------------------------------------------------------

    def cookie_banner(self) -> str:
        lab = self.labels
        return (
            '<div class="cookie-banner" role="dialog" aria-label="Cookies">\n'
            f"<p>{esc(lab['cookie'])}</p>\n"
            f'<button type="button" class="cookie-accept">{esc(lab["accept"])}</button> '
            f'<button type="button" class="cookie-manage">{esc(lab["manage"])}</button>\n</div>'
        )

    def newsletter(self) -> str:
        lab = self.labels
        return (
            '<div class="newsletter-signup">\n'
            f"<h3>{esc(lab['newsletter'])}</h3>\n<p>{esc(lab['newsletter_text'])}</p>\n"
            '<form class="newsletter-form" action="#" method="post" onsubmit="return false">\n'
            f'<label>{esc(lab["email"])} <input type="email" name="email"></label>\n'
            f'<button type="submit">{esc(lab["subscribe"])}</button>\n</form>\n</div>'
        )

    def ad(self, slot: str = "") -> str:
        return (
            f'<div class="ad-slot ad-{esc(slot or "inline")}" aria-hidden="true">'
            f'<span class="ad-label">{esc(self.labels["advertisement"])}</span></div>'
        )

    def share(self, article: Article) -> str:
        url = esc(self.urls.abs_url(article.path))
        buttons = " ".join(
            f'<button type="button" class="share-{n.lower()}" data-share="{n.lower()}" data-url="{url}">{n}</button>'
            for n in ("Facebook", "Twitter", "WhatsApp")
        )
        return (
            f'<div class="share-tools"><span>{esc(self.labels["share"])}</span> {buttons} '
            f'<a class="share-email" href="mailto:?subject={esc(article.title)}&amp;body={url}">Email</a></div>'
        )

    def search_form(self, query: str = "") -> str:
        lab = self.labels
        return (
            '<form class="search-form" action="/search" method="get" role="search">'
            f'<input type="search" name="q" value="{esc(query)}" placeholder="{esc(lab["search_placeholder"])}">'
            f'<button type="submit">{esc(lab["search"])}</button></form>'
        )

    def commenter(self, article: Article, index: int) -> str:
        return COMMENTERS[(zlib.crc32(article.slug.encode()) + index * 3) % len(COMMENTERS)]

    def comments(self, article: Article) -> str:
        if not article.comments:
            return ""
        items = "\n".join(
            f'<li class="comment"><p class="comment-author">{esc(self.commenter(article, i))}</p>'
            f'<div class="comment-body"><p>{txt(text)}</p></div></li>'
            for i, text in enumerate(article.comments)
        )
        return (
            f'<section class="comments" id="comments">\n<h2>{esc(self.labels["comments"])} '
            f'({len(article.comments)})</h2>\n<ol class="comment-list">\n{items}\n</ol>\n</section>'
        )

    def sidebar_notes(self, article: Article) -> str:
        if not article.sidebar_note:
            return ""
        notes = "\n".join(f"<p>{txt(n)}</p>" for n in article.sidebar_note)
        return f'<aside class="sidebar-note">\n<h3>{esc(self.labels["note"])}</h3>\n{notes}\n</aside>'

    def most_read(self, exclude: Article | None = None, n: int = 5, utm: str | None = None) -> str:
        items = self.catalog.most_read(exclude, n)
        if not items:
            return ""
        lis = "\n".join(f'<li><a href="{esc(self.urls.href(a.path, utm))}">{esc(a.title)}</a></li>' for a in items)
        return f'<div class="most-read widget">\n<h3>{esc(self.labels["most_read"])}</h3>\n<ol>\n{lis}\n</ol>\n</div>'

    def related(self, article: Article, n: int = 3) -> str:
        items = self.catalog.related(article, n)
        if not items:
            return ""
        lis = "\n".join(f'<li><a href="{esc(self.urls.href(a.path))}">{esc(a.title)}</a></li>' for a in items)
        return (
            f'<nav class="related-links" aria-label="related">\n<h3>{esc(self.labels["related"])}</h3>\n'
            f"<ul>\n{lis}\n</ul>\n</nav>"
        )

    def section_nav(self, current: str | None = None) -> str:
        items = [f'<li><a href="/">{esc(self.labels["home"])}</a></li>']
        for section in self.catalog.sections:
            cls = ' class="active"' if section.slug == current else ""
            items.append(f'<li{cls}><a href="{esc(self.urls.section_href(section.slug))}">{esc(section.name)}</a></li>')
        items.append(f'<li><a href="{esc(self.urls.latest_href())}">{esc(self.labels["latest"])}</a></li>')
        return "\n".join(items)

    def footer_links(self) -> str:
        lab = self.labels
        return (
            f'<a href="/about/">{esc(lab["about"])}</a> | <a href="/contact/">{esc(lab["contact"])}</a> | '
            f'<a href="{esc(self.feed_path)}">RSS</a> | <a href="/sitemap.xml">Sitemap</a> | '
            f'<span class="footer-text">{esc(lab["privacy"])}</span> | '
            f'<span class="footer-text">{esc(lab["terms"])}</span>'
        )

    def image_tag(self, article: Article, cls: str = "lead-image") -> str:
        return (
            f'<figure class="{cls}"><img src="{esc(self.urls.image_url(article))}" alt="{esc(article.title)}" '
            f'width="1200" height="675"><figcaption>{esc(self.outlet.name)}</figcaption></figure>'
        )

    def byline(self, article: Article) -> str:
        return join_names(article.authors, self.labels["and"])

    # ---- listings ------------------------------------------------------------------------

    def listing_heading(self, listing: Listing) -> str:
        lab = self.labels
        if listing.kind == "search":
            if listing.query:
                return f"{lab['results_for']} “{listing.query}”"
            return lab["search"]
        return listing.heading

    def teaser_date(self, article: Article) -> str:
        return ""

    def teaser(self, article: Article, href: str) -> str:
        date_html = self.teaser_date(article)
        return (
            f'<li class="teaser"><h3 class="teaser-title"><a href="{esc(href)}">{esc(article.title)}</a></h3>'
            f'{date_html}<p class="teaser-summary">{esc(article.description)}</p></li>'
        )

    def pager(self, listing: Listing) -> str:
        lab = self.labels
        if listing.kind == "home" or not listing.total:
            return ""
        parts = []
        if listing.prev_href:
            parts.append(f'<a class="prev" rel="prev" href="{esc(listing.prev_href)}">« {esc(lab["prev"])}</a>')
        parts.append(
            f'<span class="page-count">{esc(lab["page_of"].format(page=listing.page, pages=listing.pages))}</span>'
        )
        if listing.next_href:
            parts.append(f'<a class="next" rel="next" href="{esc(listing.next_href)}">{esc(lab["next"])} »</a>')
        return f'<nav class="pagination" aria-label="{esc(lab["page"])}">' + " ".join(parts) + "</nav>"

    def listing_items(self, listing: Listing) -> str:
        lab = self.labels
        if listing.kind == "search":
            if not listing.query:
                return f'<p class="search-help">{esc(lab["enter_query"])}</p>'
            if not listing.total:
                return f'<p class="no-results">{esc(lab["no_results"])} – “{esc(listing.query)}”</p>'
        utm = "homepage" if listing.kind == "home" and self.home_utm else None
        items = "\n".join(self.teaser(a, self.urls.href(a.path, utm)) for a in listing.items)
        count = ""
        if listing.kind == "search":
            label = lab["one_result"] if listing.total == 1 else lab["results_count"].format(n=listing.total)
            count = f'<p class="result-count">{esc(label)}</p>\n'
        return f'{count}<ul class="article-list">\n{items}\n</ul>'

    def listing_main(self, listing: Listing) -> str:
        """Heading, items, pager; the homepage adds per-section blocks and a 'more' link."""
        parts = [f'<h1 class="listing-title">{esc(self.listing_heading(listing))}</h1>']
        if listing.kind == "search":
            parts.append(self.search_form(listing.query or ""))
        parts.append(self.listing_items(listing))
        parts.append(self.pager(listing))
        if listing.kind == "home":
            parts.append(self.home_sections())
            parts.append(
                f'<p class="more-link"><a href="{esc(self.urls.latest_href())}">{esc(self.labels["more_latest"])} →'
                "</a></p>"
            )
        return "\n".join(p for p in parts if p)

    def home_sections(self) -> str:
        utm = "homepage" if self.home_utm else None
        blocks = []
        for section in self.catalog.sections:
            items = self.catalog.section_articles(section.slug)[:3]
            lis = "\n".join(f'<li><a href="{esc(self.urls.href(a.path, utm))}">{esc(a.title)}</a></li>' for a in items)
            blocks.append(
                f'<section class="section-block section-{esc(section.slug)}">\n'
                f'<h2><a href="{esc(self.urls.section_href(section.slug))}">{esc(section.name)}</a></h2>\n'
                f"<ul>\n{lis}\n</ul>\n</section>"
            )
        return "\n".join(blocks)


SPONSORED = (
    "Homeowners are stunned by this simple trick to cut their energy bill",
    "The 12 most unforgettable red carpet moments of all time",
    "This new game is so addictive you won't be able to put it down",
    "Seniors are switching to this surprisingly cheap phone plan",
    "You'll never guess what these child stars look like today",
    "Doctors can't explain why this tea is so popular",
)
