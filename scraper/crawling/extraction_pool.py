"""Extraction off Scrapy's reactor thread: worker processes shared by every spider of a crawl.

Extraction is CPU-bound; run in the reactor thread it stalls downloading and uses one
core. The workers are forked from one template process that imported the extraction
stack and loaded the watchlist (so they share that memory), and each talks to the crawl
over one socket: a job goes in as a length-prefixed pickle (the page's bytes
and what is known about it), the answer comes back the same way. The crawl side reads
and writes those sockets from the reactor's own asyncio loop, so no helper thread
competes with the reactor for the GIL (concurrent.futures' pool runs two, and the reactor
waited milliseconds per page to get the GIL back from them). With `workers=0` everything
runs inline (debugging, tiny crawls).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import gc
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from scraper.match import Watchlist, load_watchlist

HEADER = 8  # bytes of the big-endian length before each frame
DEPTH = 2  # jobs queued per worker: the next page is already there when one is done
NICENESS = 5  # workers yield a core to the reactor (downloads, timeouts, commits) whenever it has work
REPO = Path(__file__).resolve().parents[2]


class WorkerCrashed(RuntimeError):
    """An extraction worker died (a crash in a C extension, the OOM killer) with this job."""


# ---- the worker processes -------------------------------------------------------------------

TRIM_AFTER = 200_000  # bytes: after a page this large, free memory goes back to the system
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
PR_SET_CHILD_SUBREAPER = 36


def _exit_with_crawl(parents: tuple[int, ...]) -> None:
    """A crawl killed with SIGKILL cannot stop its workers: each leaves as soon as it is
    orphaned, even in the middle of a long page, instead of lingering with its memory.
    `parents`: the crawl, and the template a forked worker starts under."""
    while os.getppid() in parents:
        time.sleep(0.5)
    os._exit(0)


def run_job(job: dict, watchlist: Watchlist) -> dict:
    """One job, in a worker or inline: `analyse` gives analyse_page's dict, `record` what
    the crawl stores (see analysis.page.crawled_page)."""
    from scraper.analysis.page import analyse_page, crawled_page

    fetched_at = datetime.fromisoformat(job["fetched_at"])
    if job["kind"] == "analyse":
        return analyse_page(job["body"], url=job["url"], watchlist=watchlist, fetched_at=fetched_at,
                            headers=job["headers"], hints=job["hints"])
    return crawled_page(job["body"], url=job["url"], watchlist=watchlist, fetched_at=fetched_at,
                        headers=job["headers"], hints=job["hints"], **job["page"])


def _read_exactly(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _warmed_up(watchlist_path: str) -> Watchlist:
    """Import the extraction stack and build what every page needs, before the first page
    (in a template, once for all the workers it forks)."""
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    from scraper.analysis.page import analyse_page  # noqa: F401 - the whole extraction stack
    from scraper.extract.stoplists import all_languages

    all_languages()
    return load_watchlist(watchlist_path)


def serve(fd: int, watchlist_path: str, parents: tuple[int, ...], watchlist: Watchlist | None = None) -> None:
    """The worker's loop: read a job, answer it, until the crawl closes the socket."""
    threading.Thread(target=_exit_with_crawl, args=(parents,), daemon=True).start()
    watchlist = watchlist or _warmed_up(watchlist_path)
    sock = socket.socket(fileno=fd)
    stream = sock.makefile("rb")
    while True:
        header = _read_exactly(stream, HEADER)
        if header is None:
            return
        size = int.from_bytes(header, "big")
        payload = _read_exactly(stream, size)
        if payload is None:
            return
        try:
            answer = run_job(pickle.loads(payload), watchlist)
        except Exception as exc:  # noqa: BLE001 - one bad page must not end the worker
            answer = {"error": f"{type(exc).__name__}: {exc}", "outcome": "error"}
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        sock.sendall(len(data).to_bytes(HEADER, "big") + data)
        del payload, answer, data
        if size > TRIM_AFTER and _LIBC is not None:
            _LIBC.malloc_trim(0)  # a large page's trees are freed: give the pages back


