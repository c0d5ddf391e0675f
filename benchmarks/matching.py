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
from pathlib import Path

from scraper.match import Watchlist, load_watchlist, match_article
from tests.labelled import REPO, Score, demo_pages, fixture_pages, score, text_cases

WORDS = 1000
TARGET_MS = 5.0


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
