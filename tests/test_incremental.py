"""Re-crawling: conditional GET, revisions instead of new rows, --since, and a crawl
killed with SIGKILL at several moments that resumes without losing or duplicating."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from runner import FAST, ROOT, child_env

from scraper.dedup.identity import identity_key
from scraper.demoweb import DemoWeb

# the live demo web a crawl of its sources.toml reaches: listed outlets, deleted articles left out
ANSWER_KEY = [e for e in json.loads((ROOT / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
              if e["listed"] and not e["removed"]]
REACHABLE = [e for e in ANSWER_KEY if not e["disallowed"]]
# every reachable article and every relevant short item; a short item that is not coverage may be skipped
MUST_KEEP = [e for e in REACHABLE if e["relevant"] or not e["short"]]
RELEVANT = [e for e in REACHABLE if e["relevant"]]


def a_full_crawl(stored: int) -> bool:
    return len(MUST_KEEP) <= stored <= len(REACHABLE)


def crawl_args(db: Path, sources: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scraper", "crawl", "--db", str(db), "--sources", str(sources), "--no-progress",
            *FAST, *extra]


def crawl(db: Path, sources: Path, *extra: str) -> subprocess.CompletedProcess:
    result = subprocess.run(crawl_args(db, sources, *extra), capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=child_env())
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def rows(db: Path, sql: str) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = [dict(r) for r in conn.execute(sql)]
    conn.close()
    return out


def stats(db: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "scraper", "stats", "--db", str(db), "--json"], capture_output=True,
                            text=True, timeout=60, cwd=ROOT, env=child_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def serve(tmp_path: Path) -> tuple[DemoWeb, Path]:
    web = DemoWeb(max_seconds=300)
    sources = tmp_path / "sources.toml"
    sources.write_text(web.sources_toml(), encoding="utf-8")
    return web, sources


def test_second_crawl_of_an_unchanged_web_downloads_little_and_adds_nothing(tmp_path):
    db = tmp_path / "a.db"
    web, sources = serve(tmp_path)
    with web:
        crawl(db, sources)
        first_articles = rows(db, "select id, last_seen from articles")
        crawl(db, sources)
    second, first = stats(db)["runs"][:2]
    assert first["new_articles"] == len(first_articles) and a_full_crawl(len(first_articles))
    assert second["new_articles"] == 0 and second["updated_articles"] == 0 and second["new_relevant"] == 0
    # in full again: at most each outlet's robots.txt, feed and two sitemaps; every article
    # page and listing answers 304
    assert second["pages_downloaded"] <= 4 * len(web.outlets), (first, second)
    assert second["not_modified"] > 0
    assert rows(db, "select id, last_seen from articles") == first_articles, "an unchanged page is not written"


def test_a_corrected_article_becomes_a_revision_not_a_new_article(tmp_path):
    db = tmp_path / "a.db"
    entry = next(e for e in ANSWER_KEY if e["outlet"] == "justice-dispatch" and not e["disallowed"])
    web, sources = serve(tmp_path)
    with web:
        crawl(db, sources)
        web.update_article("justice-dispatch", entry["path"], "Correction: an earlier version misstated a date.",
                           datetime(2022, 1, 3, 9, 0, tzinfo=UTC))
        crawl(db, sources)
        url = web.url_for("justice-dispatch", entry["path"])
    articles = rows(db, "select * from articles")
    assert a_full_crawl(len(articles)) and stats(db)["runs"][1]["new_articles"] == len(articles)
    (changed,) = [a for a in articles if identity_key(a["canonical_url"]) == identity_key(url)]
    assert changed["revisions"] == 2 and "Correction: an earlier version" in changed["text"]
    history = rows(db, f"select * from revisions where article_id = '{changed['id']}' order by revision")
    assert [h["revision"] for h in history] == [1, 2]
    assert "Correction" not in history[0]["text"] and "Correction" in history[1]["text"]
    assert stats(db)["runs"][0]["updated_articles"] == 1


def test_since_skips_old_feed_items_and_sitemap_entries_before_fetching(tmp_path):
    db = tmp_path / "a.db"
    web, sources = serve(tmp_path)
    with web:
        crawl(db, sources, "--spider", "feeds", "--spider", "sitemaps", "--since", "2020-06-01")
        hits = web.hits
        bases = {slug: base for slug, _n, _k, base in web.outlets}
    stored = rows(db, "select published_date from articles")
    assert stored and all(r["published_date"] >= "2020-05-31" for r in stored)
    old_paths = {(e["outlet"], e["path"]) for e in ANSWER_KEY if e["published"][:10] < "2020-05-30"}
    fetched = {(slug, path.split("?")[0]) for slug, _m, path, _s in hits}
    assert not (old_paths & fetched), sorted(old_paths & fetched)[:5]
    assert bases


def kill_after(web: DemoWeb, db: Path, sources: Path, hits: int) -> None:
    """Start a crawl and SIGKILL it once the demo web has served `hits` more requests;
    fails unless the crawl was still running then (the kill happened mid-crawl)."""
    start = len(web.hits)
    process = subprocess.Popen(crawl_args(db, sources), cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    killed = False
    try:
        while len(web.hits) - start < hits and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed = True
        process.wait(timeout=30)
    served = len(web.hits) - start
    assert killed and served >= hits, f"nothing to kill: the crawl had ended (status {process.returncode}) " \
                                      f"after {served} of the {hits} requests to wait for"
    assert process.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)], "extraction workers outlived the killed crawl"


def alive(pid: str) -> bool:
    """True for a running process (a zombie waiting to be reaped does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def assert_consistent(db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*) - count(distinct canonical_url) from articles").fetchone()[0] == 0
    assert conn.execute("select count(*) from articles where text is null or title is null").fetchone()[0] == 0
    orphans = "select count(*) from mentions where article_id not in (select id from articles)"
    assert conn.execute(orphans).fetchone()[0] == 0
    conn.close()


def test_a_crawl_killed_at_any_moment_resumes_without_loss_or_duplicates(tmp_path):
    """Three crawls SIGKILLed mid-crawl (each still running, its run row still
    `running`), then one that finishes: it marks the three `interrupted`, and the
    database holds every article once."""
    db = tmp_path / "a.db"
    web, sources = serve(tmp_path)
    with web:
        for n, hits in enumerate((25, 120, 260), start=1):
            kill_after(web, db, sources, hits)
            assert_consistent(db)
            runs = rows(db, "select status, finished from crawl_runs order by id")
            assert [r["status"] for r in runs] == ["interrupted"] * (n - 1) + ["running"]
            assert runs[-1]["finished"] is None, "the killed crawl could not finish its run"
        crawl(db, sources)
        bases = {slug: base for slug, _n, _k, base in web.outlets}
    assert_consistent(db)
    stored = {identity_key(r["canonical_url"]) for r in rows(db, "select canonical_url from articles")}
    def keys(entries: list[dict]) -> set[str]:
        return {identity_key(bases[e["outlet"]] + e["path"]) for e in entries}

    assert keys(MUST_KEEP) <= stored <= keys(REACHABLE)
    runs = rows(db, "select status from crawl_runs order by id")
    assert [r["status"] for r in runs] == ["interrupted", "interrupted", "interrupted", "finished"]


def test_schedule_runs_crawls_in_turn_and_announces_new_coverage_once(tmp_path):
    """Two scheduled runs over the demo web: the first announces every relevant article
    (Atom feed + webhook on 127.0.0.1), the second finds nothing new and announces nothing."""
    import http.server
    import threading
    import xml.etree.ElementTree as ET

    posts: list[dict] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    stopper = threading.Timer(120, receiver.shutdown)
    stopper.daemon = True  # a safety net only: it must not hold the test process open
    stopper.start()
    db = tmp_path / "a.db"
    alerts = tmp_path / "alerts.toml"
    atom = tmp_path / "coverage.atom"
    alerts.write_text(f'atom_path = "{atom}"\n[webhook]\nurl = "http://127.0.0.1:{receiver.server_port}/hook"\n')
    web, sources = serve(tmp_path)
    try:
        with web:
            result = subprocess.run(
                [sys.executable, "-m", "scraper", "schedule", "--every", "1s", "--max-runs", "2", "--db", str(db),
                 "--sources", str(sources), "--alerts", str(alerts), *FAST],
                capture_output=True, text=True, timeout=300, cwd=ROOT, env=child_env())
    finally:
        receiver.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "after 2 run(s); exit codes: [0, 0]" in result.stdout
    runs = rows(db, "select status, articles_new, relevant_new from crawl_runs order by id")
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert a_full_crawl(runs[0]["articles_new"]) and runs[1]["articles_new"] == 0
    relevant = runs[0]["relevant_new"]
    assert relevant == len(RELEVANT)
    entries = ET.parse(atom).getroot().findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == relevant
    assert sum(len(p["new_relevant"]) for p in posts) == relevant, "each new article is announced exactly once"


def test_a_second_crawl_on_the_same_database_is_refused_while_one_runs(tmp_path):
    from scraper.runs.lock import CrawlLock

    db = tmp_path / "a.db"
    sources = tmp_path / "sources.toml"  # loopback only: this test must not reach any real outlet
    sources.write_text('[[outlet]]\nname = "Local"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n')
    with CrawlLock.for_database(db):
        result = subprocess.run(crawl_args(db, sources), capture_output=True, text=True, timeout=60, cwd=ROOT,
                                env=child_env())
    assert result.returncode == 2
    assert result.stderr.startswith("newswatch: error: another crawl is running") and "Traceback" not in result.stderr
