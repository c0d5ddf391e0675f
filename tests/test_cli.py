"""Bad input at the command line: one line on stderr, exit status 2, nothing changed."""

from __future__ import annotations

import json
import subprocess

import pytest
from runner import newswatch


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("newswatch: error:"), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["frobnicate"], "No such command"),
        (["search"], "Missing argument"),
        (["search", "x", "--since", "2020-13-45"], "YYYY-MM-DD"),
        (["search", "x", "--limit", "0"], "--limit"),
        (["export", "--format", "xml"], "--format"),
        (["crawl", "--spider", "nope"], "--spider"),
        (["extract"], "either FILE or --manifest"),
    ],
)
def test_bad_arguments(args, fragment):
    assert_one_line_error(newswatch(*args), fragment)


def test_missing_database(tmp_path):
    assert_one_line_error(newswatch("stats", "--db", str(tmp_path / "none.db")), "database not found")


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello " * 1000)
    assert_one_line_error(newswatch("stats", "--db", str(path)), "cannot open database")
    assert path.read_text() == "hello " * 1000


def test_malformed_sources_file(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[[outlet]\nname = 'x'\n")
    result = newswatch("crawl", "--sources", str(bad), "--db", str(tmp_path / "a.db"))
    assert_one_line_error(result, "line 1")
    assert not (tmp_path / "a.db").exists()


def test_unknown_outlet_and_person(tmp_path):
    sources = tmp_path / "sources.toml"  # loopback only: the check must not depend on a network check's order
    sources.write_text('[[outlet]]\nname = "Local"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n')
    result = newswatch("crawl", "--outlet", "Nowhere Times", "--db", str(tmp_path / "a.db"), "--sources", str(sources))
    assert_one_line_error(result, "unknown outlet 'Nowhere Times'")
    assert not (tmp_path / "a.db").exists()
    db = tmp_path / "b.db"
    from scraper.store import Store

    Store(db).close()
    assert_one_line_error(newswatch("search", "x", "--db", str(db), "--person", "Nobody Atall"), "unknown person")


def test_bad_fts_query(tmp_path):
    from scraper.store import Store

    db = tmp_path / "c.db"
    Store(db).close()
    assert_one_line_error(newswatch("search", '"unbalanced', "--db", str(db)), "cannot parse search query")


def test_extract_a_saved_page_and_a_manifest_with_a_broken_line(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html lang='en'><head><title>Oxygen premieres Kim Kardashian West: The Justice Project | Example</title>"
        "<meta property='article:published_time' content='2020-04-05T20:00:00-04:00'></head><body><article>"
        "<h1>Oxygen premieres Kim Kardashian West: The Justice Project</h1>"
        + "".join(f"<p>Paragraph {i}: the documentary follows Dawn Jackson, who was sentenced to prison in Ohio "
                  "as a teenager, and Kim Kardashian West's push for clemency.</p>" for i in range(6))
        + "</article></body></html>"
    )
    result = newswatch("extract", str(page), "--url", "https://example.com/tv/justice",
                       "--fetched-at", "2020-04-06T10:00:00+00:00")
    assert result.returncode == 0, result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    for key in ("id", "url", "canonical_url", "title", "text", "authors", "published", "published_date",
                "modified", "language", "relevant", "relevance", "matched"):
        assert key in row, key
    assert row["published_date"] == "2020-04-05" and row["relevant"] is True
    assert "Dawn Jackson" in row["matched"]

    manifest = tmp_path / "m.jsonl"
    manifest.write_text(
        json.dumps({"id": "a", "path": "page.html", "url": "https://example.com/a"}) + "\n"
        + "{not json\n"
        + json.dumps({"id": "c", "path": "missing.html.gz", "url": "https://example.com/c"}) + "\n"
    )
    result = newswatch("extract", "--manifest", str(manifest))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "c"]
    assert "error" not in rows[0] and "error" in rows[1] and "error" in rows[2]
