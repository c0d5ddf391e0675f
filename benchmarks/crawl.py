"""Crawl throughput, storage share and memory, measured in one run on a generated site.

    python -m benchmarks.crawl [--pages 3000] [--out bench-results]

Generates a static site of realistic 60-120 KB article pages (deterministic), serves it
with nginx on a free loopback port (Python's threaded server when nginx is missing;
the output says which), and measures on the same pages:
- a bare Scrapy fetch of the sitemap's URLs (no extraction, no storage);
- our extraction alone, in one process, over the saved files (before and after the
  crawls, pooled: the machine's speed drifts);
- our full crawl (`newswatch crawl --spider sitemaps`: fetch, extract in the worker pool,
  match, dedup, store) at 1,000 pages and at the full size, with peak memory of the
  crawl process and of its whole process tree sampled from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "was", "by", "at", "from",
    "his", "her", "their", "court", "prison", "sentence", "judge", "state", "county", "police", "report",
    "season", "series", "network", "film", "show", "premiere", "review", "episode", "director", "producer",
    "city", "council", "budget", "school", "water", "road", "market", "company", "shares", "investors",
    "quarter", "growth", "energy", "climate", "weather", "storm", "river", "bridge", "hospital", "doctors",
    "patients", "study", "university", "researchers", "team", "game", "coach", "players", "league", "title",
    "final", "record", "fans", "stadium", "music", "album", "concert", "festival", "artist", "gallery",
    "museum", "history", "family", "children", "community", "officials", "residents", "neighbors", "program",
    "plan", "vote", "election", "campaign",
)
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "32", "LOG_LEVEL": "ERROR", "NEWSWATCH_MAX_SITEMAP_URLS": "100000"}


# ---- the generated site ---------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 24))]
    return " ".join(words).capitalize() + "."


def article_page(i: int, rng: random.Random) -> str:
    """A news article page shaped like real ones: navigation, JSON-LD, a long body,
    sidebars, and the inline script/style bulk that makes real pages 60-120 KB."""
    published = datetime(2020, 1, 1, 9, tzinfo=UTC) + timedelta(hours=7 * i)
    title = " ".join(rng.choice(WORDS) for _ in range(8)).title()
    paragraphs = ["<p>" + " ".join(_sentence(rng) for _ in range(rng.randint(3, 6))) + "</p>"
                  for _ in range(rng.randint(8, 18))]
    if i % 20 == 0:
        paragraphs.insert(2, "<p>The Oxygen documentary Kim Kardashian West: The Justice Project followed the case "
                             "of Momolu Stewart, who was sentenced to life in prison as a teenager.</p>")
    nav = "".join(f'<li><a href="/section/{w}/">{w.title()}</a></li>' for w in WORDS[20:60])
    related = "".join(f'<li><a href="/a/{(i + k) % 9999:05d}.html">{" ".join(rng.sample(WORDS, 6))}</a></li>'
                      for k in range(1, 11))
    target = rng.randint(60_000, 120_000)
    head = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} | Bench Gazette</title>"
            f"<link rel='canonical' href='/a/{i:05d}.html'><meta property='og:type' content='article'>"
            f"<script type='application/ld+json'>{json.dumps({'@context': 'https://schema.org', '@type': 'NewsArticle', 'headline': title, 'datePublished': published.isoformat(), 'author': {'@type': 'Person', 'name': 'Alex Reporter'}})}</script>"  # noqa: E501
            "<style>" + ".c{margin:0}" * 200 + "</style></head><body>"
            f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>"
            f"<p class='byline'>By Alex Reporter</p><time datetime='{published.isoformat()}'></time>"
            + "".join(paragraphs)
            + f"</article></main><aside class='most-read'><h3>Most read</h3><ol>{related}</ol></aside>"
            f"<footer><ul>{nav}</ul></footer>")
    padding = max(0, target - len(head) - 40)
    script = "<script>var cfg=" + json.dumps("x" * padding) + ";</script>"
    return head + script + "</body></html>"


def generate_site(root: Path, pages: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    (root / "a").mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(pages):
        path = root / "a" / f"{i:05d}.html"
        path.write_text(article_page(i, rng), encoding="utf-8")
        files.append(path)
    return files


def write_sitemap(root: Path, base_url: str, pages: int) -> None:
    urls = "".join(f"<url><loc>{base_url}/a/{i:05d}.html</loc></url>" for i in range(pages))
    (root / f"sitemap-{pages}.xml").write_text(
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")


# ---- serving it ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def start_server(root: Path, work: Path, max_seconds: float = 900) -> tuple[subprocess.Popen, str, str]:
    """nginx (or Python's threaded server) on a free loopback port; killed after `max_seconds` anyway."""
    port = free_port()
    nginx = nginx_binary()
    if nginx:
        conf = work / "nginx.conf"
        conf.write_text(
            f"worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;\n"
            "events { worker_connections 1024; }\n"
            "http { access_log off; sendfile on; keepalive_requests 100000;\n"
            "  types { text/html html; application/xml xml; text/plain txt; }\n"
            f"  server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n")
        process = subprocess.Popen([nginx, "-c", str(conf), "-p", str(work)], stderr=subprocess.DEVNULL)
        name = "nginx"
    else:
        process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                    "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        name = "python http.server (nginx not installed)"
    safety = threading.Timer(max_seconds, lambda: process.poll() is None and process.kill())
    safety.daemon = True  # must not keep the benchmark alive once it is done
    safety.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}", name


