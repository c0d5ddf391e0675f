"""The evidence archive in use: a crawl of the demo web keeps every stored page in WARC
files that warcio accepts; `verify` checks every row's record; `show` prints an article
or its page as fetched; `export --format warc` writes the selected pages as one WARC file;
the report links each article to its archived copy; `reextract` stores what today's
extractor reads in the archived pages, sending no request, and resumes when stopped."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from runner import FAST, ROOT, child_env, newswatch

from scraper.analysis.reextract import inline, reextract
from scraper.archive import archive_files, index_file, read_record
from scraper.cli import main
from scraper.dedup.identity import identity_key, text_fingerprint
from scraper.demoweb import DemoWeb
from scraper.match import load_watchlist
from scraper.store import ArticleFilters, Store, archive_folder_of

WARCIO = Path(sys.executable).with_name("warcio")
ANSWER_KEY = json.loads((ROOT / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
CORRECTED = next(e for e in ANSWER_KEY if e["outlet"] == "justice-dispatch" and not e["disallowed"]
                 and not e["short"])
COMPARED = ("title", "text", "text_sha1", "published", "published_date", "published_source", "authors", "language",
            "relevant", "relevance", "matched", "word_count", "description")


def crawl(db: Path, sources: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "scraper", "crawl", "--db", str(db), "--sources", str(sources),
                             "--no-progress", *FAST], capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=child_env())
    assert result.returncode == 0, result.stderr[-3000:]


def rows(db: Path, sql: str, params: tuple = ()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    out = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return out


def execute(db: Path, sql: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql, params)
    conn.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo web crawled twice into one database (an article corrected in between: a
    second revision with a record of its own), and still being served."""
    tmp = tmp_path_factory.mktemp("evidence")
    db, sources = tmp / "articles.db", tmp / "sources.toml"
    with DemoWeb(max_seconds=900) as web:
        sources.write_text(web.sources_toml(), encoding="utf-8")
        crawl(db, sources)
        web.update_article("justice-dispatch", CORRECTED["path"], "Correction: an earlier version misstated a date.",
                           datetime(2022, 1, 3, 9, 0, tzinfo=UTC))
        crawl(db, sources)
        url = web.url_for("justice-dispatch", CORRECTED["path"])
        (corrected,) = [a["id"] for a in rows(db, "select id, canonical_url from articles")
                        if identity_key(a["canonical_url"]) == identity_key(url)]
        yield {"db": db, "folder": tmp / "warc", "web": web, "corrected": corrected}


def copy_of(site: dict, tmp_path: Path) -> Path:
    """The crawled database and its archive, copied for a test that changes them."""
    db = tmp_path / "articles.db"
    source, target = sqlite3.connect(site["db"]), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    shutil.copytree(site["folder"], tmp_path / "warc")
    return db


def warcio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARCIO), *args], capture_output=True, text=True, timeout=120)


# ---- the crawl's archive and verify ---------------------------------------------------------


def test_the_crawl_keeps_every_stored_page_in_files_warcio_accepts(site):
    files = archive_files(site["folder"])
    assert len(files) == 2, "each run writes a file of its own"
    for name in files:
        path = site["folder"] / name
        assert warcio("check", str(path)).returncode == 0
        index = [json.loads(line) for line in warcio("index", str(path)).stdout.splitlines()]
        assert index[0]["warc-type"] == "warcinfo" and {"response", "request"} <= {i["warc-type"] for i in index}
    articles = rows(site["db"], "select id, url, html_sha1, warc_file, warc_offset, warc_length from articles")
    assert articles and all(a["warc_file"] in files for a in articles)
    for article in articles:
        record = read_record(site["folder"], article["warc_file"], article["warc_offset"], article["warc_length"])
        assert record.rec_type == "response" and record.target_uri == article["url"]
        assert hashlib.sha1(record.body).hexdigest() == article["html_sha1"]
    history = rows(site["db"], "select * from revisions where article_id = ? order by revision", (site["corrected"],))
    assert [h["warc_file"] for h in history] == files, "the correction's record is in the second run's file"
    assert archive_folder_of(site["db"]) == site["folder"]
    assert rows(site["db"], "select value from meta where key = 'archive_folder'") == [{"value": "warc"}]


