"""One outlet as a website: URL building, listings, search and request routing (no sockets here)."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from scraper.demoweb import feeds
from scraper.demoweb.content import Article, DemoOutlet, fold
from scraper.demoweb.templates import TEMPLATE_CLASSES

HTML = "text/html; charset=utf-8"
HOME_COUNT = 8
_PAGE_PATH = re.compile(r"^(?P<base>/(?:section/[^/]+|latest))/(?:page/(?P<page>[^/]+)/?)?$")


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class Listing:
    """A page of teasers: homepage, section page, all-news page or search results."""

    kind: str  # home | section | latest | search
    heading: str
    items: tuple[Article, ...]
    page: int
    pages: int
    total: int
    prev_href: str | None = None
    next_href: str | None = None
    section: Section | None = None
    query: str | None = None


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


def search_terms(query: str) -> list[str]:
    """Quoted phrases and single words, folded to lowercase, accent-free, punctuation-free."""
    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        words = re.findall(r"\w+", fold(phrase or word))
        if words:
            terms.append(" ".join(words))
    return terms


class Site:
    """Everything an outlet's pages need to know about the outlet and its articles."""

    def __init__(self, outlet: DemoOutlet, articles: list[Article], base_url: str) -> None:
        self.outlet = outlet
        self.articles = sorted(articles, key=lambda a: (a.published_at, a.path), reverse=True)
        self.base_url = base_url.rstrip("/")
        self.by_path = {a.path: a for a in self.articles}
        self.template = TEMPLATE_CLASSES[outlet.template](self)
        counts: dict[str, int] = {}
        for a in self.articles:
            counts[a.section] = counts.get(a.section, 0) + 1
        order = list(outlet.section_names)
        self.sections = [
            Section(slug, outlet.section_name(slug), n)
            for slug, n in sorted(
                counts.items(),
                key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), -kv[1], kv[0]),
            )
        ]
        self._haystacks = {a.path: " ".join(re.findall(r"\w+", fold(a.title + "\n" + a.text))) for a in articles}

    # ---- URLs -----------------------------------------------------------------------------

    @property
    def feed_path(self) -> str:
        return self.template.feed_path

    def abs_url(self, path_or_href: str) -> str:
        """Absolute URL for a raw path or an href (already-escaped parts are kept)."""
        return self.base_url + quote(path_or_href, safe="/?&=%:@!$'()*+,;~-._")

    def href(self, path: str, utm: str | None = None) -> str:
        href = quote(path, safe="/:@!$'()*+,;=~-._")
        return f"{href}?utm_source={utm}&utm_medium=web" if utm else href

    def _paged(self, base: str, page: int) -> str:
        if page <= 1:
            return base
        if self.template.page_style == "query":
            return f"{base}?page={page}"
        return f"{base}page/{page}/"

    def section_href(self, slug: str, page: int = 1) -> str:
        return self._paged(f"/section/{quote(slug)}/", page)

    def latest_href(self, page: int = 1) -> str:
        return self._paged("/latest/", page)

    def search_href(self, query: str, page: int = 1) -> str:
        params = {"q": query} if page <= 1 else {"q": query, "page": str(page)}
        return "/search?" + urlencode(params)

    def image_url(self, article: Article) -> str:
        if article.image:
            return article.image if "://" in article.image else self.abs_url(article.image)
        return self.abs_url(f"/media/{article.slug}.png")

    # ---- article lists ------------------------------------------------------------------

    def section_articles(self, slug: str) -> list[Article]:
        return [a for a in self.articles if a.section == slug]

    def most_read(self, exclude: Article | None, n: int = 5) -> list[Article]:
        """A stable pseudo-random pick of other articles (the same on every page)."""
        ranked = sorted(self.articles, key=lambda a: zlib.crc32(("mr" + a.path).encode()))
        return [a for a in ranked if a is not exclude][:n]

    def related(self, article: Article, n: int = 3) -> list[Article]:
        same = [a for a in self.articles if a.section == article.section and a is not article]
        same.sort(key=lambda a: abs((a.published_at - article.published_at).total_seconds()))
        return same[:n]

    def search(self, query: str) -> list[Article]:
        terms = search_terms(query)
        if not terms:
            return []
        return [a for a in self.articles if all(t in self._haystacks[a.path] for t in terms)]

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
        response = self._route(path, query)
        if response is not None:
            return response
        # Real servers add the missing trailing slash with a redirect.
        if not path.endswith("/") and self._route(path + "/", query) is not None:
            location = self.href(path + "/") + (f"?{parts.query}" if parts.query else "")
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
            return Response(200, "text/plain; charset=utf-8", feeds.robots_txt(self).encode())
        if path == tpl.feed_path:
            text, kind = feeds.feed(self)
            return Response(200, kind, text.encode(), last_modified=feeds.newest(self.articles), cache=True)
        sitemap = feeds.SITEMAPS.get(path)
        if sitemap is not None:
            return Response(
                200,
                "application/xml; charset=utf-8",
                sitemap(self).encode(),
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
            listing = self._listing("latest", label, self.articles, page, self.latest_href)
        else:
            slug = base.split("/")[2]
            section = next((s for s in self.sections if s.slug == slug), None)
            if section is None:
                return None
            listing = self._listing(
                "section",
                section.name,
                self.section_articles(slug),
                page,
                lambda p: self.section_href(slug, p),
                section=section,
            )
        if listing is None:
            return None
        return self._html(200, self.template.listing_page(listing))

    def _search(self, query: dict[str, list[str]]) -> Response:
        q = query.get("q", [""])[0].strip()
        page = self._page_number(query)
        results = self.search(q) if q else []
        listing = self._listing("search", "Search", results, page, lambda p: self.search_href(q, p), query=q or None)
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
