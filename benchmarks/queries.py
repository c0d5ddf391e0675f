"""Query speed on a large database: `search` p95 and `report` time over 200,000 articles.

    python -m benchmarks.queries [--articles 200000] [--out bench-results]

The database is generated once (deterministic, ~5% relevant articles with mentions) and
kept in the output folder for later runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from scraper.dedup.identity import article_id, text_fingerprint
from scraper.store import ArticleFilters, Store

REPO = Path(__file__).resolve().parent.parent
VOCAB = (
    "court", "prison", "sentence", "judge", "parole", "clemency", "governor", "documentary", "series",
    "season", "premiere", "network", "review", "police", "budget", "council", "school", "election", "campaign",
    "storm", "river", "hospital", "study", "museum", "concert", "festival", "album", "league", "coach",
    "final", "record", "market", "shares", "growth", "energy", "climate", "bridge", "water", "road",
)
PEOPLE = ["Dawn Jackson", "Alexis Martin", "Momolu Stewart", "David Sheppard"]
OUTLETS = [(f"Outlet {i:02d}", "justice" if i % 3 == 0 else "entertainment") for i in range(40)]
QUERIES = ["prison", "clemency governor", '"life sentence"', "documentary OR docuseries", "parole NOT council",
           "sentenc*", "Kardashian", "Momolu", "festival", "NEAR(prison sentence, 5)"]
FILTERS = [ArticleFilters(), ArticleFilters(relevant=True), ArticleFilters(person="Dawn Jackson"),
           ArticleFilters(outlet="Outlet 03"), ArticleFilters(since="2021-01-01", until="2021-06-30"),
           ArticleFilters(kind="justice", language="en")]


def _vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    """Pseudo-words for a Zipf-distributed background vocabulary, as in real prose."""
    letters = "etaoinshrdlucmfwypvbgkqjxz"
    return ["".join(rng.choice(letters[: 8 + k % 18]) for k in range(rng.randint(3, 10))) for _ in range(size)]


def _words(rng: random.Random, vocab: list[str], weights: list[float], n: int) -> list[str]:
    words = rng.choices(vocab, cum_weights=weights, k=n)
    # topical words appear in a few percent of articles, like real news
    for topical in VOCAB:
        if rng.random() < 0.03:
            words.insert(rng.randrange(len(words)), topical)
    return words


def _article(i: int, rng: random.Random, vocab: list[str], weights: list[float]) -> tuple[dict, list[dict]]:
    url = f"https://news{i % 40:02d}.example/story/{i}"
    relevant = i % 20 == 0
    words = _words(rng, vocab, weights, rng.randint(150, 400))
    mentions: list[dict] = []
    if relevant:
        person = PEOPLE[i % 4]
        words[10:10] = ["Kim", "Kardashian", "West:", "The", "Justice", "Project", "follows", *person.split(),
                        "prison", "sentence", "clemency"]
        mentions = [{"entry": person, "kind": "person", "count": 1, "terms": [person],
                     "snippet": " ".join(words[:30]), "positions": [[0, 10]]}]
    text = " ".join(words)
    day = date(2019, 1, 1) + timedelta(days=i % 1200)
    outlet, kind = OUTLETS[i % 40]
    return ({"id": article_id(url), "canonical_url": url, "url": url, "outlet": outlet, "outlet_kind": kind,
             "title": " ".join(rng.choices(vocab, cum_weights=weights, k=8)).title(), "text": text,
             "authors": ["A. Writer"],
             "published": day.isoformat(), "published_date": day.isoformat(), "language": "en",
             "relevant": relevant, "relevance": 0.8 if relevant else 0.0,
             "matched": [m["entry"] for m in mentions], "found_via": ["sitemap"], "text_sha1": text_fingerprint(text),
             "cluster_id": article_id(url), "is_original": 1}, mentions)


def build(path: Path, articles: int) -> float:
    started = time.perf_counter()
    store = Store(path)
    rng = random.Random(11)
    vocab = _vocabulary(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))
    store.articles.insert_many(_article(i, rng, vocab, weights) for i in range(articles))
    store.db.execute("pragma optimize")
    store.close()
    return time.perf_counter() - started


def _timed_searches(store: Store) -> list[float]:
    timings = []
    for query in QUERIES:
        for filters in FILTERS:
            started = time.perf_counter()
            store.search(query, filters, limit=20)
            timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def run(articles: int = 200_000, out: Path = REPO / "bench-results") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    db = out / f"queries-{articles}.db"
    built = None
    if not db.exists() or Store(db, readonly=True).count() != articles:
        for stale in out.glob(f"queries-{articles}.db*"):
            stale.unlink()
        built = round(build(db, articles), 1)
    Store(db).close()  # a database built by an older version gets the newer migrations
    store = Store(db, readonly=True)
    # Two passes over the same 60 searches: the first reads the database from disk when the
    # OS has not cached it (as after a reboot), the second is the steady state the target is about.
    cold = _timed_searches(store)
    timings = _timed_searches(store)
    from exports.report import write_report

    report_dir = Path(tempfile.mkdtemp(prefix="newswatch-report-"))
    started = time.perf_counter()
    write_report(store, report_dir, ArticleFilters(relevant=True))
    report_seconds = time.perf_counter() - started
    size_kb = sum(f.stat().st_size for f in report_dir.iterdir()) // 1024
    shutil.rmtree(report_dir, ignore_errors=True)
    result = {"articles": articles, "built_seconds": built, "searches": len(timings),
              "cold_p95_ms": round(cold[int(0.95 * (len(cold) - 1))], 1), "cold_max_ms": round(cold[-1], 1),
              "search_p50_ms": round(statistics.median(timings), 1),
              "search_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
              "search_max_ms": round(timings[-1], 1), "report_seconds": round(report_seconds, 2),
              "report_kb": size_kb}
    (out / "queries.json").write_text(json.dumps(result, indent=2))
    print(f"queries on {articles:,} articles: search p50 {result['search_p50_ms']} ms, p95 "
          f"{result['search_p95_ms']} ms (target < 50), max {result['search_max_ms']} ms over {len(timings)} "
          f"searches; report {result['report_seconds']} s (target < 10), {size_kb} KB")
    print(f"  the same searches on a first pass (database file not yet in the OS cache): p95 "
          f"{result['cold_p95_ms']} ms, max {result['cold_max_ms']} ms")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    args = parser.parse_args(argv)
    run(args.articles, args.out)


if __name__ == "__main__":
    main()
