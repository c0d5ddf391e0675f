"""One outlet as a website: URL building, listings, search and request routing (no sockets here)."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from scraper.demoweb import feeds
from scraper.demoweb.catalog import Catalog, Listing
from scraper.demoweb.content import Article, DemoOutlet
from scraper.demoweb.templates import TEMPLATE_CLASSES
from scraper.demoweb.urls import SiteUrls

HTML = "text/html; charset=utf-8"
HOME_COUNT = 8
_PAGE_PATH = re.compile(r"^(?P<base>/(?:section/[^/]+|latest))/(?:page/(?P<page>[^/]+)/?)?$")


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None  # enables Last-Modified / If-Modified-Since
    cache: bool = False  # send an ETag (articles, feeds, sitemaps)


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG, so og:image / JSON-LD image URLs resolve."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x99")) + chunk(b"IEND", b"")
    )


PNG = tiny_png()


class Site:
    """An outlet as a website: routes a request to its page (templates render, the catalog
    holds the data, the URL builder the links)."""

    def __init__(self, outlet: DemoOutlet, articles: list[Article], base_url: str,
                 removed: list[Article] | tuple[Article, ...] = ()) -> None:
        self.outlet = outlet
        self.catalog = Catalog(outlet, articles)
        self.articles = self.catalog.articles
        self.by_path = self.catalog.by_path
        # Deleted articles: in no listing, feed, sitemap or search any more; their URLs answer
        # 404, or 301 to the home page (article.removed says which).
        self.removed = {a.path: a for a in removed}
        template = TEMPLATE_CLASSES[outlet.template]
        self.urls = SiteUrls(base_url, page_style=template.page_style, feed_path=template.feed_path)
        self.base_url = self.urls.base_url
        self.template = template(outlet, self.catalog, self.urls)

    @property
    def feed_path(self) -> str:
        return self.urls.feed_path

    def abs_url(self, path_or_href: str) -> str:
        return self.urls.abs_url(path_or_href)

    def _listing(
        self,
        kind: str,
        heading: str,
        items: list[Article],
        page: int,
        href: Callable[[int], str],
        **extra: object,
    ) -> Listing | None:
        per = self.outlet.per_page
        pages = max(1, -(-len(items) // per))
        if page < 1 or page > pages:
            return None
        return Listing(
            kind=kind,
            heading=heading,
            items=tuple(items[(page - 1) * per : page * per]),
            page=page,
            pages=pages,
            total=len(items),
            prev_href=href(page - 1) if page > 1 else None,
            next_href=href(page + 1) if page < pages else None,
            **extra,  # type: ignore[arg-type]
        )

    # ---- routing ------------------------------------------------------------------------

    def handle(self, raw_path: str) -> Response:
        """Route a request path (with query) to a response; GET and HEAD share this."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path) or "/"
        query = parse_qs(parts.query)
        gone = self.removed.get(path)
        if gone is not None:
            if gone.removed == "home":
                return Response(301, HTML, b"", headers={"Location": self.abs_url("/")})
            return self._html(404, self.template.not_found_page())
        response = self._route(path, query)
        if response is not None:
            return response
        # Real servers add the missing trailing slash with a redirect.
        if not path.endswith("/") and self._route(path + "/", query) is not None:
            location = self.urls.href(path + "/") + (f"?{parts.query}" if parts.query else "")
            return Response(301, HTML, b"", headers={"Location": self.abs_url(location)})
        return self._html(404, self.template.not_found_page())

    def _html(self, status: int, text: str, **kwargs: object) -> Response:
        return Response(status, HTML, text.encode("utf-8"), **kwargs)  # type: ignore[arg-type]

    def _page_number(self, query: dict[str, list[str]], from_path: str | None = None) -> int:
        raw = from_path if from_path is not None else query.get("page", ["1"])[0]
        return int(raw) if raw.isdigit() else 0

    def _route(self, path: str, query: dict[str, list[str]]) -> Response | None:
        tpl = self.template
        if path == "/":
            items = self.articles[:HOME_COUNT]
            listing = Listing("home", self.outlet.name, tuple(items), 1, 1, len(items))
            return self._html(200, tpl.listing_page(listing))
        if path in self.by_path:
            article = self.by_path[path]
            return self._html(200, tpl.article_page(article), last_modified=article.updated_at, cache=True)
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", feeds.robots_txt(self.catalog, self.urls).encode())
        if path == tpl.feed_path:
            text, kind = feeds.feed(self.catalog, self.urls, tpl.feed_format)
            return Response(200, kind, text.encode(), last_modified=feeds.newest(self.articles), cache=True)
        sitemap = feeds.SITEMAPS.get(path)
        if sitemap is not None:
            return Response(
                200,
                "application/xml; charset=utf-8",
                sitemap(self.catalog, self.urls).encode(),
                last_modified=feeds.newest(self.articles),
                cache=True,
            )
        if path in ("/search", "/search/"):
            return self._search(query)
        match = _PAGE_PATH.match(path)
        if match:
            return self._section_or_latest(match["base"], self._page_number(query, match["page"]))
        if path == "/about/":
            return self._html(200, tpl.static_page(*about_text(self.outlet)))
        if path == "/contact/":
            return self._html(200, tpl.static_page(*contact_text(self.outlet)))
        if path.startswith("/media/") and path.endswith(".png"):
            return Response(200, "image/png", PNG, cache=True)
        if path.startswith("/sponsored/") and path.count("/") == 3 and path.endswith("/"):
            number = path.split("/")[2]
            if number.isdigit():
                return self._html(200, tpl.sponsored_page(int(number)))
        return None

    def _section_or_latest(self, base: str, page: int) -> Response | None:
        if base == "/latest":
            label = "Toute l'actualité" if self.outlet.language == "fr" else "Latest news"
            listing = self._listing("latest", label, self.articles, page, self.urls.latest_href)
        else:
            slug = base.split("/")[2]
            section = self.catalog.section(slug)
            if section is None:
                return None
            listing = self._listing(
                "section",
                section.name,
                self.catalog.section_articles(slug),
                page,
                lambda p: self.urls.section_href(slug, p),
                section=section,
            )
        if listing is None:
            return None
        return self._html(200, self.template.listing_page(listing))

    def _search(self, query: dict[str, list[str]]) -> Response:
        q = query.get("q", [""])[0].strip()
        page = self._page_number(query)
        results = self.catalog.search(q) if q else []
        listing = self._listing("search", "Search", results, page, lambda p: self.urls.search_href(q, p),
                                query=q or None)
        if listing is None:  # page number past the end
            return self._html(404, self.template.not_found_page())
        return self._html(200, self.template.listing_page(listing))


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def about_text(outlet: DemoOutlet) -> tuple[str, list[str]]:
    if outlet.language == "fr":
        return "À propos", [
            f"{outlet.name} — {outlet.tagline}.",
            "Notre rédaction couvre la télévision, les séries, les documentaires et les plateformes.",
            "Ce site est fictif : il fait partie du jeu de démonstration de newswatch.",
        ]
    return "About us", [
        f"{outlet.name}: {outlet.tagline}.",
        "Our reporters and editors work independently of our advertisers.",
        "This is a fictional outlet, part of the newswatch demo news web.",
    ]


def contact_text(outlet: DemoOutlet) -> tuple[str, list[str]]:
    if outlet.language == "fr":
        return "Contact", [
            "Pour joindre la rédaction, écrivez-nous à redaction@example.com.",
            "Publicité : pub@example.com.",
        ]
    return "Contact", [
        "Send news tips and corrections to newsroom@example.com.",
        "For advertising enquiries write to ads@example.com.",
    ]
