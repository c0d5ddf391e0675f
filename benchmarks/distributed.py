"""Benchmark: speed-up of a distributed crawl with 1, 2 and 4 worker processes.

The same generated site as the crawl benchmark (realistic 60-120 KB article pages,
served by nginx on a loopback port), a throwaway redis-server on 127.0.0.1, and for
each worker count: seed the sitemap, start the workers, and let one writer store every
article. The rate is articles stored per second from the workers' start to the last
stored record; speed-ups are against one worker, all measured in one run.

    python -m benchmarks.distributed --pages 1500
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.crawl import FAST, generate_site, start_server, write_sitemap, write_sources
from scraper import stats as stat_keys
from scraper.distributed.frontier import FrontierKeys, connect, worker_stats
from scraper.distributed.ingest import run_ingest
from scraper.distributed.redis_server import LocalRedis, redis_server_binary
from scraper.distributed.run import newswatch_command, setting_args

REPO = Path(__file__).resolve().parent.parent
WORKER_COUNTS = (1, 2, 4)
IDLE_SECONDS = 1.0


def measure(redis_url: str, work: Path, sources: Path, workers: int, pages: int) -> dict:
    prefix = f"bench{workers}"
    db = work / f"dist-{workers}.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    common = ["--distributed", redis_url, "--prefix", prefix, *setting_args(FAST)]
    seeded = subprocess.run(newswatch_command("seed", *common, "--sources", str(sources), "--spider", "sitemaps"),
                            capture_output=True, text=True, env=env)
    if seeded.returncode != 0:
        raise RuntimeError(f"seeding failed: {seeded.stderr[-2000:]}")
    started = time.monotonic()
    children = [subprocess.Popen(newswatch_command("worker", *common, "--idle-timeout", str(IDLE_SECONDS)), env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    try:
        summary = run_ingest(redis_url, db, prefix=prefix, idle_timeout=IDLE_SECONDS,
                             deadline=time.monotonic() + 900)
        for child in children:
            child.wait(timeout=120)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    stored = sqlite3.connect(db).execute("select count(*) from articles").fetchone()[0]
    if stored != pages or summary.last_item_at is None:
        raise RuntimeError(f"{workers} workers stored {stored} of {pages} articles")
    seconds = summary.last_item_at - started
    fetched = worker_stats(connect(redis_url), FrontierKeys(prefix)).get(stat_keys.PAGES_FETCHED, 0)
    return {"workers": workers, "articles": stored, "pages_fetched": fetched, "seconds": round(seconds, 2),
            "articles_per_s": round(stored / seconds, 1)}


def run(pages: int, out: Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="newswatch-bench-dist-"))
    work.chmod(0o755)  # nginx's worker runs unprivileged and must read the site
    site = work / "site"
    server = None
    try:
        generate_site(site, pages)
        server, base_url, server_name = start_server(site, work)
        write_sitemap(site, base_url, pages)
        sources = write_sources(work / "sources.toml", base_url, pages)
        with LocalRedis(max_seconds=1800) as redis:
            runs = [measure(redis.url, work, sources, n, pages) for n in WORKER_COUNTS]
        base = runs[0]["articles_per_s"]
        for r in runs:
            r["speedup"] = round(r["articles_per_s"] / base, 2)
        result = {"pages": pages, "server": server_name, "cores": os.cpu_count(), "runs": runs}
        out.mkdir(parents=True, exist_ok=True)
        (out / "distributed.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        return result
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    args = parser.parse_args(argv)
    if redis_server_binary() is None:
        print("distributed benchmark skipped: redis-server is not installed (run scripts/ensure-redis.sh)")
        return
    result = run(args.pages, args.out)
    print(f"distributed crawl: {result['pages']} generated pages served by {result['server']}, "
          f"{result['cores']} cores, one writer, extraction in the workers")
    print(f"{'workers':>8} {'articles':>9} {'seconds':>8} {'articles/s':>11} {'speed-up':>9}")
    for r in result["runs"]:
        print(f"{r['workers']:>8} {r['articles']:>9} {r['seconds']:>8.1f} {r['articles_per_s']:>11.1f} "
              f"{r['speedup']:>8.2f}x")


if __name__ == "__main__":
    main()