def fork_workers(fds: list[int], watchlist_path: str, crawl_pid: int) -> None:
    """The template: import and warm up once, fork one worker per socket, say their
    pids, and leave. The workers share the template's memory (the imported stack, the
    model, the stop-words) until they write to it; gc.freeze keeps the collector from
    touching it. The crawl adopts them when the template exits (a child subreaper)."""
    watchlist = _warmed_up(watchlist_path)
    gc.collect()
    gc.freeze()
    template = os.getpid()
    pids = []
    for fd in fds:
        pid = os.fork()
        if pid == 0:
            for other in fds:
                if other != fd:
                    os.close(other)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)  # the pid line is the template's to write
            try:
                serve(fd, watchlist_path, (template, crawl_pid), watchlist)
            finally:
                os._exit(0)
        pids.append(pid)
    sys.stdout.write(" ".join(map(str, pids)) + "\n")
    sys.stdout.flush()
    os._exit(0)


# ---- the crawl side --------------------------------------------------------------------------


def _adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux), so workers forked
    by a template that exits become its children: it can wait for them and they can tell
    when it is gone."""
    return _LIBC is not None and _LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def _worker_env() -> dict[str, str]:
    # numpy's BLAS must not start threads in a process that forks
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


class _Spawned:
    """A worker started as its own process."""

    def __init__(self, fd: int, watchlist_path: str) -> None:
        code = (f"from scraper.crawling.extraction_pool import serve; "
                f"serve({fd}, {watchlist_path!r}, ({os.getpid()},))")
        self.popen = subprocess.Popen([sys.executable, "-c", code], pass_fds=[fd], env=_worker_env(),
                                      stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float) -> None:
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class _Template:
    """The template process that forks the workers, and the pids it reports."""

    def __init__(self, fds: list[int], watchlist_path: str) -> None:
        code = (f"from scraper.crawling.extraction_pool import fork_workers; "
                f"fork_workers({fds!r}, {watchlist_path!r}, {os.getpid()})")
        self.popen = subprocess.Popen([sys.executable, "-c", code], pass_fds=fds, env=_worker_env(),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        self._pids: list[int] | None = None

    def pids(self) -> list[int]:
        """The workers' pids (waits for the template to fork them, then for it to leave)."""
        if self._pids is None:
            line = self.popen.stdout.readline().split()
            self.popen.stdout.close()
            self.popen.wait()
            self._pids = [int(pid) for pid in line]
        return self._pids


class _Forked:
    """A worker forked by the template, and adopted by this process."""

    def __init__(self, template: _Template, index: int) -> None:
        self.template = template
        self.index = index
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        pids = self.template.pids()
        return pids[self.index] if self.index < len(pids) else -1

    def poll(self) -> int | None:
        """The exit status once the worker is gone, else None (as Popen.poll)."""
        if self.returncode is None:
            pid = self.pid
            try:
                done, status = os.waitpid(pid, os.WNOHANG) if pid > 0 else (pid, 0)
            except ChildProcessError:
                done, status = pid, 0  # reaped already
            if done:
                self.returncode = os.waitstatus_to_exitcode(status) if status else 0
        return self.returncode

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.01)


