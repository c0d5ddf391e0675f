"""An outlet's URLs (a URL builder, as Datasette's): absolute URLs, links with tracking
parameters, paged listings in the outlet's style, images. No data, no routing."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from scraper.demoweb.content import Article


class SiteUrls:
    def __init__(self, base_url: str, *, page_style: str, feed_path: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_style = page_style  # listing page N: /page/N/ ("path") or ?page=N ("query")
        self.feed_path = feed_path

    def abs_url(self, path_or_href: str) -> str:
        """Absolute URL for a raw path or an href (already-escaped parts are kept)."""
        return self.base_url + quote(path_or_href, safe="/?&=%:@!$'()*+,;~-._")

    def href(self, path: str, utm: str | None = None) -> str:
        href = quote(path, safe="/:@!$'()*+,;=~-._")
        return f"{href}?utm_source={utm}&utm_medium=web" if utm else href

    def _paged(self, base: str, page: int) -> str:
        if page <= 1:
            return base
        if self.page_style == "query":
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
