"""A throwaway redis-server on 127.0.0.1 (tests and benchmarks): a free port, no
persistence, protected mode, its own directory, stopped with the context."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REDIS_CANDIDATES = ("redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server")


def redis_server_binary() -> str | None:
    for name in REDIS_CANDIDATES:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalRedis:
    """`with LocalRedis() as r: r.url` -> redis://127.0.0.1:PORT/0"""

    def __init__(self, max_seconds: float = 900) -> None:
        self.binary = redis_server_binary()
        if self.binary is None:
            raise RuntimeError("redis-server is not installed (scripts/ensure-redis.sh installs it)")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.max_seconds = max_seconds
        self.folder = Path(tempfile.mkdtemp(prefix="newswatch-redis-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalRedis:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no",
             "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        # a safety net: the server stops by itself even if the caller never does
        self.timer = subprocess.Popen(["sh", "-c", f"sleep {int(self.max_seconds)}; kill {self.process.pid} "
                                       "2>/dev/null"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if getattr(self, "timer", None) is not None and self.timer.poll() is None:
            self.timer.kill()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