class _Answers(asyncio.Protocol):
    """Splits a worker's byte stream into answers, handed to the waiting jobs in order."""

    def __init__(self, worker: _Worker) -> None:
        self.worker = worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER:
            size = int.from_bytes(self.buffer[:HEADER], "big")
            if len(self.buffer) < HEADER + size:
                return
            payload = bytes(self.buffer[HEADER:HEADER + size])
            del self.buffer[:HEADER + size]
            self.worker.answered(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        self.worker.lost()


class _Worker:
    """One worker process, its socket and the futures of the jobs it holds (FIFO)."""

    def __init__(self, extractor: Extractor, sock: socket.socket, process: _Spawned | _Forked) -> None:
        self.extractor = extractor
        self.sock = sock
        self.process = process
        self.transport: asyncio.Transport | None = None
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.alive = True

    @classmethod
    def spawned(cls, extractor: Extractor) -> _Worker:
        ours, theirs = socket.socketpair()
        process = _Spawned(theirs.fileno(), extractor.watchlist_path)
        theirs.close()
        return cls(extractor, ours, process)

    @classmethod
    def forked(cls, extractor: Extractor, count: int) -> list[_Worker]:
        pairs = [socket.socketpair() for _ in range(count)]
        template = _Template([theirs.fileno() for _, theirs in pairs], extractor.watchlist_path)
        for _, theirs in pairs:
            theirs.close()
        return [cls(extractor, ours, _Forked(template, i)) for i, (ours, _) in enumerate(pairs)]

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_unix_connection(lambda: _Answers(self), sock=self.sock)

    def send(self, job: dict) -> asyncio.Future:
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        self.transport.write(len(data).to_bytes(HEADER, "big") + data)
        return future

    def answered(self, payload: bytes) -> None:
        future = self.waiting.popleft()
        if not future.done():  # a cancelled job's answer is dropped
            future.set_result(payload)

    def lost(self) -> None:
        if not self.alive:
            return
        self.alive = False
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerCrashed(f"extraction worker {self.process.pid} died"))
        self.extractor.replace(self)

    def hang_up(self) -> None:
        """EOF to the worker: it leaves its loop and exits (see `stop`)."""
        self.alive = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Hang up, then wait for the worker to exit; killed if it will not go."""
        self.hang_up()
        self.process.wait(timeout=10)
        if self.transport is not None:
            self.transport.abort()
        else:
            self.sock.close()


class Extractor:
    """`await extractor.analyse(...)` runs analyse_page in a worker process (or inline);
    `await extractor.record(...)` does the whole per-page job the crawl stores."""

    def __init__(self, watchlist_path: str, workers: int | None = None) -> None:
        self.watchlist_path = str(watchlist_path)
        self.workers = os.cpu_count() or 1 if workers is None else workers
        self.users = 0
        self.pool: list[_Worker] = []
        self.inline_watchlist: Watchlist | None = None
        self.free: asyncio.Queue[_Worker] | None = None
        self.connecting: asyncio.Task | None = None
        self.active = 0  # jobs submitted and not answered yet (the pipeline commits when none is left)

    def prestart(self) -> None:
        """Start the workers ahead of `open`: importing the extraction stack takes more than
        half a second of CPU, which the crawl overlaps with Scrapy's own start-up instead of
        waiting for it with the first pages in hand. Two or more are forked from one
        template, so they share its memory; where this process cannot adopt them, each is
        spawned on its own."""
        if self.workers > 0 and not self.pool:
            if self.workers > 1 and _adopt_orphans():
                self.pool = _Worker.forked(self, self.workers)
            else:
                self.pool = [_Worker.spawned(self) for _ in range(self.workers)]
            self.free, self.connecting = None, None

    def open(self) -> None:
        self.users += 1
        if self.users > 1:
            return
        if self.workers > 0:
            # if not prestarted, started now: they import while the spiders fetch robots, feeds and sitemaps
            self.prestart()
        else:
            self.inline_watchlist = load_watchlist(self.watchlist_path)

    def close(self) -> None:
        self.users -= 1
        if self.users <= 0:
            self.stop_workers()

    def stop_workers(self) -> None:
        """Stop every worker (all hung up first, so they exit side by side); also the way to
        release prestarted workers that no spider opened (a crawl that failed to start)."""
        pool, self.pool = self.pool, []
        for worker in pool:
            worker.hang_up()
        for worker in pool:
            worker.stop()

    def replace(self, dead: _Worker) -> None:
        """A worker died: its jobs failed (counted by the caller); a new one takes its place."""
        if dead not in self.pool:
            return
        self.pool.remove(dead)
        if self.users > 0:
            worker = _Worker.spawned(self)
            self.pool.append(worker)
            asyncio.get_running_loop().create_task(self._enlist(worker))

    async def _enlist(self, worker: _Worker) -> None:
        await worker.connect()
        for _ in range(DEPTH):
            self.free.put_nowait(worker)

    async def _ready(self) -> None:
        if self.connecting is None:
            self.free = asyncio.Queue()
            self.connecting = asyncio.ensure_future(asyncio.gather(*(self._enlist(w) for w in self.pool)))
        await self.connecting

    async def _run(self, job: dict) -> dict:
        self.active += 1
        try:
            return await self._dispatch(job)
        finally:
            self.active -= 1

    async def _dispatch(self, job: dict) -> dict:
        if not self.pool:
            return run_job(job, self.inline_watchlist)
        await self._ready()
        # At most DEPTH jobs per worker: downloads outrun extraction, and waiting here (not
        # in a socket or an executor queue) keeps the item in Scrapy, whose back-pressure
        # then pauses downloading instead of holding every waiting page body in memory.
        while True:
            worker = await self.free.get()
            if worker.alive:
                break
        try:
            payload = await worker.send(job)
        finally:
            if worker.alive:
                self.free.put_nowait(worker)
        return pickle.loads(payload)

    async def analyse(self, body: bytes, url: str, fetched_at: str, headers: dict, hints: dict) -> dict:
        if self.inline_watchlist is None and not self.pool:
            self.inline_watchlist = load_watchlist(self.watchlist_path)
        return await self._run({"kind": "analyse", "body": body, "url": url, "fetched_at": fetched_at,
                                "headers": headers, "hints": hints})

    async def record(self, body: bytes, url: str, fetched_at: str, headers: dict, hints: dict,
                     **page: Any) -> dict:
        """process.crawled_page in a worker: the outcome and, for an article, the row and mentions."""
        if self.inline_watchlist is None and not self.pool:
            self.inline_watchlist = load_watchlist(self.watchlist_path)
        return await self._run({"kind": "record", "body": body, "url": url, "fetched_at": fetched_at,
                                "headers": headers, "hints": hints, "page": page})


class BatchExtractor:
    """The pool outside a crawl (`reextract`): calling it with a batch of record jobs
    (each the keyword arguments of `Extractor.record`: body, url, fetched_at, headers,
    hints, page) runs them on every worker and returns the answers in order. A job whose
    worker died answers as an error; the pool replaces the worker. Use it as a context
    manager: the workers start on enter and leave on exit."""

    def __init__(self, watchlist_path: str, workers: int | None = None) -> None:
        self.extractor = Extractor(watchlist_path, workers)
        self.loop = asyncio.new_event_loop()

    @property
    def workers(self) -> int:
        return self.extractor.workers

    def __enter__(self) -> BatchExtractor:
        self.extractor.open()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.extractor.close()
        finally:
            self.loop.close()

    def __call__(self, jobs: list[dict]) -> list[dict]:
        return self.loop.run_until_complete(self._all(jobs))

    async def _all(self, jobs: list[dict]) -> list[dict]:
        answers = await asyncio.gather(*(self.extractor.record(job["body"], job["url"], job["fetched_at"],
                                                               job["headers"], job["hints"], **job["page"])
                                         for job in jobs), return_exceptions=True)
        return [answer if isinstance(answer, dict) else {"outcome": "error", "error": f"{type(answer).__name__}: "
                                                                                       f"{answer}"}
                for answer in answers]


_SHARED: dict[tuple[str, int | None], Extractor] = {}


def shared_extractor(watchlist_path: str, workers: int | None) -> Extractor:
    """One pool per (watchlist, size) in this process, whatever the number of spiders."""
    key = (str(watchlist_path), workers)
    if key not in _SHARED:
        _SHARED[key] = Extractor(watchlist_path, workers)
    return _SHARED[key]
