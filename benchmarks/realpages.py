"""Crawl speed and memory on real pages, beside the crawl a user would write instead.

    python -m benchmarks.realpages [--bench DIR] [--pages 1000,3000] [--out bench-results]

The pages of the shared benchmark sets (`bodies/`, `dates/`, `snippets/` of ../shared/bench:
about 1,100 real pages, 1 KB to 1.6 MB) are decompressed into a folder under `--out`
(deleted afterwards; never in the repository) and served as they are by nginx on loopback:
text/html with no charset added, so each crawler decodes the bytes itself. A sitemap
index lists N page URLs (at most 500 per sitemap file, newswatch's default per-file
limit); beyond the set's size the same pages are listed again under other URL prefixes
(/c1/, /c2/, ...: symlinks to the same files). The page order is shuffled once (fixed
seed), so every N draws from all three sets.

For each N, in the same run and with the same speed settings (benchmarks.crawl.FAST):
- ours: `newswatch crawl --spider sitemaps` (fetch, extract in the worker pool, match,
  store, every stored page into the WARC archive: the default), via benchmarks.crawl.full_crawl;
- ours without the archive (`-s NEWSWATCH_ARCHIVE=False`): what the archive costs in pages/s,
  and its bytes per stored article;
- the baseline: benchmarks.baseline_spider (Scrapy SitemapSpider,
  `trafilatura.bare_extraction` in the callback, sqlite-utils `insert_all` per 200 rows).
Each runs in its own process; pages/s is pages served over the process's wall time (start-up
and the final writes included), and peak RSS and PSS of its whole process tree (the crawl
and its extraction workers) are sampled from /proc every 0.2 s. The CPU time of each tree
and the load average before each run are reported too: on a shared machine other users'
load moves pages/s (most for the crawl that needs every core), CPU per page much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

from benchmarks.crawl import REPO, full_crawl, run_measured, start_server
from benchmarks.extraction import DEFAULT_BENCH, read_manifest

SETS = ("bodies", "dates", "snippets")
PER_SITEMAP = 500  # URLs per sitemap file (NEWSWATCH_MAX_SITEMAP_URLS' default)
TARGETS = {"ratio": 2.0, "tree_pss_mb": 300, "flatness": 1.2, "archive_cost": 0.10}


# ---- the site -----------------------------------------------------------------------------


def build_site(bench: Path, site: Path, seed: int = 7) -> tuple[list[str], int]:
    """Decompress every page of the sets into site/c0/<set>/<id>.html; return their paths
    under c0 (shuffled, fixed seed) and their total size in bytes."""
    paths, size = [], 0
    for name in SETS:
        if not (bench / name / "manifest.jsonl").exists():
            continue
        folder = site / "c0" / name
        folder.mkdir(parents=True, exist_ok=True)
        for row in read_manifest(bench / name):
            (folder / f"{row['id']}.html").write_bytes(row["html"])
            paths.append(f"{name}/{row['id']}.html")
            size += len(row["html"])
    random.Random(seed).shuffle(paths)
    return paths, size


def page_urls(base_url: str, paths: list[str], pages: int) -> list[str]:
    """N URLs: the set under /c0/, then again under /c1/, /c2/, ... as far as needed."""
    return [f"{base_url}/c{i // len(paths)}/{paths[i % len(paths)]}" for i in range(pages)]


def write_sitemaps(site: Path, base_url: str, paths: list[str], pages: int) -> int:
    """sitemap-N.xml: an index of sitemap files of at most PER_SITEMAP page URLs each, plus
    robots.txt and the symlinked copies the URLs need. Returns the number of files fetched
    before the pages (robots.txt, the index, its sitemap files)."""
    urls = page_urls(base_url, paths, pages)
    for copy in range(1, (pages - 1) // len(paths) + 1):
        link = site / f"c{copy}"
        if not link.exists():
            link.symlink_to("c0")
    files = []
    for k in range(0, len(urls), PER_SITEMAP):
        name = f"sitemap-{pages}-{k // PER_SITEMAP}.xml"
        locs = "".join(f"<url><loc>{url}</loc></url>" for url in urls[k:k + PER_SITEMAP])
        (site / name).write_text('<?xml version="1.0" encoding="UTF-8"?>'
                                 f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>')
        files.append(name)
    entries = "".join(f"<sitemap><loc>{base_url}/{name}</loc></sitemap>" for name in files)
    (site / f"sitemap-{pages}.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')
    (site / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    return 2 + len(files)


# ---- the two crawls -----------------------------------------------------------------------


def _cpu_of_children() -> float:
    """CPU seconds of every finished descendant waited for (the crawl, and its workers through it)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(run, *args) -> dict:
    """Run one crawl (`run(*args)` returns its figures) and add the CPU its whole process tree
    used, and the machine's load before it: on a shared machine, pages/s follows the load of
    other users, CPU per page much less."""
    load, cpu = os.getloadavg()[0], _cpu_of_children()
    figures = run(*args)
    cpu = _cpu_of_children() - cpu
    return {**figures, "cpu_seconds": round(cpu, 1), "cpu_ms_per_page": round(1000 * cpu / max(1, figures["pages"]), 1),
            "load_before": round(load, 2)}


