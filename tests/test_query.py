"""Querying the database: search (table, JSON, CSV, FTS5 errors), streaming export, and the
Datasette metadata that `newswatch serve` passes (its canned queries run on a real store)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from conftest import article_record, mention_row

from exports.datasette import QUERIES, build_metadata
from exports.export import EXPORT_COLUMNS, write_jsonl
from scraper.cli import main
from scraper.dedup.identity import article_id
from scraper.record import COLUMNS as ARTICLE_COLUMNS
from scraper.store import Store

# The JSON Lines keys other tools read: a rename breaks them (new keys may be appended).
STABLE_EXPORT_KEYS = (
    "id", "url", "canonical_url", "outlet", "outlet_kind", "title", "published", "published_date",
    "published_source", "published_precision", "modified", "language", "authors", "relevant", "relevance",
    "matched", "description", "image", "section", "tags", "found_via", "first_seen", "last_seen", "text",
)
WIRE = ("Dawn Jackson, who has spent two decades in prison for killing the step-grandfather she says abused her, "
        "asked the governor for clemency on Tuesday. Her lawyers filed a petition citing her record behind bars, "
        "her education and the support of Kim Kardashian West, whose Oxygen documentary follows the case.")


def record(url: str, title: str, text: str, day: str, outlet: str = "Alpha", **extra) -> dict:
    return article_record(url, title=title, text=text, published=day, outlet=outlet, **{"relevance": 0.7, **extra})


def mention(entry: str = "Dawn Jackson", kind: str = "person") -> dict:
    return mention_row(entry, kind)


@pytest.fixture
def db(tmp_path) -> Path:
    """A small database: a wire story and its syndicated copy, a French article, an off-topic one."""
    path = tmp_path / "articles.db"
    store = Store(path)
    store.articles.save(record("https://alpha.example/dawn", "Dawn Jackson asks for clemency", WIRE, "2020-04-07"),
                       [mention()])
    store.articles.save(record("https://beta.example/wire/dawn", "Dawn Jackson seeks mercy", WIRE, "2020-04-08",
                              outlet="Beta", outlet_kind="entertainment"), [mention()])
    store.articles.save(record("https://gamma.example/fr", "Dawn Jackson demande la clémence",
                              "Dawn Jackson demande la clémence au gouverneur de l'Ohio.", "2020-05-02",
                              outlet="Gamma", language="fr"), [mention()])
    store.articles.save(record("https://alpha.example/bake", "Bake-off final", "A bread contest finale in Ohio.",
                              "2020-05-03", relevant=False, relevance=0.0, matched=[]), [])
    store.clusters.update()
    store.close()
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_table_is_readable_in_80_columns(db, capsys):
    code, out, _ = run(capsys, "search", "clemency OR clémence", "--db", str(db))
    assert code == 0
    assert "result(s) for" in out and "2020-04-07" in out and "Alpha" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "[clemency]" not in out, "FTS5 hit markers are shown as highlighting, not brackets"


def test_accents_are_folded_on_their_own(db, capsys):
    """`clemency` alone finds the French article, whose only form of the word is
    `clémence` (porter stems both to clemenc once the accent is folded); the accented and
    the upper-case query find the English ones."""
    code, out, err = run(capsys, "search", "clemency", "--db", str(db), "--json")
    assert code == 0, err
    hits = [json.loads(line) for line in out.splitlines()]
    assert {h["outlet"] for h in hits} == {"Alpha", "Beta", "Gamma"}
    assert [h["title"] for h in hits if h["outlet"] == "Gamma"] == ["Dawn Jackson demande la clémence"]
    for query in ("clémence", "CLÉMENCE", "clemence"):
        code, out, err = run(capsys, "search", query, "--db", str(db), "--json")
        assert code == 0, err
        assert {json.loads(line)["outlet"] for line in out.splitlines()} == {"Alpha", "Beta", "Gamma"}, query


def test_search_csv_has_a_header_and_one_row_per_hit_in_rank_order(db, capsys):
    code, out, _ = run(capsys, "search", "dawn", "--db", str(db), "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 and [r["rank"] for r in rows] == ["1", "2", "3"]
    assert {r["outlet"] for r in rows} == {"Alpha", "Beta", "Gamma"}
    assert all(r["url"].startswith("https://") and "\n" not in r["snippet"] for r in rows)
    assert rows[0]["matched"] == "Dawn Jackson"


def test_search_filters_and_json(db, capsys):
    code, out, _ = run(capsys, "search", "dawn", "--db", str(db), "--json", "--language", "fr")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["outlet"] for r in rows] == ["Gamma"] and "text" not in rows[0] and "signature" not in rows[0]
    _, out, _ = run(capsys, "search", "ohio", "--db", str(db), "--json", "--relevant")
    assert {json.loads(line)["outlet"] for line in out.splitlines()} == {"Gamma"}
    _, out, _ = run(capsys, "search", "ohio", "--db", str(db), "--json", "--until", "2020-05-02", "--all")
    assert len(out.splitlines()) == 1
    _, out, _ = run(capsys, "search", 'NEAR(dawn petition, 30) NOT title:mercy', "--db", str(db), "--json")
    assert {json.loads(line)["outlet"] for line in out.splitlines()} == {"Alpha"}


@pytest.mark.parametrize("query, hint", [
    ('"unbalanced', "double quote is not closed"),
    ("NEAR(dawn jackson", "brackets must pair"),
    ("NEAR(dawn jackson, far)", "NEAR's distance"),
    ("author:dawn", "only title: and text:"),
    ("dawn AND", "needs words on both sides"),
    ("*", "cannot start with *"),
    ("   ", "empty search query"),
])
def test_a_query_fts5_cannot_parse_is_one_line_and_exit_2(db, capsys, query, hint):
    code, out, err = run(capsys, "search", query, "--db", str(db))
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and not out
    assert len(lines) == 1 and hint in lines[0] and "Traceback" not in err, err
    assert '"a phrase"' in lines[0], "the error shows the syntax"


def test_search_json_and_csv_together_is_a_usage_error(db, capsys):
    code, _, err = run(capsys, "search", "dawn", "--db", str(db), "--json", "--csv")
    assert code == 2 and "--json or --csv" in err


def test_export_jsonl_keys_are_stable_and_csv_matches(db, capsys, tmp_path):
    assert tuple(EXPORT_COLUMNS[: len(STABLE_EXPORT_KEYS)]) == STABLE_EXPORT_KEYS
    code, out, _ = run(capsys, "export", "--db", str(db), "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 4
    assert all(tuple(row)[: len(STABLE_EXPORT_KEYS)] == STABLE_EXPORT_KEYS for row in rows)
    assert isinstance(rows[0]["matched"], list) and isinstance(rows[0]["relevant"], bool)
    out_csv = tmp_path / "out" / "a.csv"
    assert run(capsys, "export", "--db", str(db), "--format", "csv", "--relevant", "-o", str(out_csv))[0] == 0
    table = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(table) == 3 and tuple(table[0]) == EXPORT_COLUMNS


def large_db(path: Path, rows: int) -> Path:
    """`rows` articles of ~1.5 KB text each, inserted in batches (the FTS triggers run too)."""
    store = Store(path)
    words = ["court", "prison", "sentence", "parole", "clemency", "governor", "petition", "hearing", "judge",
             "lawyer", "documentary", "network", "review", "episode", "season", "outlet", "story"]
    batch = []
    for i in range(rows):
        text = " ".join(words[(i * 7 + k) % len(words)] for k in range(220)) + f" item{i}"
        url = f"https://big.example/{i}"
        batch.append({"id": article_id(url), "canonical_url": url, "url": url, "outlet": f"Outlet {i % 9}",
                      "outlet_kind": "justice", "title": f"Story number {i}", "text": text,
                      "published_date": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}", "relevant": i % 3 == 0,
                      "matched": "[]", "authors": "[]", "tags": "[]", "found_via": "[]"})
        if len(batch) == 2000:
            store.db["articles"].insert_all(batch)
            batch = []
    store.db["articles"].insert_all(batch)
    store.close()
    return path


class CountingSink(io.TextIOBase):
    """Counts what is written and keeps none of it, so only the export's own memory shows."""

    def __init__(self) -> None:
        self.chars = 0
        self.lines = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.lines += text.count("\n")
        return len(text)


