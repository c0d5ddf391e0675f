"""Running the `newswatch` command in a child process, as a user does (shared by the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# the demo web and test servers are on this machine: no politeness delays
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def newswatch(*args: str, timeout: int = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=ENV)


@dataclass
class DemoCrawl:
    db: Path
    result: subprocess.CompletedProcess
    hits: list  # (outlet slug, method, path, status) of every request the demo web answered
    bases: dict[str, str]  # outlet slug -> base URL (its port changes between crawls)


def crawl_demo_web(folder: Path, *args: str, db_name: str = "articles.db") -> DemoCrawl:
    """Serve the whole demo web on loopback and crawl it with `newswatch crawl ARGS` (all
    spiders unless ARGS say otherwise) into a fresh database in `folder`."""
    from scraper.demoweb import DemoWeb

    db = folder / db_name
    with DemoWeb(max_seconds=400) as web:
        sources = folder / "sources.toml"
        sources.write_text(web.sources_toml(), encoding="utf-8")
        result = newswatch("crawl", *args, "--db", str(db), "--sources", str(sources), "--no-progress", *FAST,
                           timeout=300)
        hits = list(web.hits)
        bases = {slug: base for slug, _name, _kind, base in web.outlets}
    return DemoCrawl(db, result, hits, bases)
