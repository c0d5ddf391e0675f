"""Bad input everywhere: one line on stderr, exit status 2, no traceback, and the stored
data unchanged. Complements tests/test_cli.py (bad arguments, missing database)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from faultweb import FaultWeb
from prereq import need
from runner import ROOT, child_env

from scraper.cli import main
from scraper.dedup.identity import article_id, text_fingerprint
from scraper.store import Store
from scraper.store.articles import Articles

# Runs the CLI with every SQLite connection capped at its current size: a full disk.
FULL_DISK = """
import sqlite3, sys
_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    pages = conn.execute("pragma page_count").fetchone()[0]
    conn.execute(f"pragma max_page_count = {max(pages, 1)}")
    return conn
sqlite3.connect = connect
from scraper.cli import main
sys.exit(main(sys.argv[1:]))
"""


def local_sources(folder: Path) -> Path:
    """An outlet on the loopback discard port: nothing is listening and nothing leaves the machine."""
    path = folder / "local-sources.toml"
    path.write_text('[[outlet]]\nname = "Local"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n',
                    encoding="utf-8")
    return path


def newswatch(*args: str, full_disk: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", FULL_DISK] if full_disk else [sys.executable, "-m", "scraper"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=child_env())


def assert_one_line_error(result: subprocess.CompletedProcess, fragment: str = "") -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("newswatch: error:"), result.stderr[-2000:]
    assert fragment in lines[0], lines[0]
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def articles(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def database(tmp_path) -> Path:
    """A newswatch database with one article that a rematch would change (stored as not relevant)."""
    db = tmp_path / "a.db"
    store = Store(db)
    text = ("Kim Kardashian West: The Justice Project premieres on Oxygen. Dawn Jackson, sentenced to prison in "
            "Ohio as a teenager, asks for clemency. ") * 4
    url = "https://example.com/news/justice-project"
    store.articles.save({"id": article_id(url), "canonical_url": url, "url": url, "outlet": "Example",
                        "outlet_kind": "justice", "title": "Oxygen premieres The Justice Project", "text": text,
                        "language": "en", "relevant": False, "relevance": 0.0, "matched": [], "found_via": ["feed"],
                        "text_sha1": text_fingerprint(text), "html_sha1": "x", "published_date": "2020-04-05"}, [])
    store.close()
    return db


# ---- config files ----------------------------------------------------------------------------


def test_malformed_watchlist_names_its_line(tmp_path, database):
    bad = tmp_path / "watchlist.toml"
    bad.write_text('[watchlist]\nname = "x"\n\n[documentary\nname = "y"\n', encoding="utf-8")
    before = dump(database)
    for args in (["rematch", "--db", str(database)], ["search", "x", "--db", str(database), "--person", "Dawn"],
                 ["crawl", "--db", str(database), "--sources", str(local_sources(tmp_path))]):
        assert_one_line_error(newswatch(*args, "--watchlist", str(bad)), "line 4")
    assert dump(database) == before


def test_malformed_sources_names_its_line_and_bad_values_are_named(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[outlet]]\nname = "A"\nhomepage = "https://a.example/"\nkind = "justice\n', encoding="utf-8")
    assert_one_line_error(newswatch("crawl", "--sources", str(bad), "--db", str(tmp_path / "a.db")), "line 4")
    bad.write_text('[[outlet]]\nname = "A"\nhomepage = "https://a.example/"\nkind = "sports"\n', encoding="utf-8")
    assert_one_line_error(newswatch("crawl", "--sources", str(bad), "--db", str(tmp_path / "a.db")), "'sports'")
    assert not (tmp_path / "a.db").exists()


def test_unknown_outlet_and_person_everywhere(tmp_path, database):
    assert_one_line_error(newswatch("crawl", "--outlet", "Nowhere Times", "--db", str(database), "--sources",
                                    str(local_sources(tmp_path))), "unknown outlet")
    for command in (["report", "--out", str(tmp_path / "r")], ["export"], ["search", "x"]):
        assert_one_line_error(newswatch(*command, "--db", str(database), "--person", "Nobody Atall"), "unknown person")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("flag", ["--since", "--until"])
@pytest.mark.parametrize("value", ["2020-02-30", "2021-13-01", "yesterday"])
def test_impossible_dates(tmp_path, database, flag, value):
    for command in (["search", "x"], ["export"], ["report", "--out", str(tmp_path / "r")]):
        assert_one_line_error(newswatch(*command, "--db", str(database), flag, value), "YYYY-MM-DD")


def test_since_after_until_and_crawl_since(tmp_path, database):
    assert_one_line_error(newswatch("search", "x", "--db", str(database), "--since", "2021-01-01", "--until",
                                    "2020-01-01"), "is after")
    assert_one_line_error(newswatch("crawl", "--db", str(database), "--since", "2020-02-30", "--sources",
                                    str(local_sources(tmp_path))), "YYYY-MM-DD")


# ---- database files --------------------------------------------------------------------------


COMMANDS = [["search", "x"], ["stats"], ["export"], ["rematch"], ["report", "--out", "{tmp}/r"],
            ["crawl", "--sources", "{tmp}/local-sources.toml"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path, command):
    db = tmp_path / "notes.db"
    db.write_bytes(b"SQLite format 2\0 my notes, not a database " * 200)
    local_sources(tmp_path)
    before = digest(db)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    assert_one_line_error(newswatch(*args, "--db", str(db)), "not a database")
    assert digest(db) == before


def test_paths_that_cannot_be_created_are_one_line(tmp_path, database):
    """Running as root, chmod does not stop writes; a parent that is a regular file does."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert_one_line_error(newswatch("crawl", "--db", str(blocker / "x.db"), "--sources",
                                    str(local_sources(tmp_path))), str(blocker))
    assert_one_line_error(newswatch("report", "--db", str(database), "--out", str(blocker / "r")), str(blocker))
    assert_one_line_error(newswatch("export", "--db", str(database), "-o", str(blocker / "out.jsonl")), str(blocker))
    assert blocker.read_text() == "not a folder"


