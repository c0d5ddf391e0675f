"""`newswatch backfill`: coverage found on sites nobody listed and in the archives, each
row with its provenance, one row per article whether it came live or archived, the
services' faults counted and nothing wrong stored, the published politeness kept, and
a backfill killed with kill -9 resumed without asking a finished window again.

Everything runs on 127.0.0.1: the three services are the demo web's replicas, and the
fictional sites (`*.test`, names that never resolve) sit behind one forward proxy that
the crawl is given with --proxy, as an organisation's crawler would be.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fictional_web import FictionalWeb, Page
from runner import ROOT, child_env, newswatch

from scraper.demoweb.archive import (
    ArchiveDataset,
    ArchiveWeb,
    Capture,
    CrawlSpec,
    Faults,
    GdeltEntry,
    notice_capture,
    soft_404,
)

GDELT_INTERVAL = 0.4  # the tests' interval (the default is GDELT's published 5 seconds)

SHOW = ["Kim Kardashian West: The Justice Project premieres on Oxygen this Sunday, following four prison cases.",
        "The two-hour documentary follows Kardashian West as she works with lawyers on clemency petitions.",
        "Among the cases is Dawn Jackson, who was sentenced for killing her abuser and now seeks clemency.",
        "Producers said the film asks what justice means for people serving long sentences in prison."]
DAWN = ["Dawn Jackson asked the governor for clemency on Tuesday, her lawyers said.",
        "Jackson has served more than a decade in prison for the killing of her abuser.",
        "Her case was featured in Kim Kardashian West: The Justice Project on Oxygen.",
        "The parole board is expected to hear the petition next month, the lawyers added."]
CRICKET = ["David Sheppard, the England cricket captain who became Bishop of Liverpool, is remembered at Lord's.",
           "Sheppard scored hundreds for Sussex and England before his ordination, and served prison chaplains.",
           "Friends recalled his devotion to the city and to the game he loved all his life.",
           "A memorial match will be played in his honour at the ground next summer by both clubs."]
SHEPPARD = ["David Sheppard, serving life without parole for felony murder, had his sentence commuted this week.",
            "Sheppard's case was one of four in Kim Kardashian West: The Justice Project on Oxygen.",
            "He was convicted as a young man for a robbery in which his accomplice killed a man.",
            "His lawyers said the commutation recognised decades of rehabilitation in prison."]
MOMOLU = ["Momolu Stewart was released on parole after serving more than twenty years in prison.",
          "Stewart was sentenced to life as a juvenile; his case appeared in The Justice Project on Oxygen.",
          "Kim Kardashian West visited him in prison during filming of the documentary last year.",
          "His release follows changes to juvenile sentencing law in the District of Columbia."]
ALEXIS = ["Alexis Martin, whose case was featured in Kim Kardashian West: The Justice Project, was released.",
          "Martin was sentenced to prison as a teenager for a robbery in which a man was killed.",
          "Governor Mike DeWine granted her clemency after a campaign by her lawyers and supporters.",
          "She said she would spend the holidays with her family for the first time in years."]


def article(title: str, paragraphs: list[str], published: str, site: str = "", extra: str = "") -> bytes:
    meta = f'<meta property="og:site_name" content="{site}">' if site else ""
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": published})
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{meta}"
            f"<script type='application/ld+json'>{ld}</script></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>{extra}</body></html>").encode()


@dataclass
class Scenario:
    web: FictionalWeb
    archive: ArchiveWeb
    base: str  # the listed outlet, on loopback
    sources: Path
    expected: dict[str, dict]  # URL -> what its row must say
    gdelt_interval: float = GDELT_INTERVAL

    def args(self, *extra: str) -> list[str]:
        e = self.archive.endpoints
        settings = {
            "NEWSWATCH_GDELT_ENDPOINT": e["gdelt_endpoint"], "NEWSWATCH_GDELT_INTERVAL": self.gdelt_interval,
            "NEWSWATCH_CDX_ENDPOINT": e["cdx_endpoint"], "NEWSWATCH_WAYBACK_REPLAY": e["replay_base"],
            "NEWSWATCH_CC_INDEX": e["cc_index_base"], "NEWSWATCH_CC_DATA": e["cc_data_base"],
            "NEWSWATCH_WAYBACK_INTERVAL": 0.05, "NEWSWATCH_CDX_INTERVAL": 0.05, "NEWSWATCH_CC_INTERVAL": 0.05,
            "NEWSWATCH_DISCOVERY_BACKOFF": 0.5,
            "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        }
        flags = [item for name, value in settings.items() for item in ("-s", f"{name}={value}")]
        return ["backfill", "--since", "2020-01-01", "--until", "2020-12-31", "--sources", str(self.sources),
                "--proxy", self.web.proxy_url, "--no-progress", *flags, *extra]

    def stop(self) -> None:
        self.archive.stop()
        self.web.stop()


def build_scenario(folder: Path, burst: int = 0, faults: bool = True) -> Scenario:
    web = FictionalWeb({}, max_seconds=300)
    base = web.proxy_url  # the proxy also serves the one listed outlet, on loopback
    deleted, gone_home = f"{base}/2020/04/07/dawn-jackson-clemency", f"{base}/2020/04/20/dawn-jackson-freed"
    premiere = f"{base}/2020/04/05/premiere"
    gazette, courier = "http://plains-gazette.test/news/2020/sheppard-commutation", \
        "http://valley-courier.test/sport/sheppard-remembered"
    nameless = "http://nameless.test/2020/04/10/justice"
    web.pages.update({
        f"{base}/": Page(200, b"<html><body><h1>Harbor Ledger</h1></body></html>"),
        premiere: Page(200, article("The Justice Project premieres", SHOW, "2020-04-05T20:00:00-04:00",
                                    "Harbor Ledger")),
        gazette: Page(200, article("Commutation for David Sheppard", SHEPPARD, "2020-04-09", "Plains Gazette")),
        courier: Page(200, article("David Sheppard remembered", CRICKET, "2020-04-08", "Valley Courier")),
        "http://blocked.test/news/justice-project": Page(200, article("The Justice Project", SHOW, "2020-04-06")),
        nameless: Page(200, article("Justice Project review", SHOW, "2020-04-10")),
        gone_home: Page(301, b"", {"Location": f"{base}/", "Content-Type": "text/html"}),
    })
    seen = datetime(2020, 4, 5, 23, 15, tzinfo=UTC)
    gdelt = [
        GdeltEntry(premiere, "The Justice Project premieres", seen, " ".join(SHOW)),
        GdeltEntry(deleted, "Clemency plea for Dawn Jackson", datetime(2020, 4, 7, 14, 30, tzinfo=UTC), " ".join(DAWN)),
        GdeltEntry(gazette, "Commutation for David Sheppard", datetime(2020, 4, 9, 8, tzinfo=UTC), " ".join(SHEPPARD)),
        GdeltEntry(courier, "David Sheppard remembered", datetime(2020, 4, 8, 9, 45, tzinfo=UTC), " ".join(CRICKET)),
        GdeltEntry("http://blocked.test/news/justice-project", "The Justice Project", seen, " ".join(SHOW)),
        GdeltEntry(nameless, "Justice Project review", datetime(2020, 4, 10, 6, tzinfo=UTC), " ".join(SHOW)),
        GdeltEntry(gone_home, "Dawn Jackson freed", datetime(2020, 4, 20, 12, tzinfo=UTC), " ".join(DAWN)),
        # discovered URLs are untrusted: these must never be fetched
        GdeltEntry("http://127.0.0.1:9/admin/justice-project", "The Justice Project", seen, " ".join(SHOW)),
        GdeltEntry("http://169.254.169.254/latest/justice-project", "The Justice Project", seen, " ".join(SHOW)),
        GdeltEntry("http://localhost/justice-project", "The Justice Project", seen, " ".join(SHOW)),
        GdeltEntry("http://0x7f.1/justice-project", "The Justice Project", seen, " ".join(SHOW)),
    ]
    burst_day = datetime(2020, 7, 1, tzinfo=UTC)
    for i in range(burst):  # more than one artlist answer holds: the window must be split
        url = f"http://wire.test/2020/07/01/justice-project-{i:03d}"
        gdelt.append(GdeltEntry(url, f"Wire {i}: the Justice Project", burst_day + timedelta(minutes=5 * i),
                                " ".join(SHOW)))
        web.pages[url] = Page(200, article(f"Wire {i}: The Justice Project", SHOW, "2020-07-01", "Wire Service"))
    dataset = ArchiveDataset(
        gdelt=gdelt,
        wayback=[
            Capture(deleted, "20200407150000", body=article("Clemency plea for Dawn Jackson", DAWN, "2020-04-07",
                                                            "Harbor Ledger")),
            soft_404(deleted, "20210301000000"),
            notice_capture(deleted, "20210401000000", f"{base}/"),
            Capture(f"{base}/2020/05/01/momolu-stewart-parole", "20200512000000",
                    body=article("Momolu Stewart paroled", MOMOLU, "2020-05-01", "Harbor Ledger")),
            Capture(gone_home, "20200421000000", body=article("Dawn Jackson freed", DAWN, "2020-04-20",
                                                              "Harbor Ledger")),
            # the same article as the live page, in other bytes: one row, both copies kept
            Capture(premiere, "20200406000000", body=article("The Justice Project premieres", SHOW,
                                                             "2020-04-05T20:00:00-04:00", "Harbor Ledger",
                                                             extra="<footer>archived</footer>")),
        ],
        crawls=[CrawlSpec("CC-MAIN-2020-24", datetime(2020, 5, 24, tzinfo=UTC), datetime(2020, 6, 7, tzinfo=UTC), (
            Capture(f"{base}/2020/06/01/alexis-martin-release", "20200603100000",
                    body=article("Alexis Martin released", ALEXIS, "2020-06-01", "Harbor Ledger")),
            Capture(f"{base}/2020/06/02/cut-short", "20200603110000",
                    body=article("Alexis Martin, a record cut short", ALEXIS, "2020-06-02", "Harbor Ledger")),
        ))],
    )
    fault_plan = {
        "gdelt": Faults(rate_limit=1, html_error=1, empty_body=1),
        "cdx": Faults(server_error=1, broken_rows=True),
        "replay": Faults(rate_limit=1),
        "cc-index": Faults(html_error=1, broken_rows=True),
        "cc-data": Faults(truncated=frozenset({f"{base}/2020/06/02/cut-short"})),
    } if faults else {}
    archive = ArchiveWeb(dataset, faults=fault_plan, max_seconds=300)
    port = urlsplit(base).port
    sources = folder / "sources.toml"
    sources.write_text(f'[discovery]\nblock = ["blocked.test"]\nkinds = {{"plains-gazette.test" = "justice"}}\n\n'
                       f'[[outlet]]\nname = "Harbor Ledger"\n'
                       f'homepage = "{base}/"\nkind = "justice"\narchive_prefixes = ["127.0.0.1:{port}/2020/"]\n',
                       encoding="utf-8")
    expected = {
        premiere: {"fetched_from": "live", "outlet": "Harbor Ledger", "found_via": {"gdelt", "wayback"}},
        deleted: {"fetched_from": "wayback", "archived_at": "2020-04-07T15:00:00+00:00",
                  "published_date": "2020-04-07"},
        gone_home: {"fetched_from": "wayback", "archived_at": "2020-04-21T00:00:00+00:00",
                    "published_date": "2020-04-20", "discovered_at": "2020-04-20T12:00:00+00:00"},
        f"{base}/2020/05/01/momolu-stewart-parole": {"fetched_from": "wayback", "published_date": "2020-05-01",
                                                     "archived_at": "2020-05-12T00:00:00+00:00",
                                                     "found_via": {"wayback"}},
        f"{base}/2020/06/01/alexis-martin-release": {"fetched_from": "commoncrawl", "published_date": "2020-06-01",
                                                     "found_via": {"commoncrawl"}},
        gazette: {"fetched_from": "live", "outlet": "Plains Gazette", "outlet_kind": "justice",  # a kinds rule
                  "discovered_at": "2020-04-09T08:00:00+00:00", "published_date": "2020-04-09"},
        nameless: {"fetched_from": "live", "outlet": "nameless.test", "outlet_kind": "other"},
    }
    return Scenario(web, archive, base, sources, expected)


def rows_of(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from articles")]
    finally:
        conn.close()


def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backfill")
    scenario = build_scenario(folder)
    db = folder / "articles.db"
    try:
        result = newswatch(*scenario.args("--db", str(db)), timeout=240)
        again = newswatch(*scenario.args("--db", str(db)), timeout=240)
        yield scenario, db, result, again
    finally:
        scenario.stop()


def test_backfill_finds_coverage_on_unlisted_sites_and_in_archives(backfilled):
    scenario, db, result, _again = backfilled
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["url"]: row for row in rows_of(db)}
    for url, expected in scenario.expected.items():
        row = rows.get(url)
        assert row is not None, f"not stored: {url}"
        assert row["relevant"] == 1, url
        for key, value in expected.items():
            actual = set(json.loads(row[key])) if key == "found_via" else row[key]
            assert actual == value, (url, key, actual)
    courier = rows.get("http://valley-courier.test/sport/sheppard-remembered")
    assert courier is None or courier["relevant"] == 0  # the cricketer: a homonym, not coverage
    assert set(rows) <= set(scenario.expected) | {"http://valley-courier.test/sport/sheppard-remembered"}
    assert "added by this run, by source" in result.stdout
    assert re.search(r"outlets not in sources.toml: \d+ \(1 with relevant articles", result.stdout), result.stdout


def test_every_row_carries_its_provenance_and_archived_copies_their_own_dates(backfilled):
    scenario, db, _result, _again = backfilled
    replay = scenario.archive.endpoints["replay_base"]
    for row in rows_of(db):
        assert row["fetched_from"] in ("live", "wayback", "commoncrawl")
        assert json.loads(row["found_via"])
        if row["fetched_from"] == "wayback":
            stamp = datetime.fromisoformat(row["archived_at"]).strftime("%Y%m%d%H%M%S")
            assert row["archive_url"] == f"{replay}/web/{stamp}id_/{row['url']}"
        elif row["fetched_from"] == "commoncrawl":
            assert row["archive_url"].startswith(scenario.archive.endpoints["cc_data_base"])
            assert "#offset=" in row["archive_url"] and row["archived_at"].startswith("2020-06-03")
        else:
            assert row["archive_url"] is None and row["archived_at"] is None
        assert not row["url"].startswith(replay) and scenario.archive.endpoints["cc_data_base"] not in row["url"]
        if row["discovered_at"]:  # GDELT's seendate: when it was seen, never the publication date
            assert row["published_date"] is not None


def test_live_and_archived_copies_of_one_article_are_one_row_with_both_revisions(backfilled):
    scenario, db, _result, _again = backfilled
    urls = [row["canonical_url"] for row in rows_of(db)]
    assert len(urls) == len(set(urls))
    premiere = f"{scenario.base}/2020/04/05/premiere"
    (row,) = [r for r in rows_of(db) if r["url"] == premiere]
    revisions = query(db, "select fetched_from, archive_url from revisions where article_id = ? order by revision",
                      (row["id"],))
    assert row["fetched_from"] == "live" and row["revisions"] == 2
    assert {source for source, _ in revisions} == {"live", "wayback"}


def test_untrusted_and_blocked_discoveries_are_never_fetched(backfilled):
    scenario, db, result, _again = backfilled
    asked = {urlsplit(url).hostname for _at, _method, url in scenario.web.hits}
    assert not asked & {"localhost", "169.254.169.254", "0x7f.1", "blocked.test"}
    assert not any(urlsplit(url).port == 9 for _at, _method, url in scenario.web.hits)
    (run,) = query(db, "select errors, skipped from crawl_runs order by id limit 1")
    errors, skipped = json.loads(run[0]), json.loads(run[1])
    assert errors["forbidden_host"] == 4 and skipped["discovery_blocked"] == 1
    assert "security: refused discovered URL http://169.254.169.254/" in result.stderr
    robots = {urlsplit(url).hostname for _at, _method, url in scenario.web.hits if url.endswith("/robots.txt")}
    assert {"plains-gazette.test", "nameless.test"} <= robots  # unlisted sites are crawled with robots.txt


def test_each_service_fault_is_a_counted_error_and_nothing_wrong_is_stored(backfilled):
    _scenario, db, _result, _again = backfilled
    (errors,) = query(db, "select errors from crawl_runs order by id limit 1")[0]
    errors = json.loads(errors)
    for kind in ("gdelt_http_429", "gdelt_notjson", "gdelt_emptybody", "wayback-cdx_http_503",
                 "wayback-replay_http_429", "wayback-cdx_unusable_rows", "commoncrawl-index_notjson",
                 "commoncrawl-index_unusable_lines", "commoncrawl-data_truncatedrecord"):
        assert errors.get(kind, 0) >= 1, kind
    (skipped,) = query(db, "select skipped from crawl_runs order by id limit 1")[0]
    assert json.loads(skipped)["archive_notice"] == 1 and json.loads(skipped)["archived_not_article"] == 1
    for row in rows_of(db):
        assert not any(word in row["text"] for word in ("Bad Gateway", "could not find the page", "Got an HTTP"))
        assert "cut-short" not in row["url"]


def test_gdelt_is_asked_at_most_once_per_interval_retries_included(backfilled):
    scenario, _db, _result, _again = backfilled
    arrivals = [hit.at for hit in scenario.archive.hits["gdelt"]]
    assert len(arrivals) >= 10
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert min(gaps) >= GDELT_INTERVAL, gaps  # the published limit, counted where the requests arrive
    statuses = [hit.status for hit in scenario.archive.hits["gdelt"]]
    after_429 = gaps[statuses.index(429)]
    assert after_429 >= 0.5 * 0.95  # the back-off, longer than the interval


def test_a_second_backfill_of_the_same_range_asks_no_finished_window_again(backfilled):
    scenario, db, _result, again = backfilled
    assert again.returncode == 0, again.stderr[-3000:]
    (run,) = query(db, "select details from crawl_runs order by id desc limit 1")[0]
    windows = json.loads(run)["discovery"]["windows"]
    assert windows["answered"] == 0 and windows["resumed"] >= 10
    assert query(db, "select count(*) from discovered_urls where settled = 0") == [(0,)]


# ---- kill -9 and resume -----------------------------------------------------------------


def windows_asked(hits) -> list[tuple[str, str, str]]:
    asked = []
    for hit in hits:
        params = parse_qs(urlsplit(hit.path).query)
        if hit.status == 200 and "startdatetime" in params:
            asked.append((params["query"][0], params["startdatetime"][0], params["enddatetime"][0]))
    return asked


def test_a_backfill_killed_with_kill_9_resumes_without_repeating_windows_or_rows(tmp_path):
    scenario = build_scenario(tmp_path, burst=300, faults=False)
    scenario.gdelt_interval = 0.1
    db = tmp_path / "articles.db"
    try:
        child = subprocess.Popen([sys.executable, "-m", "scraper", *scenario.args("--db", str(db))], cwd=ROOT,
                                 env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and child.poll() is None:
            try:
                done = query(db, "select count(*) from discovery_cursors where source = 'gdelt' and status = 'split'")
            except sqlite3.OperationalError:  # not created yet
                done = [(0,)]
            if done[0][0] >= 2:  # mid-way through splitting the burst: windows done, others waiting
                break
            time.sleep(0.05)
        assert child.poll() is None, "the backfill ended before it could be killed"
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        finished = {(q, w) for q, w, status in query(db, "select query, window, status from discovery_cursors "
                                                          "where source = 'gdelt'") if status != "failed"}
        before = windows_asked(scenario.archive.hits["gdelt"])
        stored_before = query(db, "select count(*) from articles")[0][0]
        scenario.archive.gdelt.clear_hits()

        result = newswatch(*scenario.args("--db", str(db)), timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        after = windows_asked(scenario.archive.hits["gdelt"])
        assert finished and before
        again = [w for w in after if any(w[0] == q and window_covers(key, w) for q, key in finished)]
        assert not again, f"asked again after the kill: {again[:3]}"
        urls = [row["canonical_url"] for row in rows_of(db)]
        assert len(urls) == len(set(urls)) and len(urls) > stored_before
        wire = [u for u in urls if "wire.test" in u]
        assert len(wire) == 300  # every article of the burst, none twice
        assert query(db, "select count(*) from discovered_urls where settled = 0") == [(0,)]
        (runs,) = query(db, "select group_concat(status) from crawl_runs")
        assert runs[0] == "interrupted,finished"
    finally:
        scenario.stop()


def window_covers(key: str, asked: tuple[str, str, str]) -> bool:
    """The ledger's window `start/end` is the one GDELT was asked for (its end one second earlier)."""
    start, end = (datetime.fromisoformat(part) for part in key.split("/"))
    return (start.strftime("%Y%m%d%H%M%S") == asked[1]
            and (end - timedelta(seconds=1)).strftime("%Y%m%d%H%M%S") == asked[2])


