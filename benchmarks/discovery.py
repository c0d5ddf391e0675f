"""Discovery and backfill on the demo web: relevant recall and precision against its
answer key with and without the backfill, what each source added, the politeness kept
(GDELT's interval, from the replica's own request log), and what a second backfill of the
same range costs (nothing is asked again).

    python -m benchmarks.discovery [--out DIR] [--interval 0.2]

Everything is served on 127.0.0.1 by the demo web: its six listed outlets, the proxy that
stands in for the sites nobody listed, and the replicas of GDELT, the Wayback Machine and
Common Crawl. The crawls are `newswatch crawl` and `newswatch backfill` child processes,
as `make demo` runs them.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scraper.demo import SETTINGS, backfill_arguments
from scraper.demoweb import DemoWeb
from scraper.demoweb.scoring import score

REPO = Path(__file__).resolve().parent.parent


def newswatch(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True, cwd=REPO,
                            timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"newswatch {args[0]} failed:\n{result.stderr[-3000:]}")
    return time.monotonic() - started, result


def rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("select * from articles")]
    finally:
        conn.close()


def last_run(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("select * from crawl_runs order by id desc limit 1").fetchone())
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    parser.add_argument("--interval", type=float, default=0.2, help="GDELT interval for the run (seconds)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    answer_key = json.loads((REPO / "demo_web" / "answer_key.json").read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp(prefix="discovery-", dir=args.out))
    db, sources, watchlist = work / "demo.db", work / "sources.toml", REPO / "watchlist.toml"
    flags = [item for name, value in SETTINGS.items() for item in ("-s", f"{name}={value}")]
    with DemoWeb(max_seconds=900) as web:
        sources.write_text(web.sources_toml(), encoding="utf-8")
        live_s, _ = newswatch("crawl", "--db", str(db), "--sources", str(sources), "--no-progress", *flags)
        backfill = backfill_arguments(db, sources, watchlist, web, work / "warc")
        backfill = [a if not a.startswith("NEWSWATCH_GDELT_INTERVAL=") else f"NEWSWATCH_GDELT_INTERVAL={args.interval}"
                    for a in backfill]
        first_s, _ = newswatch(*backfill, "--no-progress")
        first = last_run(db)
        gdelt = [hit.at for hit in web.archive.hits["gdelt"]]
        web.archive.gdelt.clear_hits()
        again_s, _ = newswatch(*backfill, "--no-progress")
        again = last_run(db)
        asked_again = len(web.archive.hits["gdelt"])
    stored = rows(db)
    full, live = score(stored, answer_key), score(stored, answer_key, live_only=True)
    gaps = [b - a for a, b in zip(gdelt, gdelt[1:], strict=False)]
    details = json.loads(first["details"])["discovery"]
    report = {
        "relevant_reachable": full.reachable,
        "recall_live": round(live.recall, 4), "recall_with_backfill": round(full.recall, 4),
        "precision_with_backfill": round(full.precision, 4), "missed": full.missed,
        "live_crawl_seconds": round(live_s, 1), "backfill_seconds": round(first_s, 1),
        "backfill_pages_fetched": first["pages_fetched"], "added": details["added"],
        "windows": details["windows"], "rescued": details["rescued"], "gone": details["gone"],
        "errors": json.loads(first["errors"]), "gdelt_requests": len(gdelt),
        "gdelt_min_gap": round(min(gaps), 3) if gaps else None, "gdelt_interval": args.interval,
        "second_backfill_seconds": round(again_s, 1), "second_backfill_gdelt_requests": asked_again,
        "second_backfill_windows": json.loads(again["details"])["discovery"]["windows"],
    }
    print(f"discovery: the demo web ({full.reachable} relevant articles a crawl may reach)")
    print(f"  relevant recall, live crawl only        {live.recall:.3f} ({live.found}/{live.reachable})")
    print(f"  relevant recall, with the backfill      {full.recall:.3f} ({full.found}/{full.reachable})"
          f"   precision {full.precision:.3f} ({full.true_positives}/{full.flagged})")
    print(f"  live crawl {live_s:.1f} s; backfill {first_s:.1f} s, {first['pages_fetched']} pages, "
          f"{details['windows']['answered']} windows, {details['gone']} gone / {details['rescued']} rescued")
    for way, added in sorted(details["added"].items()):
        print(f"    added via {way:<12} {added['articles']:4d} articles, {added['relevant']:3d} relevant, "
              f"{added['archived']:3d} from an archive")
    print(f"  GDELT: {len(gdelt)} requests, smallest gap {report['gdelt_min_gap']} s (interval {args.interval} s)")
    print(f"  second backfill of the same range: {again_s:.1f} s, {asked_again} GDELT requests, "
          f"windows {report['second_backfill_windows']}")
    (args.out / "discovery.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