READ_ONLY_BIND = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def test_a_read_only_database_is_one_line(tmp_path, database):
    """A database (and its folder) that cannot be written: as a user, file permissions;
    as root, who ignores them, a read-only bind mount of the folder in a private mount
    namespace (so `make test`, which runs as root, runs this too)."""
    before = dump(database)
    args = ["crawl", "--db", str(database), "--sources", str(local_sources(tmp_path))]
    if os.geteuid() == 0:
        need(shutil.which("unshare") is not None and subprocess.run(["unshare", "-m", "true"]).returncode == 0,
             "a mount namespace (unshare -m)", "util-linux's unshare, and the right to create namespaces")
        command = ["unshare", "-m", "--", "sh", "-c", READ_ONLY_BIND, str(database.parent),
                   sys.executable, "-m", "scraper", *args]
        probe = subprocess.run(["unshare", "-m", "--", "sh", "-c", READ_ONLY_BIND, str(database.parent),
                                "touch", str(database.parent / "probe")], capture_output=True, text=True)
        assert probe.returncode != 0 and "Read-only file system" in probe.stderr, "the bind mount is read-only"
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT, env=child_env())
    else:
        database.chmod(0o444)
        database.parent.chmod(0o555)
        try:
            result = newswatch(*args)
        finally:
            database.parent.chmod(0o755)
            database.chmod(0o644)
    assert_one_line_error(result)
    assert dump(database) == before
    assert not (database.parent / "probe").exists()


# ---- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_when_creating_the_database(tmp_path):
    db = tmp_path / "new.db"
    assert_one_line_error(newswatch("crawl", "--db", str(db), "--sources", str(local_sources(tmp_path)),
                                    full_disk=True), "database or disk is full")


def test_a_full_disk_during_rematch_changes_nothing(database, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    before = dump(database)
    monkeypatch.setattr(Articles, "update_match", full)
    assert main(["rematch", "--db", str(database), "--watchlist", str(ROOT / "watchlist.toml")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert err == ["newswatch: error: database error: database or disk is full"]
    assert dump(database) == before


def test_a_disk_that_fills_during_a_crawl_stops_it_cleanly(tmp_path, database):
    """Article inserts start failing: the crawl stops (reason disk_full) instead of fetching
    pages it cannot keep, says so in one line, and what was stored before is intact."""
    stored = "select id, url, title, text, text_sha1, revisions from articles order by id"
    before = articles(database, stored)
    sources = tmp_path / "sources.toml"
    with FaultWeb(max_seconds=120) as web:
        sources.write_text(web.sources_toml(), encoding="utf-8")
        result = newswatch("crawl", "--db", str(database), "--sources", str(sources), "--no-progress", "--spider",
                           "feeds", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", full_disk=True)
    crawl_log = result.stderr.split("[newswatch.alerts]")[0]  # alerts log their own failure in full
    assert "Traceback" not in crawl_log, crawl_log[-3000:]
    assert "Spider closed (disk_full)" in result.stderr
    assert result.returncode in (1, 2), result.stderr[-2000:]  # never a success
    last = result.stderr.strip().splitlines()[-1]
    if result.returncode == 1:
        assert last.startswith("newswatch: error: crawl run #") and last.endswith("ended disk_full"), last
    else:
        assert last.startswith("newswatch: error: database error:"), last
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert set(before) <= set(articles(database, stored))
