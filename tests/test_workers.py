"""Extraction workers: the crawl's answers come from separate processes over sockets, and
a worker that dies costs only the pages it held."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper.crawling.extraction_pool import Extractor, WorkerCrashed

ROOT = Path(__file__).resolve().parent.parent
WATCHLIST = str(ROOT / "watchlist.toml")
PAGE = ("<html lang='en'><head><title>Clemency for Dawn Jackson | Gazette</title>"
        "<meta property='og:type' content='article'></head><body><article><h1>Clemency for Dawn Jackson</h1>"
        + "<p>Dawn Jackson, featured in Kim Kardashian West: The Justice Project on Oxygen, was granted clemency "
          "by the governor of Ohio after years in prison for a crime she committed as a teenager.</p>" * 6
        + "</article></body></html>").encode()
PAGE_ARGS = {"outlet": "Gazette", "outlet_kind": "justice", "found_via": "sitemap"}


def record(extractor: Extractor, body: bytes = PAGE, url: str = "https://gazette.example/news/clemency"):
    return extractor.record(body, url, "2020-04-07T12:00:00+00:00", {"content-type": "text/html", "etag": '"e1"'},
                            {}, **PAGE_ARGS)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_page_comes_back_as_a_store_ready_record(workers):
    extractor = Extractor(WATCHLIST, workers)

    async def main():
        extractor.open()
        try:
            return await asyncio.gather(record(extractor), record(extractor, b"\x00\x01\x02\x03" * 600),
                                        record(extractor, b"   "))
        finally:
            extractor.close()

    page, binary, empty = asyncio.run(main())
    assert page["outcome"] == "article", page
    row = page["record"]
    assert row["canonical_url"] == "https://gazette.example/news/clemency" and row["outlet"] == "Gazette"
    assert row["relevant"] and "Dawn Jackson" in row["matched"] and row["found_via"] == ["sitemap"]
    assert row["validators"] == {"etag": '"e1"', "last_modified": None}
    assert row["signature"] and row["signature_of"] == row["text_sha1"] and row["html_sha1"]
    assert any(m["entry"] == "Dawn Jackson" for m in page["mentions"])
    assert (binary["outcome"], empty["outcome"]) == ("binary_body", "empty_body")


def test_analyse_still_gives_the_analysed_page():
    extractor = Extractor(WATCHLIST, 1)

    async def main():
        extractor.open()
        try:
            return await extractor.analyse(PAGE, "https://gazette.example/a", "2020-04-07T12:00:00+00:00", {}, {})
        finally:
            extractor.close()

    analysed = asyncio.run(main())
    assert analysed["page_type"] == "article" and analysed["relevant"] and analysed["mentions"]


def test_a_dead_worker_fails_its_pages_only_and_is_replaced():
    extractor = Extractor(WATCHLIST, 1)

    async def main():
        extractor.open()
        try:
            assert (await record(extractor))["outcome"] == "article"  # the worker is up
            first = extractor.pool[0]
            job = asyncio.ensure_future(record(extractor))
            await asyncio.sleep(0)  # sent
            os.kill(first.process.pid, signal.SIGKILL)
            with pytest.raises(WorkerCrashed):
                await job
            assert extractor.pool and extractor.pool[0] is not first
            after = await record(extractor)
            return first, after
        finally:
            extractor.close()

    first, after = asyncio.run(main())
    assert after["outcome"] == "article"
    assert first.process.poll() is not None


def test_closing_stops_the_workers():
    extractor = Extractor(WATCHLIST, 2)

    async def main():
        extractor.open()
        await record(extractor)
        processes = [w.process for w in extractor.pool]
        extractor.close()
        return processes

    processes = asyncio.run(main())
    assert all(p.poll() is not None for p in processes)


def test_prestarted_workers_are_the_ones_the_crawl_opens_and_closes():
    extractor = Extractor(WATCHLIST, 2)
    extractor.prestart()  # the crawl does this before Scrapy starts, so imports overlap its start-up
    prestarted = [w.process for w in extractor.pool]

    async def main():
        extractor.open()
        try:
            page = await record(extractor)
            return page, [w.process for w in extractor.pool]
        finally:
            extractor.close()

    page, used = asyncio.run(main())
    assert page["outcome"] == "article"
    assert used == prestarted  # no second pool
    assert all(p.poll() is not None for p in prestarted)


def test_prestarted_workers_that_no_spider_opened_are_stopped():
    extractor = Extractor(WATCHLIST, 2)
    extractor.prestart()
    processes = [w.process for w in extractor.pool]
    extractor.stop_workers()  # what a crawl that failed before its spiders opened does
    assert all(p.poll() is not None for p in processes) and not extractor.pool


def test_two_workers_are_forked_from_one_template_and_adopted():
    """The workers share the template's memory (its imported stack), and this process,
    which adopted them when the template left, is their parent."""
    extractor = Extractor(WATCHLIST, 2)

    async def main():
        extractor.open()
        try:
            await asyncio.gather(record(extractor), record(extractor))
            pids = [w.process.pid for w in extractor.pool]
            parents = [int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in pids]
            shared = [int(line.split()[1]) for pid in pids
                      for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                      if line.startswith("Shared_Dirty:")]
            return pids, parents, shared
        finally:
            extractor.close()

    pids, parents, shared = asyncio.run(main())
    assert len(set(pids)) == 2 and parents == [os.getpid()] * 2
    assert all(kb > 10_000 for kb in shared), f"forked workers share the template's heap: {shared} kB"


def test_workers_leave_when_the_crawl_is_killed(tmp_path):
    """A crawl killed with SIGKILL cannot stop its workers: they notice and leave."""
    script = tmp_path / "crawl.py"
    script.write_text(f"""
import asyncio, os, signal, sys
sys.path.insert(0, {str(ROOT)!r})
from scraper.crawling.extraction_pool import Extractor
extractor = Extractor({str(WATCHLIST)!r}, 2)
async def main():
    extractor.open()
    body = b"<html><body><p>" + b"Dawn Jackson was granted clemency. " * 20 + b"</p></body></html>"
    await extractor.record(body, "https://x.example/a", "2020-04-07T10:00:00+00:00", {{}}, {{}},
                           outlet="X", outlet_kind="justice", found_via="feed")
    print(" ".join(str(w.process.pid) for w in extractor.pool), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
asyncio.run(main())
""")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    pids = [int(pid) for pid in result.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
              for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
                   for pid in pids), "workers outlived their crawl"


def test_the_shared_stop_words_are_the_ones_jusText_would_build():
    import justext.core
    from justext.utils import get_stoplist, get_stoplists

    from scraper.extract.stoplists import _define_stoplist, all_languages

    words = tuple({word for language in get_stoplists() for word in get_stoplist(language)})
    assert all_languages() == _define_stoplist(words)
    assert justext.core.define_stoplist(all_languages()) is all_languages()