def _figures(pages: int, wall: float, peaks: dict) -> dict:
    return {"pages": pages, "wall_seconds": round(wall, 1), "pages_per_s": round(pages / wall, 1),
            "peak_pss_tree_mb": round(peaks["tree_pss"]), "peak_rss_tree_mb": round(peaks["tree"])}


def ours(work: Path, base_url: str, pages: int, navigation: int, archive: bool = True) -> dict:
    """newswatch crawl --spider sitemaps (benchmarks.crawl.full_crawl), counted by the pages it fetched;
    with the archive (its own folder, measured: bytes per stored article) or without."""
    name = "crawl" if archive else "crawl-no-archive"
    folder = work / f"warc-{pages}"
    settings = {"NEWSWATCH_ARCHIVE_DIR": str(folder)} if archive else {"NEWSWATCH_ARCHIVE": "False"}
    crawl = full_crawl(work, base_url, pages, settings, name=name)
    served = crawl["pages_downloaded"] - navigation  # robots.txt and the sitemaps are counted too
    conn = sqlite3.connect(work / f"{name}-{pages}.db")
    not_articles, kept = conn.execute("select not_articles, articles_seen from crawl_runs").fetchone()
    conn.close()
    peaks = {"tree_pss": crawl["peak_pss_tree_mb"], "tree": crawl["peak_rss_tree_mb"]}
    figures = {**_figures(served, crawl["wall_seconds"], peaks), "stored": crawl["pages"],
               "not_articles": not_articles, "peak_pss_crawl_process_mb": crawl["peak_pss_main_mb"],
               "peak_pss_worker_mb": crawl["peak_pss_worker_mb"],
               "peak_rss_crawl_process_mb": crawl["peak_rss_main_mb"], "crawl_seconds": crawl["seconds"]}
    if archive:
        files = list(folder.glob("*.warc.gz"))
        size = sum(f.stat().st_size for f in files)
        # pages kept: every article page fetched is archived, copies under other URLs too
        # (they name their original as canonical, so they add no article row)
        figures["archive"] = {"files": len(files), "bytes": size, "pages_kept": kept,
                              "bytes_per_article": round(size / max(1, crawl["pages"])),
                              "bytes_per_page_kept": round(size / max(1, kept))}
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def baseline(work: Path, base_url: str, pages: int) -> dict:
    """benchmarks.baseline_spider in its own process, measured the same way."""
    args = [sys.executable, "-m", "benchmarks.baseline_spider", f"{base_url}/sitemap-{pages}.xml",
            str(work / f"baseline-{pages}.db")]
    wall, peaks, result = run_measured(args)
    if result.returncode != 0:
        raise RuntimeError(f"baseline crawl failed: {result.stderr[-2000:]}")
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    return {**_figures(counts["pages"], wall, peaks), "stored": counts["stored"], "crawl_seconds": counts["seconds"]}


def run(bench: Path, sizes: list[int], out: Path) -> dict | None:
    if not all((bench / name / "manifest.jsonl").exists() for name in SETS):
        print(f"realpages: the benchmark pages are not at {bench} (needs {', '.join(SETS)} with manifest.jsonl); "
              "skipped")
        return None
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="realpages-", dir=out))
    work.chmod(0o755)  # nginx's worker runs unprivileged and must read the site
    site = work / "site"
    results: dict = {}
    try:
        paths, size = build_site(bench, site)
        budget = 600 + 2 * sum(sizes)  # seconds nginx may live: ample at a few pages per second
        server, base_url, server_name = start_server(site, work, max_seconds=budget)
        try:
            for pages in sizes:
                navigation = write_sitemaps(site, base_url, paths, pages)
                results[pages] = {"ours": measured(ours, work, base_url, pages, navigation),
                                  "ours_no_archive": measured(ours, work, base_url, pages, navigation, False),
                                  "baseline": measured(baseline, work, base_url, pages)}
                results[pages]["ratio"] = round(results[pages]["ours"]["pages_per_s"]
                                                / results[pages]["baseline"]["pages_per_s"], 2)
                # on a shared machine pages/s moves with other users' load; CPU per page much less
                results[pages]["archive_cost"] = round(1 - results[pages]["ours"]["pages_per_s"]
                                                       / results[pages]["ours_no_archive"]["pages_per_s"], 3)
                results[pages]["archive_cpu_cost"] = round(results[pages]["ours"]["cpu_ms_per_page"]
                                                           / results[pages]["ours_no_archive"]["cpu_ms_per_page"] - 1,
                                                           3)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    small, large = min(sizes), max(sizes)
    report = {
        "server": server_name, "set_pages": len(paths), "set_mb": round(size / 1e6, 1), "sizes": results,
        "flatness_ours": round(results[large]["ours"]["peak_pss_tree_mb"]
                               / results[small]["ours"]["peak_pss_tree_mb"], 2),
        "flatness_baseline": round(results[large]["baseline"]["peak_pss_tree_mb"]
                                   / results[small]["baseline"]["peak_pss_tree_mb"], 2),
        "targets": TARGETS,
    }
    (out / "realpages.json").write_text(json.dumps(report, indent=2))
    print_table(report)
    return report


