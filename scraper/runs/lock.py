"""One crawl per database at a time: a lock file next to the database keeps crawls from
overlapping, also across processes (a cron job and a manual run); the kernel releases it
when the holder dies, even after kill -9, so a crash never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from scraper.errors import NewswatchError


class CrawlLock:
    """Exclusive, non-blocking flock on a file; `with CrawlLock(path):` around a crawl.

    The file is never deleted (deleting races with the next locker); only the flock
    matters, and the pid written into it is for the error message.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @classmethod
    def for_database(cls, db: str | Path) -> CrawlLock:
        """data/articles.db -> data/articles.db.lock"""
        db = Path(db)
        return cls(db.with_name(db.name + ".lock"))

    def acquire(self) -> CrawlLock:
        if self._fd is not None:
            raise NewswatchError(f"{self.path}: lock already held by this object")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise NewswatchError(f"{self.path}: cannot lock: {exc}") from None
            raise NewswatchError(
                f"another crawl is running (lock {self.path} held by pid {self.holder_pid() or '?'})"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def holder_pid(self) -> int | None:
        """The pid written by the current (or last) holder, if readable."""
        with contextlib.suppress(OSError, ValueError):
            return int(self.path.read_text().strip())
        return None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> CrawlLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