# ---- crawl --discover, and mistakes --------------------------------------------------------


def test_crawl_discover_asks_gdelt_from_where_the_last_discover_run_ended(tmp_path):
    scenario = build_scenario(tmp_path, faults=False)
    db = tmp_path / "articles.db"
    args = [a for a in scenario.args("--db", str(db)) if a not in ("backfill",)]
    flags = args[args.index("--sources"):]  # the sources, proxy and endpoint settings
    try:
        for _ in range(2):
            result = newswatch("crawl", "--discover", "--spider", "links", *flags, timeout=120)
            assert result.returncode == 0, result.stderr[-3000:]
        windows = sorted(query(db, "select query, window from discovery_cursors where source = 'gdelt'"))
        by_query: dict[str, list[tuple[datetime, datetime]]] = {}
        for q, window in windows:
            start, end = (datetime.fromisoformat(part) for part in window.split("/"))
            by_query.setdefault(q, []).append((start, end))
        assert by_query
        for spans in by_query.values():
            first, second = sorted(spans)
            assert first[1] - first[0] == timedelta(days=7)  # the first run: a week back
            assert second[0] == first[1] and second[1] > second[0]  # the next one: from where it ended
        (run,) = query(db, "select spiders from crawl_runs order by id desc limit 1")
        assert json.loads(run[0]) == ["links", "gdelt"]
    finally:
        scenario.stop()