def test_verify_reads_every_row_s_record(site):
    result = newswatch("verify", "--db", str(site["db"]), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    (counts,) = rows(site["db"], "select (select count(*) from articles) + (select count(*) from revisions) as n")
    assert report["rows"] == report["ok"] == counts["n"] and report["passed"]
    assert (report["bad"], report["missing_file"], report["problems"]) == (0, 0, [])
    assert [f["tail"] for f in report["files"]] == ["complete", "complete"]
    text = newswatch("verify", "--db", str(site["db"]))
    assert text.returncode == 0 and "0 bad" in text.stdout and "all records good" in text.stdout


def test_verify_names_each_damaged_missing_or_wrong_record_and_fails(site, tmp_path):
    db = copy_of(site, tmp_path)
    damaged, wrong, missing, *_ = rows(db, "select id, url, warc_file, warc_offset, warc_length from articles "
                                           "where revisions = 1 order by id")
    path = tmp_path / "warc" / damaged["warc_file"]
    data = bytearray(path.read_bytes())
    data[damaged["warc_offset"] + damaged["warc_length"] // 2] ^= 0xFF  # a flipped bit inside the gzip member
    path.write_bytes(bytes(data))
    execute(db, "update articles set warc_offset = ?, warc_length = ? where id = ?",
            (missing["warc_offset"], missing["warc_length"], wrong["id"]))  # another page's record
    execute(db, "update articles set warc_file = 'newswatch-20000101000000-00009.warc.gz' where id = ?",
            (missing["id"],))
    result = newswatch("verify", "--db", str(db), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    # the damaged record is also the first revision's; the other two revisions keep theirs
    assert (report["bad"], report["missing_file"], report["passed"]) == (3, 1, False)
    problems = {p["article_id"]: p for p in report["problems"] if p["table"] == "articles"}
    assert set(problems) == {damaged["id"], wrong["id"], missing["id"]}
    assert "gzip" in " ".join(problems[damaged["id"]]["problems"])
    assert any(f"not of {wrong['url']}" in p for p in problems[wrong["id"]]["problems"])
    assert problems[missing["id"]]["status"] == "missing file"
    text = newswatch("verify", "--db", str(db))
    assert text.returncode == 1 and "verify FAILED" in text.stdout and missing["id"] in text.stdout


# ---- show, export, report -------------------------------------------------------------------


def test_show_prints_the_stored_article_or_the_page_as_fetched(site):
    db = str(site["db"])
    article = rows(site["db"], "select * from articles where id = ?", (site["corrected"],))[0]
    shown = newswatch("show", article["id"], "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert article["title"] in shown.stdout and article["warc_file"] in shown.stdout
    assert "Correction: an earlier version misstated a date." in shown.stdout and "revisions:" in shown.stdout
    by_url = newswatch("show", article["url"] + "?utm_source=x", "--db", db, "--json")
    data = json.loads(by_url.stdout)
    assert data["id"] == article["id"] and data["text"] == article["text"] and len(data["revision_list"]) == 2
    raw = subprocess.run([sys.executable, "-m", "scraper", "show", article["id"], "--db", db, "--raw"],
                         capture_output=True, timeout=60, cwd=ROOT, env=child_env())
    head, _, body = raw.stdout.partition(b"\r\n\r\n")
    assert raw.returncode == 0 and head.startswith(b"HTTP/1.") and b"200 OK" in head.split(b"\r\n")[0]
    assert b"Content-Type: text/html" in head and hashlib.sha1(body).hexdigest() == article["html_sha1"]
    first = subprocess.run([sys.executable, "-m", "scraper", "show", article["id"], "--db", db, "--raw",
                            "--revision", "1"], capture_output=True, timeout=60, cwd=ROOT, env=child_env())
    assert first.returncode == 0 and b"Correction" not in first.stdout and b"Correction" in body
    older = newswatch("show", article["id"], "--db", db, "--revision", "1")
    assert "Correction" not in older.stdout and article["title"] in older.stdout
    unknown = newswatch("show", "0000000000deadbeef00", "--db", db)
    assert unknown.returncode == 2 and "no article" in unknown.stderr


def test_show_raw_of_an_article_without_a_record_says_so(site, tmp_path):
    db = copy_of(site, tmp_path)
    execute(db, "update articles set warc_file = null, warc_offset = null, warc_length = null where id = ?",
            (site["corrected"],))
    result = newswatch("show", site["corrected"], "--db", str(db), "--raw")
    assert result.returncode == 1 and "no archived copy" in result.stderr


def test_export_warc_writes_the_selected_articles_pages_as_one_file(site, tmp_path):
    db = str(site["db"])
    out = tmp_path / "relevant.warc.gz"
    result = newswatch("export", "--format", "warc", "--relevant", "--db", db, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert warcio("check", str(out)).returncode == 0
    index = [json.loads(line) for line in warcio("index", str(out)).stdout.splitlines()]
    relevant = rows(site["db"], "select url from articles where relevant = 1")
    responses = [i["warc-target-uri"] for i in index if i["warc-type"] == "response"]
    assert sorted(responses) == sorted(r["url"] for r in relevant)
    assert sum(i["warc-type"] == "request" for i in index) == len(relevant), "each page with its request"
    every = tmp_path / "every-version.warc.gz"
    result = newswatch("export", "--format", "warc", "--revisions", "--outlet", "Justice Dispatch", "--db", db,
                       "-o", str(every))
    assert result.returncode == 0, result.stderr
    versions = rows(site["db"], "select r.warc_offset from revisions r join articles a on a.id = r.article_id "
                                "where a.outlet = 'Justice Dispatch'")
    entries = list(index_file(every))
    assert sum(e.rec_type == "response" for e in entries) == len(versions)
    assert newswatch("export", "--format", "warc", "--db", db).returncode == 2, "a WARC file needs -o"


def test_the_report_links_each_article_to_its_archived_copy(site, tmp_path):
    out = tmp_path / "report"
    result = newswatch("report", "--db", str(site["db"]), "--out", str(out))
    assert result.returncode == 0 and "archived copies" in result.stdout, result.stderr
    relevant = rows(site["db"], "select id, html_sha1 from articles where relevant = 1")
    page = (out / "report.html").read_text(encoding="utf-8")
    markdown = (out / "report.md").read_text(encoding="utf-8")
    for article in relevant:
        copy = out / "archive" / f"{article['id']}.html"
        assert hashlib.sha1(copy.read_bytes()).hexdigest() == article["html_sha1"], "the page as fetched"
        assert f"href='archive/{article['id']}.html'" in page and f"(archive/{article['id']}.html)" in markdown
    assert len(list((out / "archive").iterdir())) == len(relevant)
    assert (out / "report.html").stat().st_size < 60_000
    plain = tmp_path / "plain"
    assert newswatch("report", "--db", str(site["db"]), "--out", str(plain), "--no-archived-copies").returncode == 0
    assert not (plain / "archive").exists() and "archive/" not in (plain / "report.html").read_text()


# ---- reextract -----------------------------------------------------------------------------


def relevant_with_apostrophe(db: Path, n: int) -> list[dict]:
    return rows(db, "select * from articles where relevant = 1 and text like '%''%' and revisions = 1 "
                    "order by id limit ?", (n,))


def mentions(db: Path, article_id: str) -> list[dict]:
    return rows(db, "select * from mentions where article_id = ? order by entry", (article_id,))


def test_reextract_stores_what_today_s_extractor_reads_and_sends_no_request(site, tmp_path):
    """Rows stored by an older extractor (simulated in the database: quotes restyled, a
    paragraph missed, a wrong date, a verdict without its evidence) come back to what
    extraction gives today, from the archived pages, while the demo web logs no request."""
    db = copy_of(site, tmp_path)
    restyled, shorter, redated, unmatched = relevant_with_apostrophe(db, 4)
    truth = {a["id"]: (a, mentions(db, a["id"])) for a in (restyled, shorter, redated, unmatched)}
    execute(db, "update articles set text = ? where id = ?", (restyled["text"].replace("'", "\u2019"), restyled["id"]))
    execute(db, "update revisions set text = ? where article_id = ?",
            (restyled["text"].replace("'", "\u2019"), restyled["id"]))
    cut = shorter["text"].rsplit("\n\n", 1)[0]
    execute(db, "update articles set text = ?, text_sha1 = ? where id = ?", (cut, text_fingerprint(cut), shorter["id"]))
    execute(db, "update revisions set text = ?, text_sha1 = ? where article_id = ?",
            (cut, text_fingerprint(cut), shorter["id"]))
    execute(db, "update articles set published = '1999-01-01', published_date = '1999-01-01' where id = ?",
            (redated["id"],))
    execute(db, "update articles set relevant = 0, relevance = 0, matched = '[]' where id = ?", (unmatched["id"],))
    execute(db, "delete from mentions where article_id = ?", (unmatched["id"],))
    relevant = rows(db, "select count(*) as n from articles where relevant = 1")[0]["n"]

    hits = len(site["web"].hits)
    result = newswatch("reextract", "--db", str(db), "--json", "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(site["web"].hits) == hits, "reextract sent a request"
    summary = json.loads(result.stdout)
    assert (summary["updated"], summary["skipped"], summary["workers"]) == (4, 0, 2)
    assert (summary["text_restyled"], summary["text_changed"], summary["became_relevant"]) == (1, 1, 1)
    assert (summary["relevant_before"], summary["relevant_after"]) == (relevant, relevant + 1)
    kinds = {c["article_id"]: c["change"] for c in summary["changes"]}
    assert kinds == {restyled["id"]: "text restyled", shorter["id"]: "text changed",
                     redated["id"]: "fields changed", unmatched["id"]: "became relevant"}
    dated = next(c for c in summary["changes"] if c["article_id"] == redated["id"])
    assert dated["fields"]["published_date"] == {"before": "1999-01-01", "after": redated["published_date"]}

    for article_id, (before, evidence) in truth.items():
        (now,) = rows(db, "select * from articles where id = ?", (article_id,))
        assert {k: now[k] for k in COMPARED} == {k: before[k] for k in COMPARED}, article_id
        assert mentions(db, article_id) == evidence
    history = rows(db, "select * from revisions where article_id = ? order by revision", (shorter["id"],))
    assert [(h["revision"], h["text"] == shorter["text"]) for h in history] == [(1, False), (2, True)]
    assert (history[1]["warc_file"], history[1]["warc_offset"]) == (shorter["warc_file"], shorter["warc_offset"])
    assert rows(db, "select text from revisions where article_id = ?", (restyled["id"],)) == [
        {"text": restyled["text"]}], "a restyled text is rewritten in place, in its revision too"
    words = re.findall(r"\w+", shorter["text"].rsplit("\n\n", 1)[1])[:6]
    found = newswatch("search", '"' + " ".join(words) + '"', "--db", str(db), "--json")
    assert found.returncode == 0 and shorter["id"] in found.stdout, "the search index follows the text"

    assert newswatch("verify", "--db", str(db)).returncode == 0
    again = json.loads(newswatch("reextract", "--db", str(db), "--json").stdout)
    assert (again["updated"], again["changes"], again["resumed"]) == (0, [], False)
    assert len(site["web"].hits) == hits


def test_reextract_applies_a_changed_extraction_rule(site, tmp_path, monkeypatch, capsys):
    """An extraction rule changed in code (here: titles in capitals), run in this process
    (--workers 0); filters choose the articles, the others are left alone."""
    import scraper.extract.metadata as metadata

    db = copy_of(site, tmp_path)
    before = {a["id"]: a for a in rows(db, "select * from articles")}
    title = metadata.title
    monkeypatch.setattr(metadata, "title", lambda *args: (title(*args) or "").upper() or None)
    hits = len(site["web"].hits)
    code = main(["reextract", "--db", str(db), "--outlet", "justice dispatch", "--workers", "0", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    summary = json.loads(out.out)
    assert len(site["web"].hits) == hits
    chosen = {i for i, a in before.items() if a["outlet"] == "Justice Dispatch"}
    assert summary["articles"] == len(chosen) and summary["updated"] == len(chosen)
    assert {c["article_id"] for c in summary["changes"]} == chosen
    assert all(c["fields"]["title"]["after"] == c["fields"]["title"]["before"].upper() for c in summary["changes"])
    after = {a["id"]: a for a in rows(db, "select * from articles")}
    for article_id, row in after.items():
        expected = before[article_id]["title"].upper() if article_id in chosen else before[article_id]["title"]
        assert row["title"] == expected
    corrected = rows(db, "select title from revisions where article_id = ? order by revision", (site["corrected"],))
    assert corrected[0]["title"] != corrected[1]["title"] == after[site["corrected"]]["title"], \
        "the latest revision's title is rewritten in place, earlier ones are history"


def test_a_stopped_reextract_continues_where_it_stopped(site, tmp_path, monkeypatch):
    """Stopped between batches (as by kill -9 after a commit) and in the middle of one (its
    updates roll back with its cursor), a run started again with the same selection goes on
    after the last committed batch and reports every change, as one run."""
    db = copy_of(site, tmp_path)
    execute(db, "update articles set title = title || ' (old)'")
    total = rows(db, "select count(*) as n from articles")[0]["n"]
    ids = [a["id"] for a in rows(db, "select id from articles order by id")]
    watchlist = load_watchlist(ROOT / "watchlist.toml")
    analysed: list[str] = []

    def stopping_after(batches: int):
        analyse = inline(watchlist)

        def run(jobs):
            if len(analysed) >= batches * 8:
                raise KeyboardInterrupt
            analysed.extend(job["url"] for job in jobs)
            return analyse(jobs)
        return run

    store = Store(db)
    folder = store.archive_folder()
    with pytest.raises(KeyboardInterrupt):
        reextract(store, folder, stopping_after(2), batch=8)
    (run,) = rows(db, "select * from reextract_runs")
    assert (run["status"], run["cursor"]) == ("running", ids[15])
    assert rows(db, "select count(*) as n from reextract_changes")[0]["n"] == 16

    checkpoint = store.reextract.checkpoint
    monkeypatch.setattr(store.reextract, "checkpoint", lambda *a: (_ for _ in ()).throw(OSError("killed")))
    with pytest.raises(OSError):
        reextract(store, folder, inline(watchlist), batch=8)
    assert rows(db, "select cursor from reextract_runs")[0]["cursor"] == ids[15]
    assert all(t["title"].endswith(" (old)") for t in rows(db, "select title from articles where id > ?", (ids[15],)))
    monkeypatch.setattr(store.reextract, "checkpoint", checkpoint)

    analysed.clear()
    summary = reextract(store, folder, stopping_after(1_000), batch=8)
    assert summary.resumed and summary.run_id == run["id"]
    assert len(analysed) == total - 16, "the first 16 articles were not extracted again"
    result = summary.as_dict()
    assert result["articles"] == result["updated"] == total and len(result["changes"]) == total
    assert not rows(db, "select id from articles where title like '% (old)'")
    assert rows(db, "select status from reextract_runs") == [{"status": "finished"}]
    fresh = reextract(store, folder, inline(watchlist), filters=ArticleFilters(), batch=8)
    assert not fresh.resumed and fresh.counts["updated"] == 0 and fresh.counts["articles"] == total
    store.close()


def test_reextract_counts_articles_without_a_readable_record_as_skipped(site, tmp_path):
    db = copy_of(site, tmp_path)
    plain, broken, *_ = rows(db, "select id from articles order by id")
    execute(db, "update articles set warc_file = null where id = ?", (plain["id"],))
    execute(db, "update articles set warc_offset = warc_offset + 1 where id = ?", (broken["id"],))
    result = newswatch("reextract", "--db", str(db), "--json", "--dry-run", "--workers", "0")
    summary = json.loads(result.stdout)
    assert result.returncode == 0 and summary["dry_run"] and summary["updated"] == 0
    assert summary["skipped_by_reason"] == {"no_record": 1, "unreadable_record": 1, "not_extracted": 0,
                                            "changed_by_crawl": 0}
    assert [p["article_id"] for p in summary["problems"]] == [broken["id"]]
    assert not rows(db, "select * from reextract_runs"), "a dry run stores nothing"


# ---- where the archive is -------------------------------------------------------------------


def test_the_database_names_its_archive_folder(tmp_path):
    db = tmp_path / "data" / "a.db"
    assert archive_folder_of(db) == db.parent.resolve() / "warc", "no database yet: warc/ beside it"
    store = Store(db)
    assert store.archive_folder() == db.parent.resolve() / "warc"
    store.meta.remember_archive_folder(tmp_path / "data" / "a-warc")
    assert store.meta.get("archive_folder") == "a-warc", "kept relative to the database's folder"
    store.close()
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "data", moved)
    assert archive_folder_of(moved / "a.db") == (moved / "a-warc").resolve(), "the pair moves together"
    store = Store(db)
    elsewhere = tmp_path / "evidence"
    store.meta.remember_archive_folder(elsewhere)
    assert store.archive_folder() == elsewhere.resolve() and store.archive_folder("x") == Path("x")
    store.close()
    assert archive_folder_of(db) == elsewhere.resolve()


def test_an_old_database_opened_read_only_has_the_default_folder(tmp_path):
    db = tmp_path / "old.db"
    Store(db).close()
    execute(db, "drop table meta")
    assert archive_folder_of(db) == tmp_path.resolve() / "warc"


# ---- the rows' side ---------------------------------------------------------------------------


def placed(record: dict, warc_file: str, offset: int, html_sha1: str) -> dict:
    return {**record, "warc_file": warc_file, "warc_offset": offset, "warc_length": 100, "html_sha1": html_sha1}


def test_an_unchanged_text_names_the_newest_capture_of_its_own_page(store):
    from conftest import article_record

    page = article_record("https://a.example/news/story")
    store.articles.save(placed(page, "f1.warc.gz", 10, "a" * 40), [])
    tracked = {**page, "url": "https://a.example/news/story?utm_source=feed"}
    assert store.articles.save(placed(tracked, "f2.warc.gz", 20, "b" * 40), []).status == "unchanged"
    row = store.articles.get(page["id"])
    assert (row["warc_file"], row["warc_offset"], row["html_sha1"]) == ("f2.warc.gz", 20, "b" * 40)
    mirror = {**page, "url": "https://mirror.example/copy-of-story"}  # names the story as its canonical
    assert store.articles.save(placed(mirror, "f3.warc.gz", 30, "c" * 40), []).status == "unchanged"
    row = store.articles.get(page["id"])
    assert (row["url"], row["warc_file"], row["html_sha1"]) == (page["url"], "f2.warc.gz", "b" * 40)


def test_reextracted_writes_nothing_when_a_crawl_changed_the_row_meanwhile(store):
    from conftest import article_record

    page = placed(article_record(), "f1.warc.gz", 10, "a" * 40)
    store.articles.save(page, [])
    read = {"text_sha1": page["text_sha1"], "warc_file": "f1.warc.gz", "warc_offset": 10, "warc_length": 100}
    store.articles.save(placed({**page, "text": "Dawn Jackson was granted clemency.",
                                "text_sha1": text_fingerprint("Dawn Jackson was granted clemency.")},
                               "f2.warc.gz", 20, "b" * 40), [])
    assert not store.articles.reextracted(page["id"], read, {**page, "title": "New"}, ["title"], new_revision=False,
                                          mentions=None)
    assert store.articles.get(page["id"])["title"] == page["title"]
