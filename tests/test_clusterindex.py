"""Incremental clustering after each crawl gives the clusters a full re-clustering would."""

from __future__ import annotations

import random

import pytest
from conftest import article_record

from scraper.dedup.minhash import ClusterInput, cluster, signature
from scraper.store import Store
from scraper.store import clusters as clusterindex

VOCAB = [f"w{i}" for i in range(400)]


def _record(url: str, text: str, published: str | None, with_signature: bool) -> dict:
    record = article_record(url, title="t", text=text, published=published, matched=[])
    if with_signature:  # as a crawl stores it; `extract` imports and old rows come without
        record.update(signature=signature(text).to_str(), signature_of=record["text_sha1"])
    return record


def _reworded(text: str, rng: random.Random, share: float) -> str:
    return " ".join(rng.choice(VOCAB) if rng.random() < share else word for word in text.split())


def _expected(store: Store) -> dict[str, tuple[str, int, float]]:
    rows = list(store.db.query("select id, published, text, text_sha1 from articles"))
    inputs = [ClusterInput(r["id"], r["published"], signature(r["text"] or ""), r["text_sha1"] or r["id"])
              for r in rows]
    return {a.article_id: (a.cluster_id, int(a.is_original), round(a.similarity_to_original, 4))
            for a in cluster(inputs)}


def _stored(store: Store) -> dict[str, tuple[str, int, float]]:
    return {r["id"]: (r["cluster_id"], r["is_original"], r["similarity_to_original"])
            for r in store.db.query("select id, cluster_id, is_original, similarity_to_original from articles")}


@pytest.mark.parametrize("seed", range(6))
def test_clusters_after_every_crawl_equal_a_full_clustering(tmp_path, monkeypatch, seed):
    """Crawls add originals, exact copies, reworded copies (some just under the threshold)
    and unrelated or empty texts, and change texts already clustered; after each one the
    stored clusters are exactly those of clustering every article from scratch."""
    monkeypatch.setattr(clusterindex, "CHUNK", 7)  # several transactions per recluster
    rng = random.Random(seed)
    store = Store(tmp_path / "a.db")
    texts: list[str] = []
    urls: list[str] = []
    for _crawl in range(6):
        batch = []
        for _ in range(rng.randint(5, 25)):
            roll = rng.random()
            if texts and roll < 0.25:
                text = rng.choice(texts)  # a syndicated copy
            elif texts and roll < 0.55:
                text = _reworded(rng.choice(texts), rng, rng.choice([0.05, 0.15, 0.3, 0.5]))
            elif roll < 0.6:
                text = ""
            else:
                text = " ".join(rng.choices(VOCAB, k=rng.randint(1, 80)))
            if urls and rng.random() < 0.2:
                url = rng.choice(urls)  # the same page again, its text changed (or not)
            else:
                url = f"https://site{rng.randint(0, 3)}.example/{len(urls)}"
                urls.append(url)
            published = rng.choice([None, f"2020-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                                    f"2020-05-10T0{rng.randint(0, 9)}:00:00+00:00"])
            texts.append(text)
            batch.append((_record(url, text, published, with_signature=rng.random() < 0.7), []))
        store.articles.save_many(batch)
        store.clusters.update()
        assert _stored(store) == _expected(store)
        assert store.clusters.update() == 0, "nothing pending: nothing moves"
    assert store.clusters.rebuild() == 0, "rebuilding the index finds the same clusters"
    assert _stored(store) == _expected(store)


def test_a_changed_text_that_bridged_two_copies_splits_their_cluster(tmp_path):
    rng = random.Random(1)
    store = Store(tmp_path / "a.db")
    a = " ".join(rng.choices(VOCAB, k=120))
    b = _reworded(a, rng, 0.1)
    c = _reworded(b, rng, 0.1)
    for url, text, day in (("https://x.example/a", a, "01"), ("https://x.example/b", b, "02"),
                           ("https://x.example/c", c, "03")):
        store.articles.save(_record(url, text, f"2020-01-{day}", with_signature=True), [])
    store.clusters.update()
    assert len({row[0] for row in store.db.execute("select cluster_id from articles")}) == 1
    store.articles.save(_record("https://x.example/b", "a different story altogether", "2020-01-02",
                               with_signature=True), [])
    store.clusters.update()
    assert _stored(store) == _expected(store)
    assert store.reports.unique_stories() == _count_clusters(_expected(store))


def _count_clusters(assignments: dict[str, tuple[str, int, float]]) -> int:
    return len({cluster_id for cluster_id, _, _ in assignments.values()})


def test_recluster_reads_only_what_the_new_articles_touch(tmp_path, monkeypatch):
    """A crawl's recluster reads the signatures of its own articles and of the clusters
    they join, not those of the whole database."""
    rng = random.Random(3)
    store = Store(tmp_path / "a.db")
    old = [" ".join(rng.choices(VOCAB, k=60)) for _ in range(300)]
    store.articles.save_many([(_record(f"https://x.example/{i}", t, None, True), []) for i, t in enumerate(old)])
    store.clusters.update()
    parsed = []
    original = clusterindex.ClusterIndex._signature
    monkeypatch.setattr(clusterindex.ClusterIndex, "_signature",
                        lambda self, article_id, *rest: parsed.append(article_id) or original(self, article_id, *rest))
    store.articles.save_many([(_record("https://y.example/copy", old[5], "2019-01-01", True), []),
                         (_record("https://y.example/new", "a story of its own", None, True), [])])
    # the two new articles, and old[5], whose earlier copy is now its original
    assert store.clusters.update() == 3
    assert len(parsed) < 10
    assert _stored(store) == _expected(store)