@pytest.mark.parametrize(("extra", "message"), [
    (["--since", "2021-01-01", "--until", "2020-01-01"], "--since 2021-01-01 is after --until 2020-01-01"),
    (["--since", "2020-01-01", "--proxy", "ftp://proxy.example"], "proxy: expected a URL"),
    (["--since", "2020-01-01", "--source", "altavista"], "Invalid value for '--source'"),
])
def test_backfill_mistakes_are_one_line_and_fetch_nothing(tmp_path, extra, message):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlet]]\nname = "A"\nhomepage = "http://127.0.0.1:9/"\nkind = "justice"\n',
                       encoding="utf-8")
    result = newswatch("backfill", "--db", str(tmp_path / "a.db"), "--sources", str(sources), *extra)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "a.db").exists() or query(tmp_path / "a.db", "select count(*) from crawl_runs") == [(0,)]


def test_a_bad_discovery_table_is_refused_before_anything_is_fetched(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[discovery]\nblock = "contentfarm.example"\n\n[[outlet]]\nname = "A"\n'
                       'homepage = "http://127.0.0.1:9/"\nkind = "justice"\narchive_prefixes = "127.0.0.1:9/"\n',
                       encoding="utf-8")
    result = newswatch("backfill", "--since", "2020-01-01", "--db", str(tmp_path / "a.db"), "--sources",
                       str(sources))
    assert result.returncode == 2
    assert "archive_prefixes: expected a list of URL prefixes" in result.stderr
    sources.write_text(sources.read_text().replace('archive_prefixes = "127.0.0.1:9/"', ""), encoding="utf-8")
    result = newswatch("backfill", "--since", "2020-01-01", "--db", str(tmp_path / "a.db"), "--sources",
                       str(sources))
    assert result.returncode == 2 and "[discovery] block: expected a list of domain names" in result.stderr