# ---- measuring ------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _proc_mb(pid: int, file: str, field: str) -> float:
    """A kB field of /proc/<pid>/<file>, in MB; 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rss_mb(pid: int) -> float:
    return _proc_mb(pid, "status", "VmRSS:")


def _pss_mb(pid: int) -> float:
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum
    over a process tree is its real footprint (RSS counts shared libraries and the shared
    language model once per process)."""
    return _proc_mb(pid, "smaps_rollup", "Pss:")


def run_measured(args: list[str]) -> tuple[float, dict[str, float], subprocess.CompletedProcess]:
    """Run a command; return wall seconds and peak RSS (MB): of the command's process
    (`main`), of it while it has children (`crawling`: the extraction workers live from
    spider open to close, so this leaves out start-up and the recluster after the crawl),
    and of its whole process tree (`tree`); peak PSS of the tree (`tree_pss`), of the
    command's process (`main_pss`) and of its largest child (`child_pss`).
    Output goes to temporary files, not pipes: a child that logs more than a pipe holds
    would otherwise block while nobody reads."""
    peaks = {"main": 0.0, "crawling": 0.0, "tree": 0.0, "tree_pss": 0.0, "main_pss": 0.0, "child_pss": 0.0}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True, cwd=REPO,
                                   env={**os.environ, "PYTHONPATH": str(REPO)})
        started = time.monotonic()
        while process.poll() is None:
            main = _rss_mb(process.pid)
            children = _descendants(process.pid)
            peaks["main"] = max(peaks["main"], main)
            if children:
                peaks["crawling"] = max(peaks["crawling"], main)
            peaks["tree"] = max(peaks["tree"], main + sum(_rss_mb(p) for p in children))
            main_pss, children_pss = _pss_mb(process.pid), [_pss_mb(p) for p in children]
            peaks["main_pss"] = max(peaks["main_pss"], main_pss)
            peaks["child_pss"] = max(peaks["child_pss"], *children_pss, 0.0)
            peaks["tree_pss"] = max(peaks["tree_pss"], main_pss + sum(children_pss))
            time.sleep(0.2)
        wall = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return wall, peaks, subprocess.CompletedProcess(args, process.returncode, out.read(), err.read())