def print_table(r: dict) -> None:
    sizes = sorted(r["sizes"], key=int)
    print(f"real-page crawl: the {r['set_pages']} pages of ../shared/bench ({r['set_mb']} MB of HTML), served by "
          f"{r['server']}; beyond that, copies under other URLs")
    print(f"  {'pages':>6}  {'ours p/s':>8}  {'baseline p/s':>12}  {'ratio':>6}  "
          f"{'ours peak PSS (RSS), whole tree':>31}  {'baseline peak PSS (RSS)':>23}")
    for pages in sizes:
        s = r["sizes"][pages]
        o, b = s["ours"], s["baseline"]
        print(f"  {pages:>6}  {o['pages_per_s']:>8.1f}  {b['pages_per_s']:>12.1f}  {s['ratio']:>5.2f}x  "
              f"{o['peak_pss_tree_mb']:>18} MB ({o['peak_rss_tree_mb']:>4} MB)  "
              f"{b['peak_pss_tree_mb']:>10} MB ({b['peak_rss_tree_mb']:>4} MB)")
    t = r["targets"]
    ratio, pss = f">={t['ratio']}x", f"<= {t['tree_pss_mb']} MB"
    print(f"  {'target':>6}  {'':>8}  {'':>12}  {ratio:>6}  {pss:>21}")
    for pages in sizes:
        o, b = r["sizes"][pages]["ours"], r["sizes"][pages]["baseline"]
        print(f"  CPU at {pages}: ours {o['cpu_ms_per_page']} ms/page (whole tree, {os.cpu_count()} cores), baseline "
              f"{b['cpu_ms_per_page']} ms/page (one process); load average before: {o['load_before']} and "
              f"{b['load_before']} (other users' load cuts the pages/s of a crawl that needs every core the most)")
    for pages in sizes:
        o = r["sizes"][pages]["ours"]
        print(f"  ours at {pages}: crawl process {o['peak_pss_crawl_process_mb']} MB PSS, largest extraction "
              f"worker {o['peak_pss_worker_mb']} MB PSS (peaks, not simultaneous); {o['pages']} pages fetched, "
              f"{o['stored']} new articles (a copy names its original as canonical), {o['not_articles']} not articles; "
              f"baseline stored "
              f"{r['sizes'][pages]['baseline']['stored']}")
    print(f"  peak PSS at {sizes[-1]} / at {sizes[0]} pages: ours {r['flatness_ours']:.2f}x "
          f"(target <= {t['flatness']}), baseline {r['flatness_baseline']:.2f}x")
    print(f"  the evidence archive (ours as above, beside ours with -s NEWSWATCH_ARCHIVE=False; target: it costs "
          f"at most {t['archive_cost']:.0%} of pages/s):")
    for pages in sizes:
        s = r["sizes"][pages]
        o, n, a = s["ours"], s["ours_no_archive"], s["ours"]["archive"]
        print(f"    at {pages}: {o['pages_per_s']:.1f} pages/s with it, {n['pages_per_s']:.1f} without "
              f"({o['pages_per_s'] / n['pages_per_s']:.2f}x: costs {s['archive_cost']:.1%} of pages/s, "
              f"{s['archive_cpu_cost']:.1%} of CPU per page); "
              f"{a['bytes_per_article']:,} bytes of archive per stored article ({a['bytes'] / 1e6:.1f} MB in "
              f"{a['files']} file(s) for {o['stored']} articles; {a['bytes_per_page_kept']:,} per page kept, of "
              f"{a['pages_kept']}); peak PSS {o['peak_pss_tree_mb']} vs {n['peak_pss_tree_mb']} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--pages", default="1000,3000", help="comma-separated crawl sizes")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    args = parser.parse_args(argv)
    sizes = sorted({int(n) for n in args.pages.split(",") if n.strip()})
    run(args.bench.resolve(), sizes, args.out.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