def test_export_streams_20000_articles_in_flat_memory(tmp_path):
    db = large_db(tmp_path / "big.db", 20_000)
    store = Store(db, readonly=True)
    sink = CountingSink()
    tracemalloc.start()
    try:
        n = write_jsonl(store.articles.select(), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        store.close()
    assert n == sink.lines == 20_000
    assert sink.chars > 30_000_000, "the export is tens of MB"
    assert peak < 3_000_000, f"export peak {peak / 1e6:.1f} MB: rows are being accumulated, not streamed"


# ---- Datasette metadata -----------------------------------------------------------


def test_metadata_describes_tables_columns_and_facets():
    meta = build_metadata("articles")
    database = meta["databases"]["articles"]
    articles = database["tables"]["articles"]
    assert set(articles["columns"]) <= set(ARTICLE_COLUMNS) | {"cluster_id", "is_original", "similarity_to_original",
                                                                "published_month"}
    assert {"outlet", "language", "outlet_kind", "published_month"} <= {
        f for f in articles["facets"] if isinstance(f, str)}
    assert {"array": "matched"} in articles["facets"]
    assert database["tables"]["mentions"]["facets"] == ["entry", "kind"]
    titles = {q["title"] for q in database["queries"].values()}
    assert {"Coverage by case", "Coverage by outlet", "New this week", "Syndicated copies of a story"} <= titles
    json.dumps(meta)


def test_canned_queries_run_on_a_real_database(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    results = {}
    for name, (_title, sql, _description) in QUERIES.items():
        params = {"words": ""} if ":words" in sql else {}
        results[name] = [dict(r) for r in conn.execute(sql, params)]
    by_case = {r["case"]: r for r in results["coverage_by_case"]}
    assert by_case["Dawn Jackson"]["articles"] == 3 and by_case["Dawn Jackson"]["unique_stories"] == 2
    assert by_case["Dawn Jackson"]["first_mention"] == "2020-04-07"
    assert {r["outlet"]: r["relevant_articles"] for r in results["coverage_by_outlet"]} == {
        "Alpha": 1, "Beta": 1, "Gamma": 1}
    assert len(results["new_this_week"]) == 3, "first_seen is now"
    copies = results["syndicated_copies"]
    assert [(r["outlet"], r["is_original"]) for r in copies] == [("Alpha", 1), ("Beta", 0)]
    one = [dict(r) for r in conn.execute(QUERIES["syndicated_copies"][1], {"words": "clemency"})]
    none = [dict(r) for r in conn.execute(QUERIES["syndicated_copies"][1], {"words": "bake"})]
    assert len(one) == 2 and none == []
    conn.close()


def test_month_facet_column_is_computed_by_sqlite(tmp_path):
    from scraper.store import Store

    store = Store(tmp_path / "m.db")
    store.db.execute("insert into articles (id, canonical_url, url, published_date) values ('a', 'u', 'u', "
                     "'2020-04-05')")
    assert store.db.execute("select published_month from articles").fetchone()[0] == "2020-04"
    store.close()