def bare_fetch(sitemap_url: str) -> dict:
    """Child process: Scrapy with the same politeness settings, fetching every sitemap URL, nothing else."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class BareSpider(scrapy.spiders.SitemapSpider):
        name = "bare"
        sitemap_urls = [sitemap_url]

        def parse(self, response):
            return None

    settings = {"ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False, **FAST}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    seconds = (stats["finish_time"] - stats["start_time"]).total_seconds()
    pages = stats.get("downloader/response_status_count/200", 0) - 2  # robots.txt and the sitemap
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1)}


def _extract_share(paths: list[str], base_url: str, start_at: float = 0.0) -> tuple[float, float]:
    """Our extraction + matching over saved pages, in this process: load and warm up,
    wait until `start_at` (a common start for processes side by side), then extract.
    Returns when it started and ended (time.time())."""
    from scraper.analysis.page import analyse_page
    from scraper.match import load_watchlist

    watchlist = load_watchlist(REPO / "watchlist.toml")
    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    bodies = [(Path(p).read_bytes(), f"{base_url}/a/{Path(p).name}") for p in paths]
    analyse_page(bodies[0][0], url=bodies[0][1], watchlist=watchlist, fetched_at=fetched)  # warm caches
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    for body, url in bodies:
        analyse_page(body, url=url, watchlist=watchlist, fetched_at=fetched)
    return started, time.time()


def _rate(pages: int, seconds: float) -> dict:
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_s": round(pages / seconds, 1)}


def extraction_alone(files: list[Path], base_url: str) -> dict:
    """Our extraction + matching in one process over saved pages: the single-core rate."""
    started, ended = _extract_share([str(f) for f in files], base_url)
    return _rate(len(files), ended - started)


def extraction_two_processes(files: list[Path], base_url: str) -> dict:
    """The same extraction in two processes side by side, with no crawl at all: what two
    cores give extraction on this machine, the ceiling for a crawl that extracts."""
    import multiprocessing

    halves = [[str(f) for f in files[0::2]], [str(f) for f in files[1::2]]]
    start_at = time.time() + 8  # both children loaded and warm before the clock starts
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        spans = pool.starmap(_extract_share, [(half, base_url, start_at) for half in halves])
    return _rate(len(files), max(end for _, end in spans) - min(start for start, _ in spans))


def write_sources(path: Path, base_url: str, pages: int) -> Path:
    """sources.toml for the generated site: one outlet, crawled through its sitemap of `pages`."""
    path.write_text(f'[[outlet]]\nname = "Bench Gazette"\nhomepage = "{base_url}/"\nfeeds = []\n'
                    f'sitemaps = ["{base_url}/sitemap-{pages}.xml"]\nkind = "justice"\n', encoding="utf-8")
    return path


def full_crawl(work: Path, base_url: str, pages: int, settings: dict | None = None, name: str = "crawl") -> dict:
    """`newswatch crawl --spider sitemaps` of `pages` pages into work/<name>-<pages>.db, measured;
    `settings` are more -s NAME=VALUE (the archive's folder, or the archive off)."""
    db = work / f"{name}-{pages}.db"
    sources = write_sources(work / f"sources-{pages}.toml", base_url, pages)
    args = [sys.executable, "-m", "scraper", "crawl", "--spider", "sitemaps", "--db", str(db), "--sources",
            str(sources), "--no-progress", "--alerts", str(work / "no-alerts.toml")]
    (work / "no-alerts.toml").write_text('atom_path = ""\n')
    for key, value in {**FAST, **(settings or {})}.items():
        args += ["-s", f"{key}={value}"]
    wall, peaks, result = run_measured(args)
    if result.returncode != 0:
        raise RuntimeError(f"crawl failed: {result.stderr[-2000:]}")
    conn = sqlite3.connect(db)
    run = conn.execute("select pages_downloaded, articles_new, details from crawl_runs").fetchone()
    conn.close()
    details = json.loads(run[2])
    seconds = details["seconds"]
    store_seconds = sum(spider["store_seconds"] for spider in details["per_spider"].values())
    return {"pages": run[1], "pages_downloaded": run[0], "seconds": seconds, "pages_per_s": round(run[1] / seconds, 1),
            "store_share": round(store_seconds / seconds, 3), "peak_rss_main_mb": round(peaks["main"]),
            "peak_rss_crawling_mb": round(peaks["crawling"]), "peak_rss_tree_mb": round(peaks["tree"]),
            "peak_pss_tree_mb": round(peaks["tree_pss"]), "peak_pss_main_mb": round(peaks["main_pss"]),
            "peak_pss_worker_mb": round(peaks["child_pss"]), "wall_seconds": round(wall, 1)}


def run(pages: int = 3000, out: Path = REPO / "bench-results") -> dict:
    work = Path(tempfile.mkdtemp(prefix="newswatch-bench-"))
    work.chmod(0o755)  # nginx's worker runs unprivileged and must read the site
    site = work / "site"
    try:
        files = generate_site(site, pages)
        server, base_url, server_name = start_server(site, work)
        try:
            small = min(1000, pages)
            for n in {small, pages}:
                write_sitemap(site, base_url, n)
            bare = json.loads(subprocess.run(
                [sys.executable, "-m", "benchmarks.crawl", "--bare", f"{base_url}/sitemap-{pages}.xml"],
                capture_output=True, text=True, cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)},
            ).stdout.strip().splitlines()[-1])
            alone_before = extraction_alone(files[:300], base_url)
            two = extraction_two_processes(files[:600], base_url)
            crawl_small = full_crawl(work, base_url, small)
            crawl_full = full_crawl(work, base_url, pages)
            # measured again: this machine's speed drifts by tens of percent within minutes,
            # and the ratio must not depend on when the single-process rate was taken
            alone_after = extraction_alone(files[:300], base_url)
            alone = _rate(alone_before["pages"] + alone_after["pages"],
                          alone_before["seconds"] + alone_after["seconds"])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "server": server_name, "pages": pages, "bare_scrapy": bare, "extraction_one_process": alone,
        "extraction_one_process_before": alone_before, "extraction_one_process_after": alone_after,
        "crawl_1000": crawl_small, "crawl_full": crawl_full,
        "extraction_two_processes": two,
        "two_processes_vs_one": round(two["pages_per_s"] / alone["pages_per_s"], 2),
        "crawl_vs_extraction_alone": round(crawl_full["pages_per_s"] / alone["pages_per_s"], 2),
        "crawl_vs_two_process_extraction": round(crawl_full["pages_per_s"] / two["pages_per_s"], 2),
        # every page must be fetched by Scrapy and extracted: with both costs measured above
        # and all cores busy, no crawl on this machine can go faster than this
        "cores": os.cpu_count() or 1,
        "bound_pages_per_s": round((os.cpu_count() or 1)
                                   / (1 / bare["pages_per_s"] + 1 / alone["pages_per_s"]), 1),
        "crawl_vs_bare_fetch": round(crawl_full["pages_per_s"] / bare["pages_per_s"], 3),
        "memory_growth_full_vs_1000": round(
            crawl_full["peak_rss_main_mb"] / max(1, crawl_small["peak_rss_main_mb"]), 2),
        "memory_growth_crawling_full_vs_1000": round(
            crawl_full["peak_rss_crawling_mb"] / max(1, crawl_small["peak_rss_crawling_mb"]), 2),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "crawl.json").write_text(json.dumps(result, indent=2))
    print_table(result)
    return result


