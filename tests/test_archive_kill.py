"""A crawl killed with kill -9 in the middle of the demo web: no row points at a bad record
(rows are committed only after their records are on disk), the file it was writing ends,
at worst, in one cut-off record, the next run notices that, starts a new file and prunes
what retention allows, and `newswatch verify` finds every row's record good."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from runner import FAST, ROOT, child_env, newswatch

from scraper.archive import DamagedArchive, archive_files, check_tail, iter_records
from scraper.demoweb import DemoWeb

ANSWER_KEY = json.loads((ROOT / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
# what a crawl of the live demo web must keep (its listed outlets; deleted articles are gone)
MUST_KEEP = [e for e in ANSWER_KEY if e["listed"] and not e["removed"] and not e["disallowed"]
             and (e["relevant"] or not e["short"])]
SLOWER = ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "DOWNLOAD_DELAY=0.02"]  # a few seconds to kill it in
OLD = time.time() - 10 * 86400


def crawl_args(db: Path, sources: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", "--db", str(db), "--sources", str(sources), "--no-progress",
            *FAST, *extra]


def count(db: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0  # not created yet


def kill_when_stored(db: Path, sources: Path, articles: int) -> None:
    """Start a crawl and SIGKILL it once `articles` rows are committed; fails unless it was
    still running then."""
    process = subprocess.Popen(crawl_args(db, sources, *SLOWER), cwd=ROOT, env=child_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while (count(db, "select count(*) from articles") < articles and process.poll() is None
               and time.monotonic() < deadline):
            time.sleep(0.005)
    finally:
        alive = process.poll() is None
        if alive:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert alive and process.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"


def complete_records_end(path: Path) -> int:
    """Where the run of complete records from the start of the file ends (each read in turn)."""
    end = 0
    try:
        for record in iter_records(path):
            end = record.location.offset + record.location.length
    except DamagedArchive as e:
        assert e.offset == end, "a damaged record before the end of the file"
    return end


def test_a_crawl_killed_mid_way_leaves_every_row_s_record_good(tmp_path):
    db, folder = tmp_path / "a.db", tmp_path / "warc"
    with DemoWeb(max_seconds=600) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        kill_when_stored(db, sources, 15)

        stored = count(db, "select count(*) from articles")
        assert 15 <= stored < len(MUST_KEEP), "killed in the middle of the crawl"
        assert count(db, "select count(*) from crawl_runs where status = 'running'") == 1
        (first,) = archive_files(folder)
        path = folder / first
        tail = check_tail(path)
        assert tail.good_end > 0 and complete_records_end(path) == tail.good_end, \
            "every record is complete, but perhaps the last one"
        if tail.complete:  # the kill fell between two writes: make it the other case, a write cut off
            members = [r.location for r in iter_records(path)]
            last = members[-1]
            with open(path, "rb") as fh:
                fh.seek(last.offset)
                member = fh.read(last.length)
            with open(path, "ab") as fh:
                fh.write(member[: len(member) // 2])
        cut = path.stat().st_size
        assert not check_tail(path).complete
        # retention: an old file no row needs goes, an old file rows need stays
        stale = folder / "newswatch-20000101000000-00000.warc.gz"
        stale.write_bytes(b"")
        for old in (stale, path):
            os.utime(old, (OLD, OLD))

        again = subprocess.run(crawl_args(db, sources, "--archive-keep-days", "1"), capture_output=True, text=True,
                               timeout=300, cwd=ROOT, env=child_env())
        assert again.returncode == 0, again.stderr[-3000:]
    assert "incomplete record" in again.stderr and first in again.stderr, "the next run noticed the cut-off write"
    files = archive_files(folder)
    assert files[0] == first and len(files) >= 2 and not stale.exists()
    assert path.stat().st_size == cut, "the next run writes a new file, never after a cut-off record"
    statuses = [r for (r,) in sqlite3.connect(db).execute("select status from crawl_runs order by id")]
    assert statuses == ["interrupted", "finished"]
    assert len(MUST_KEEP) <= count(db, "select count(*) from articles")
    for name in files[1:]:
        assert check_tail(folder / name).complete
        assert subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(folder / name)],
                              capture_output=True, timeout=120).returncode == 0

    result = newswatch("verify", "--db", str(db), "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["passed"], result.stdout[-3000:]
    rows = count(db, "select (select count(*) from articles) + (select count(*) from revisions)")
    assert report["rows"] == report["ok"] == rows
    assert [f["tail"] for f in report["files"]] == ["incomplete"] + ["complete"] * (len(files) - 1)
    assert report["files"][0]["incomplete_bytes"] == cut - tail.good_end
