"""Running the `newswatch` command in a child process, as a user does (shared by the tests).

Every child gets `child_env()`: no proxy variables (a proxy would receive the requests
meant for 127.0.0.1), `no_proxy` set to loopback, and tests/childguard on PYTHONPATH,
whose sitecustomize refuses any sources file with an outlet off loopback: the suite's
crawls only ever reach servers it started on this machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUARD = Path(__file__).resolve().parent / "childguard"
LOOPBACK = "127.0.0.1,127.0.0.2,localhost,::1"
GUARD_VARIABLE = "NEWSWATCH_TESTS_LOOPBACK_ONLY"
# the demo web and test servers are on this machine: no politeness delays
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def without_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` less every *_proxy variable (any case), with no_proxy/NO_PROXY = loopback."""
    env = {key: value for key, value in environ.items() if not key.lower().endswith("_proxy")}
    env["no_proxy"] = env["NO_PROXY"] = LOOPBACK
    return env


def child_env(guard: bool = True) -> dict[str, str]:
    """The environment of a child the suite starts, built from os.environ at call time.
    `guard=False` only for a child that runs where there is no network at all."""
    env = without_proxies(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(GUARD), str(ROOT)] if guard else [str(ROOT)])
    if guard:
        env[GUARD_VARIABLE] = "1"
    else:
        env.pop(GUARD_VARIABLE, None)
    return env


def newswatch(*args: str, timeout: int = 120, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scraper", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=child_env())


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 40) -> None:
    """Until `url` (on loopback) answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds}s")


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """`newswatch serve --db DB` on a free loopback port; yields its base URL, and stops it
    (with its Datasette) at the end, checking nothing of its process group is left."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "scraper", "serve", "--db", str(db), "--port", str(port)],
                               cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return
    raise AssertionError("`newswatch serve` left a process behind")