def print_table(r: dict) -> None:
    print(f"crawl benchmark: {r['pages']} generated pages of 60-120 KB served by {r['server']}")
    print(f"  bare Scrapy fetch          {r['bare_scrapy']['pages_per_s']:8.1f} pages/s")
    print(f"  extraction alone (1 proc)  {r['extraction_one_process']['pages_per_s']:8.1f} pages/s", end="")
    if "extraction_one_process_before" in r:
        print(f"   ({r['extraction_one_process_before']['pages_per_s']:.1f} before the crawls, "
              f"{r['extraction_one_process_after']['pages_per_s']:.1f} after)", end="")
    print()
    if "extraction_two_processes" in r:
        print(f"  extraction alone (2 procs) {r['extraction_two_processes']['pages_per_s']:8.1f} pages/s   "
              f"{r['two_processes_vs_one']:.2f}x one process: the most two cores give extraction here")
    for key in ("crawl_1000", "crawl_full"):
        c = r[key]
        print(f"  full crawl, {c['pages']:5d} pages   {c['pages_per_s']:8.1f} pages/s   store {c['store_share']:.1%} "
              f"of crawl time   peak RSS {c['peak_rss_main_mb']} MB (crawl process; "
              f"{c.get('peak_rss_crawling_mb', '?')} MB while crawling, before the recluster), "
              f"{c['peak_rss_tree_mb']} MB (with extraction workers; "
              f"{c.get('peak_pss_tree_mb', '?')} MB PSS, shared pages counted once); {c['wall_seconds']} s in all")
    print(f"  full crawl / extraction alone: {r['crawl_vs_extraction_alone']:.2f}x (target >= 1.6)")
    if "crawl_vs_two_process_extraction" in r:
        print(f"  full crawl / extraction in 2 procs with no crawl: {r['crawl_vs_two_process_extraction']:.2f}x")
        bound = r["bound_pages_per_s"]
        print(f"  bound on {r['cores']} cores if a page costs the bare fetch's time per page plus the "
              f"extraction's, every core busy: {bound:.1f} pages/s = "
              f"{bound / r['extraction_one_process']['pages_per_s']:.2f}x extraction alone")
    print(f"  full crawl / bare fetch:       {r['crawl_vs_bare_fetch']:.3f}")
    print(f"  peak memory, full vs 1,000 pages: {r['memory_growth_full_vs_1000']:.2f}x (target <= 1.2); "
          f"while crawling {r.get('memory_growth_crawling_full_vs_1000', 0):.2f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        print(json.dumps(bare_fetch(args.bare)))
        return
    run(args.pages, args.out)


if __name__ == "__main__":
    main()
