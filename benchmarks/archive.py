"""What the WARC archive costs: bytes per capture and per stored article, and write speed.

    python -m benchmarks.archive [--out DIR] [--captures 640] [--no-demo-crawl]

Per stored article: the demo web crawled over loopback by `newswatch crawl` (archive on,
the default), its WARC files' bytes over the articles stored; then `newswatch verify` and
`newswatch reextract` over that archive, timed (the demo web's log shows reextract sent
no request).

Size: every demo-web article page (rendered by the demo web's own templates, no sockets)
archived as a crawl would (response + request record, gzip per record), bytes per
capture with the files' warcinfo records included, at compression levels 1, 6 and 9.
Speed: ~150 KB pages (demo pages concatenated, so the HTML is real markup and text),
written in batches of 32 with one fsync per batch, single thread, at the same levels:
captures/s and MB/s of page bytes in.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.matching import demo_pages
from scraper.archive import Capture, WarcArchive, archive_files

REPO = Path(__file__).resolve().parent.parent
LEVELS = (1, 6, 9)
BATCH = 32
PAGE_BYTES = 150_000
REQUEST_HEADERS = [(b"User-Agent", b"newswatch/0.1 (+https://example.org/newswatch)"),
                   (b"Accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                   (b"Accept-Language", b"en"), (b"Accept-Encoding", b"gzip, deflate, br, zstd")]


def response_headers(body: bytes, content_type: str) -> list[tuple[bytes, bytes]]:
    """Headers shaped like a news site's, about 600 bytes of them."""
    return [(b"Server", b"nginx"), (b"Date", b"Mon, 06 May 2024 07:08:09 GMT"),
            (b"Content-Type", content_type.encode()), (b"Content-Length", str(len(body) // 4).encode()),
            (b"Connection", b"keep-alive"), (b"Vary", b"Accept-Encoding"),
            (b"Last-Modified", b"Mon, 06 May 2024 06:00:00 GMT"), (b"ETag", b'W/"5f2a-18f4c6a1b80"'),
            (b"Cache-Control", b"max-age=300, public"), (b"X-Frame-Options", b"SAMEORIGIN"),
            (b"Strict-Transport-Security", b"max-age=31536000"), (b"Set-Cookie", b"session=abc123; Path=/; HttpOnly"),
            (b"X-Cache", b"HIT"), (b"Age", b"42")]


def captures(pages) -> list[Capture]:
    now = datetime.now(UTC)
    return [Capture(url=p.url, status=200, body=p.html, fetched_at=now, ip_address="127.0.0.1",
                    headers=response_headers(p.html, p.headers.get("Content-Type", "text/html")),
                    request_headers=REQUEST_HEADERS) for p in pages]


def big_pages(pages, count: int) -> list[Capture]:
    """`count` distinct ~150 KB pages, each demo pages concatenated from a different starting page."""
    out = []
    now = datetime.now(UTC)
    for i in range(count):
        parts, size, k = [], 0, i
        while size < PAGE_BYTES:
            html = pages[k % len(pages)].html
            parts.append(html)
            size += len(html)
            k += 7
        body = b"".join(parts)[:PAGE_BYTES]
        out.append(Capture(url=f"https://news.example/big/{i}", status=200, body=body, fetched_at=now,
                           headers=response_headers(body, "text/html; charset=utf-8"),
                           request_headers=REQUEST_HEADERS))
    return out


def size_per_capture(caps: list[Capture], level: int, work: Path) -> dict:
    folder = work / f"size-{len(caps)}-{level}"
    with WarcArchive(folder, level=level, fsync=False) as a:
        written = a.write_many(caps)
    total = sum((folder / n).stat().st_size for n in archive_files(folder))
    page_bytes = sum(len(c.body) for c in caps)
    return {"level": level, "captures": len(caps), "avg_page_bytes": round(page_bytes / len(caps)),
            "bytes_per_capture": round(total / len(caps)),
            "response_record_bytes": round(sum(w.warc_length for w in written) / len(caps)),
            "request_record_bytes": round(sum(w.request.length for w in written) / len(caps)),
            "ratio": round(page_bytes / total, 2)}


def throughput(caps: list[Capture], level: int, work: Path, total: int) -> dict:
    folder = work / f"speed-{level}"
    batches = [[caps[(b * BATCH + j) % len(caps)] for j in range(BATCH)] for b in range(total // BATCH)]
    with WarcArchive(folder, level=level, fsync=True) as a:
        a.write_many(batches[0][:1])  # the file and its warcinfo exist before the clock starts
        start = time.perf_counter()
        for batch in batches:
            a.write_many(batch)
        seconds = time.perf_counter() - start
    n = len(batches) * BATCH
    page_mb = sum(len(c.body) for batch in batches for c in batch) / 1e6
    archive_mb = sum((folder / f).stat().st_size for f in archive_files(folder)) / 1e6
    shutil.rmtree(folder)
    return {"level": level, "captures": n, "seconds": round(seconds, 2), "captures_per_s": round(n / seconds, 1),
            "page_mb_per_s": round(page_mb / seconds, 1), "archive_mb_per_s": round(archive_mb / seconds, 1),
            "ms_per_capture": round(1000 * seconds / n, 2)}


def _newswatch(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, cwd=REPO,
                            timeout=900, env={**os.environ, "PYTHONPATH": str(REPO)})
    if result.returncode != 0:
        raise RuntimeError(f"newswatch {args[0]} failed: {result.stderr[-2000:]}")
    return time.monotonic() - started, result


def demo_crawl(work: Path) -> dict:
    """The demo web crawled with the archive on: bytes of archive per stored article (and
    of the database, for scale); verify and reextract over it, timed."""
    from scraper.demo import SETTINGS
    from scraper.demoweb import DemoWeb

    db, folder = work / "demo.db", work / "warc"
    settings = [arg for key, value in SETTINGS.items() for arg in ("-s", f"{key}={value}")]
    with DemoWeb(max_seconds=900) as web:
        sources = work / "demo-sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        crawl_seconds, _ = _newswatch("crawl", "--db", str(db), "--sources", str(sources), "--no-progress",
                                      "--alerts", str(work / "none.toml"), *settings)
        served = len(web.hits)
        verify_seconds, verified = _newswatch("verify", "--db", str(db), "--json")
        reextract_seconds, reextracted = _newswatch("reextract", "--db", str(db), "--json")
        requests = len(web.hits) - served
    conn = sqlite3.connect(db)
    articles, revisions = conn.execute("select (select count(*) from articles), (select count(*) from revisions)"
                                       ).fetchone()
    conn.close()
    size = sum(f.stat().st_size for f in archive_files(folder) for f in [folder / f])
    return {"articles": articles, "revisions": revisions, "pages_fetched": served, "archive_bytes": size,
            "files": len(archive_files(folder)), "bytes_per_article": round(size / articles),
            "database_bytes_per_article": round(db.stat().st_size / articles), "crawl_seconds": round(crawl_seconds, 1),
            "verify_seconds": round(verify_seconds, 2), "verified_ok": json.loads(verified.stdout)["ok"],
            "reextract_seconds": round(reextract_seconds, 2),
            "reextract_workers": json.loads(reextracted.stdout)["workers"],
            "reextract_articles_per_s": round(articles / reextract_seconds, 1),
            "reextract_requests": requests}


def run(total: int = 640, work: Path | None = None, crawl: bool = True) -> dict:
    pages = demo_pages(REPO)
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="bench-archive-")) if own else work
    try:
        demo = captures(pages)
        big = big_pages(pages, 64)
        (work / "none.toml").write_text('atom_path = ""\n')
        return {
            "demo_pages": [size_per_capture(demo, level, work) for level in LEVELS],
            "pages_150kb_size": [size_per_capture(big, level, work) for level in LEVELS],
            "pages_150kb_speed": [throughput(big, level, work, total) for level in LEVELS],
            "demo_crawl": demo_crawl(work) if crawl else None,
            "batch": BATCH, "cpu_count": os.cpu_count(),
        }
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def print_table(r: dict) -> None:
    print("WARC archive size (gzip per record, response + request, warcinfo included)")
    for name in ("demo_pages", "pages_150kb_size"):
        for row in r[name]:
            print(f"  {name:17} level {row['level']}: {row['captures']:4} pages of {row['avg_page_bytes']:7,} B"
                  f" -> {row['bytes_per_capture']:7,} B per capture (response {row['response_record_bytes']:,},"
                  f" request {row['request_record_bytes']:,}; {row['ratio']}x)")
    print(f"WARC archive write speed (~150 KB pages, one thread, fsync per batch of {r['batch']})")
    for row in r["pages_150kb_speed"]:
        print(f"  level {row['level']}: {row['captures_per_s']:7.1f} captures/s, {row['page_mb_per_s']:6.1f} MB/s of"
              f" pages, {row['archive_mb_per_s']:5.1f} MB/s written, {row['ms_per_capture']:.2f} ms per capture")
    d = r.get("demo_crawl")
    if d:
        print(f"demo web crawl ({d['pages_fetched']} pages fetched, {d['articles']} articles stored, "
              f"{d['crawl_seconds']}s): {d['archive_bytes'] / 1e3:,.0f} KB of archive in {d['files']} file(s) = "
              f"{d['bytes_per_article']:,} bytes per stored article (the database: "
              f"{d['database_bytes_per_article']:,} per article)")
        print(f"  verify: {d['verified_ok']} rows' records read and checked in {d['verify_seconds']}s; reextract: "
              f"{d['articles']} articles in {d['reextract_seconds']}s on {d['reextract_workers']} workers "
              f"({d['reextract_articles_per_s']} articles/s, start-up included), {d['reextract_requests']} requests "
              "sent")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=640, help="captures written per level for the speed test")
    parser.add_argument("--out", type=Path, help="also write the results as JSON into this folder")
    parser.add_argument("--no-demo-crawl", action="store_true", help="skip the crawl of the demo web")
    args = parser.parse_args(argv)
    result = run(args.captures, crawl=not args.no_demo_crawl)
    print_table(result)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "archive.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
