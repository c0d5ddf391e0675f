"""An outlet's articles as data: its sections, listings, most-read and related picks,
and its site search. Templates and feeds are given this, never the router."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from scraper.demoweb.content import Article, DemoOutlet, fold


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


def search_terms(query: str) -> list[str]:
    """Quoted phrases and single words, folded to lowercase, accent-free, punctuation-free."""
    terms = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        words = re.findall(r"\w+", fold(phrase or word))
        if words:
            terms.append(" ".join(words))
    return terms


class Catalog:
    """One outlet's articles, newest first, and the lists its pages show."""

    def __init__(self, outlet: DemoOutlet, articles: list[Article]) -> None:
        self.outlet = outlet
        self.articles = sorted(articles, key=lambda a: (a.published_at, a.path), reverse=True)
        self.by_path = {a.path: a for a in self.articles}
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

    def section(self, slug: str) -> Section | None:
        return next((s for s in self.sections if s.slug == slug), None)

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
