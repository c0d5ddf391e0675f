"""Trending Buzz Hub: a content farm. Minimal metadata, no canonical, ads everywhere;
the date appears only in the article URL (never on the page)."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from scraper.demoweb.content import Article
from scraper.demoweb.templates.base import SPONSORED, BaseTemplate, blocks_html, esc, join_names

if TYPE_CHECKING:
    from scraper.demoweb.catalog import Listing

BAIT = ("You won't believe", "Fans are losing it over", "Everyone is talking about", "The internet reacts:")


class FarmTemplate(BaseTemplate):
    name = "farm"
    feed_path = "/feed.xml"
    feed_format = "rss"
    page_style = "query"
    home_utm = False

    def ad(self, slot: str = "") -> str:
        return (
            f'<div class="adbox adbox-{esc(slot or "inline")}"><small>ADVERTISEMENT</small>'
            '<div class="adbox-inner"></div></div>'
        )

    def layout(self, *, title: str, main: str, head: str = "", body_class: str = "", lang: str | None = None) -> str:
        o = self.outlet
        return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(title)}</title>
<meta name="viewport" content="width=device-width">
{head}
{self.head_links()}
</head>
<body class="{esc(body_class)}">
<div id="wrap">
<div class="topads">{self.ad("top-1")}{self.ad("top-2")}</div>
<div id="header">
<a class="logo" href="/">{esc(o.name.upper())}</a> <span class="slogan">{esc(o.tagline)}!!</span>
<div class="menu"><ul>
{self.section_nav()}
</ul></div>
</div>
<div class="cookie-notice">{self.cookie_banner()}</div>
<div id="content">
{main}
</div>
<div id="footer">
<p>{self.footer_links()}</p>
<p>© {esc(o.name)}. Content may be shared with attribution.</p>
</div>
</div>
</body>
</html>
"""

    def clickbait_box(self, exclude: Article | None, heading: str, seed: int) -> str:
        picks = self.catalog.most_read(exclude, 6)[seed % 2 :: 2][:2]
        boxes = []
        for i, a in enumerate(picks):
            bait = BAIT[(zlib.crc32(a.slug.encode()) + seed) % len(BAIT)]
            boxes.append(
                f'<div class="bait-item"><a href="{esc(self.urls.href(a.path))}">'
                f'<img src="/media/thumb-{i}.png" alt=""><span>{esc(bait)} {esc(a.title)}</span></a></div>'
            )
        for i in range(2):
            n = (seed * 2 + i) % len(SPONSORED)
            boxes.append(
                f'<div class="bait-item sponsored"><a href="/sponsored/{n}/" rel="sponsored nofollow">'
                f'<img src="/media/ad-{n}.png" alt=""><span>{esc(SPONSORED[n])}</span></a>'
                "<small>Sponsored</small></div>"
            )
        return f'<div class="clickbait-grid"><h3>{esc(heading)}</h3>\n' + "\n".join(boxes) + "\n</div>"

    def side_col(self, exclude: Article | None = None) -> str:
        hot = self.catalog.most_read(exclude, 8)[5:8]
        hot_list = "".join(f'<li><a href="{esc(self.urls.href(a.path))}">{esc(a.title)}</a></li>' for a in hot)
        return f"""<div class="side-col">
{self.ad("side-1")}
<div class="trending-now">{self.most_read(exclude).replace(esc(self.labels["most_read"]), "Trending Now")}</div>
{self.ad("side-2")}
<div class="hot-list"><h3>Hot Right Now</h3><ul>{hot_list}</ul></div>
{self.ad("side-3")}
</div>"""

    def article_page(self, article: Article) -> str:
        o = self.outlet
        head = f'<meta name="description" content="{esc(article.description)}">'
        byline = f"By {esc(join_names(article.authors))} | " if article.authors else ""
        section = o.section_name(article.section)
        main = f"""<div class="main-col">
<h1 class="post-title">{esc(article.title)}</h1>
<div class="post-info">{byline}<a href="{esc(self.urls.section_href(article.section))}">{esc(section)}</a></div>
{self.share(article)}
{self.ad("above-post")}
<div class="post-body">
{blocks_html(article.blocks, self.ad("in-post").replace("ADVERTISEMENT", "ADVERTISEMENT - CONTINUE READING BELOW"), 2)}
</div>
{self.sidebar_notes(article)}
{self.ad("below-post")}
{self.clickbait_box(article, "You May Also Like", 1)}
{self.clickbait_box(article, "Promoted Stories", 2)}
{self.comments(article).replace(esc(self.labels["comments"]), "What Do You Think?")}
</div>
{self.side_col(article)}"""
        return self.layout(title=self.page_title(article.title), main=main, head=head, body_class="single",
                           lang=self.lang_of(article))

    def listing_page(self, listing: Listing) -> str:
        main = f"""<div class="main-col">
{self.ad("list-top")}
{self.listing_main(listing)}
{self.clickbait_box(None, "Around The Web", 3)}
</div>
{self.side_col()}"""
        title = self.outlet.name if listing.kind == "home" else self.page_title(self.listing_heading(listing))
        return self.layout(title=title, main=main, head=self.pager_head(listing), body_class=listing.kind)
