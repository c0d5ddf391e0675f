"""The labelled matching sets the project keeps (test fixtures, and what
`python -m benchmarks.matching` scores): every demo-web article page rendered by the demo
web's own templates, the HTML page fixtures in tests/fixtures/match/pages, and the text
cases of tests/fixtures/match/cases.toml; and how a verdict is scored against a label."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scraper.match import Watchlist

REPO = Path(__file__).resolve().parent.parent
PAGES = Path("tests/fixtures/match/pages")
CASES = Path("tests/fixtures/match/cases.toml")


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
