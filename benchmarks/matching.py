"""Matching quality and speed on the labelled sets that ship with the project.

    python -m benchmarks.matching [REPO_ROOT]

Quality: precision and recall of `relevant` (and how many items get exactly the
labelled `matched` set) over three labelled sets: every demo-web article page rendered
by the demo web's own templates, the HTML page fixtures in tests/fixtures/match/pages
(both through the full path, HTML -> extract -> match, so sidebars and comments are
tested too), and the text cases of tests/fixtures/match/cases.toml (matcher only).
Speed: average milliseconds to match a 1,000-word article, over fixed texts built
from the demo web's articles, so the figure is comparable from run to run.
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scraper.match import Watchlist, load_watchlist, match_article

REPO = Path(__file__).resolve().parent.parent
PAGES = Path("tests/fixtures/match/pages")
CASES = Path("tests/fixtures/match/cases.toml")
WORDS = 1000
TARGET_MS = 5.0


@dataclass(frozen=True)
class Labelled:
    """One labelled item: a page (`html`) or an article's title and text."""

    id: str
    language: str
    relevant: bool
    covers: tuple[str, ...]
    html: bytes = b""
    url: str = ""
    title: str = ""
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Score:
    """Confusion counts for `relevant`, and how many verdicts had exactly the labelled entries."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    exact: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, item: Labelled, relevant: bool, matched: Iterable[str]) -> None:
        self.tp += relevant and item.relevant
        self.fp += relevant and not item.relevant
        self.fn += item.relevant and not relevant
        self.tn += not relevant and not item.relevant
        if set(matched) == set(item.covers):
            self.exact += 1
        if relevant != item.relevant or set(matched) != set(item.covers):
            self.misses.append(f"{item.id}: relevant={relevant} matched={sorted(matched)}")

    def as_dict(self) -> dict:
        return {"items": self.items, "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "exact": self.exact,
                "misses": self.misses}


def verdict(item: Labelled, watchlist: Watchlist) -> dict:
    """What the product decides for one item: the full path for pages, the matcher for texts."""
    from scraper.analysis.page import analyse_page, match_fields

    if item.html:
        return analyse_page(item.html, url=item.url or None, watchlist=watchlist, headers=item.headers)
    return match_fields(item.title, item.text, watchlist, item.language or None)


def score(items: Iterable[Labelled], watchlist: Watchlist) -> Score:
    result = Score()
    for item in items:
        got = verdict(item, watchlist)
        result.add(item, got["relevant"], got["matched"])
    return result


# ---- the labelled sets ----------------------------------------------------------------


def fixture_pages(root: Path = REPO) -> list[Labelled]:
    """The HTML page fixtures and their labels (tests/fixtures/match/pages/labels.toml)."""
    folder = root / PAGES
    labels = tomllib.loads((folder / "labels.toml").read_text(encoding="utf-8"))["page"]
    return [Labelled(p["file"], p["language"], p["relevant"], tuple(p["covers"]),
                     html=(folder / p["file"]).read_bytes(), url=f"https://fixtures.example/{p['file']}")
            for p in labels]


def text_cases(root: Path = REPO) -> list[Labelled]:
    cases = tomllib.loads((root / CASES).read_text(encoding="utf-8"))["case"]
    return [Labelled(c["id"], c["language"], c["relevant"], tuple(c["covers"]), title=c["title"], text=c["text"])
            for c in cases]


def demo_pages(root: Path = REPO) -> list[Labelled]:
    """Every demo-web article page as its outlet serves it (same templates and routing as
    the HTTP server, without sockets), labelled by the article's front matter."""
    from scraper.demoweb import load_demo_web
    from scraper.demoweb.site import Site

    content = load_demo_web(root / "demo_web")
    items = []
    for outlet in content.outlets:
        site = Site(outlet, content.articles.get(outlet.slug, []), "http://127.0.0.1:8080")
        for article in site.articles:
            response = site.handle(article.path)
            items.append(Labelled(f"{outlet.slug}{article.path}", article.language, article.relevant,
                                  article.covers, html=response.body, url=site.abs_url(article.path),
                                  headers={"Content-Type": response.content_type}))
    return items


# ---- speed -------------------------------------------------------------------------------


def speed_texts(root: Path = REPO) -> list[tuple[str, str, str]]:
    """(title, text, language) per demo article: its text followed by the next articles'
    until WORDS words, paragraphs kept, so every text is exactly 1,000 words long."""
    from scraper.demoweb import load_demo_web

    articles = load_demo_web(root / "demo_web").all_articles()
    texts = []
    for i, article in enumerate(articles):
        paragraphs, count, k = [], 0, i
        while count < WORDS:
            for paragraph in articles[k % len(articles)].paragraphs:
                words = paragraph.split()[: WORDS - count]
                if words:
                    paragraphs.append(" ".join(words))
                    count += len(words)
            k += 1
        texts.append((article.title, "\n\n".join(paragraphs), article.language))
    return texts


def ms_per_article(texts: list[tuple[str, str, str]], watchlist: Watchlist, rounds: int = 5) -> float:
    """Best-of-`rounds` average milliseconds per text (the best round is the least disturbed)."""
    for title, text, language in texts[:3]:
        match_article(title, text, watchlist, language)  # warm caches
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for title, text, language in texts:
            match_article(title, text, watchlist, language)
        best = min(best, (time.perf_counter() - start) / len(texts))
    return best * 1000


# ---- the run -------------------------------------------------------------------------------


def run(repo_root: str | Path = REPO) -> dict:
    """Score every labelled set and time the matcher; print a short table; return the figures."""
    root = Path(repo_root)
    watchlist = load_watchlist(root / "watchlist.toml")
    sets = {"demo web pages": demo_pages(root), "HTML page fixtures": fixture_pages(root),
            "text cases": text_cases(root)}
    scores = {name: score(items, watchlist) for name, items in sets.items()}
    total = Score()
    for s in scores.values():
        for attr in ("tp", "fp", "fn", "tn", "exact"):
            setattr(total, attr, getattr(total, attr) + getattr(s, attr))
        total.misses += s.misses
    scores["all"] = total
    texts = speed_texts(root)
    ms = ms_per_article(texts, watchlist)
    print(f"{'matching: labelled set':<24} {'items':>5} {'precision':>9} {'recall':>6} {'exact':>5}")
    for name, s in scores.items():
        print(f"{name:<24} {s.items:>5} {s.precision:>9.3f} {s.recall:>6.3f} {s.exact:>5}")
    print(f"speed: {ms:.2f} ms per {WORDS:,}-word article ({len(texts)} texts, best of 5; target < {TARGET_MS:g} ms)")
    for miss in total.misses:
        print(f"  miss: {miss}")
    return {"sets": {name: s.as_dict() for name, s in scores.items()}, "ms_per_1000_words": round(ms, 3),
            "texts": len(texts), "target_ms": TARGET_MS, "fast_enough": ms < TARGET_MS}


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else REPO)
