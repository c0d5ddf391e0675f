"""`make crawl` without network: one line saying `network unreachable`, exit status 1,
within seconds; never a hang, never a crawl.

Nothing here sends a packet off the machine: the check's own tests replace the socket
layer, and the real command runs against the shipped sources.toml only inside a fresh
network namespace (`unshare -n`) whose one interface is a loopback that is down, so
name resolution and connections fail before anything is sent."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import pytest
from prereq import need
from runner import ROOT, child_env

from scraper.config import Outlet, load_sources
from scraper.errors import NetworkUnreachable
from scraper.runs import network
from scraper.runs.network import check_network


def outlet(homepage: str) -> Outlet:
    return Outlet(name=homepage, homepage=homepage, feeds=(), sitemaps=(), search="", kind="justice", language="en")


@pytest.fixture
def connections(monkeypatch):
    """Replace socket.create_connection for the check: `answers[host]` is what happens
    (an exception to raise, seconds to hang, or None to connect); records the calls."""
    calls: list[tuple[str, int]] = []
    answers: dict[str, object] = {}

    def connect(address, timeout=None):
        calls.append(address)
        answer = answers.get(address[0], OSError(errno.ENETUNREACH, "Network is unreachable"))
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, int | float):
            time.sleep(answer)
            raise TimeoutError("timed out")
        return nullcontext()

    monkeypatch.setattr(network.socket, "create_connection", connect)
    return calls, answers


def test_no_reachable_outlet_host_is_network_unreachable(connections):
    calls, _answers = connections
    outlets = load_sources(ROOT / "sources.toml")  # read, never contacted: the socket layer is replaced
    hosts = {o.host for o in outlets}
    started = time.monotonic()
    with pytest.raises(NetworkUnreachable) as error:
        check_network(outlets, timeout=5)
    assert time.monotonic() - started < 2, "every host failed at once: no waiting for the timeout"
    assert str(error.value).startswith(f"network unreachable: could not connect to any of {len(hosts)} outlet hosts")
    assert "Network is unreachable" in str(error.value)
    assert {host for host, _port in calls} == hosts


def test_one_reachable_host_is_enough(connections):
    _calls, answers = connections
    answers["up.example"] = None
    check_network([outlet("https://down.example/"), outlet("https://up.example/")], timeout=5)


def test_a_hanging_resolver_cannot_hang_the_check(connections):
    _calls, answers = connections
    answers["slow.example"] = 30
    started = time.monotonic()
    with pytest.raises(NetworkUnreachable, match=r"slow\.example \(no answer\)"):
        check_network([outlet("https://slow.example/")], timeout=0.5)
    assert time.monotonic() - started < 2


def test_loopback_outlets_need_no_check(connections):
    calls, _answers = connections
    check_network([outlet("http://127.0.0.1:8001/"), outlet("http://localhost:8002/")])
    assert calls == []


def unshare_prefix() -> list[str] | None:
    """`unshare -n` (root) or `unshare -rn` (an unprivileged user namespace), if either works."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
            return [*prefix, "--"]
    return None


def test_make_crawl_without_network_says_so_and_exits_1(tmp_path):
    prefix = unshare_prefix()
    need(prefix is not None, "a network namespace (unshare -n)",
         "run the tests as root, or allow unprivileged user namespaces")
    # what `make crawl` runs, with its database moved to this test's folder
    planned = subprocess.run(["make", "-n", "crawl"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    (command,) = [line.split() for line in planned.stdout.splitlines() if "newswatch crawl" in line]
    assert command[1:] == ["crawl", "--db", "data/articles.db"], command
    db = tmp_path / "articles.db"
    newswatch = Path(sys.executable).parent / Path(command[0]).name
    env = child_env(guard=False)  # the shipped sources.toml, on purpose: there is no network to reach it

    probe = subprocess.run([*prefix, sys.executable, "-c", "import socket; print(socket.if_nameindex())"],
                           capture_output=True, text=True, timeout=60, env=env)
    assert probe.stdout.strip() == "[(1, 'lo')]", "the namespace has no interface but loopback"

    started = time.monotonic()
    result = subprocess.run([*prefix, str(newswatch), "crawl", "--db", str(db)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env=env)
    seconds = time.monotonic() - started
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("newswatch: error: network unreachable: "), result.stderr
    hosts = len({o.host for o in load_sources(ROOT / "sources.toml")})
    assert re.search(rf"could not connect to any of {hosts} outlet hosts", lines[0])
    assert seconds < 20, f"{seconds:.1f} s"
    assert not db.exists(), "nothing is stored, no run is recorded"
    assert os.listdir(tmp_path) in ([], ["articles.db.lock"])
