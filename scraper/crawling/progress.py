"""Live crawl progress on the terminal (rich), shared by all spiders of one crawl."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table
from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from scraper import stats as stat_keys

COLUMNS = (
    ("pages", stat_keys.PAGES_FETCHED),
    ("articles", stat_keys.ARTICLES_SEEN),
    ("new", stat_keys.ARTICLES_NEW),
    ("relevant", stat_keys.RELEVANT_SEEN),
    ("errors", None),
)


def discovery_line(values: dict) -> str:
    """Where a backfill stands: windows answered and waiting, and the least time left at the
    services' intervals (more windows appear when a full one is split)."""
    done = stat_keys.count(values, stat_keys.WINDOWS_DONE) + stat_keys.count(values, stat_keys.WINDOWS_RESUMED)
    waiting = stat_keys.summed(values, stat_keys.WINDOWS_PENDING)
    if not done and not waiting:
        return ""
    left = stat_keys.summed(values, stat_keys.SECONDS_LEFT)
    found = stat_keys.count(values, stat_keys.DISCOVERED_URLS)
    return (f"discovery: {done} windows done, {max(0, waiting)} waiting, {found} URLs found"
            + (f", at least {left // 60}m{left % 60:02d}s left" if left else ""))


class ProgressBoard:
    """One live table for every spider running in this process."""

    def __init__(self) -> None:
        self.stats: dict[str, object] = {}
        self.open = 0
        self.live: Live | None = None
        self.loop: task.LoopingCall | None = None

    def render(self) -> Table:
        table = Table(title="newswatch crawl", expand=False)
        table.add_column("spider")
        for header, _ in COLUMNS:
            table.add_column(header, justify="right")
        totals = [0] * len(COLUMNS)
        for name, stats in sorted(self.stats.items()):
            values = stats.get_stats()
            row = []
            for i, (_, key) in enumerate(COLUMNS):
                n = (sum(stat_keys.errors_by_kind(values).values())
                     if key is None else int(values.get(key, 0)))
                totals[i] += n
                row.append(str(n))
            table.add_row(name, *row)
        table.add_row("[bold]total", *[f"[bold]{n}" for n in totals])
        discovery = [discovery_line(stats.get_stats()) for stats in self.stats.values()]
        table.caption = " · ".join(line for line in discovery if line) or None
        return table

    def add(self, name: str, stats) -> None:
        self.stats[name] = stats
        self.open += 1
        if self.live is None:
            self.live = Live(self.render(), console=Console(stderr=True), refresh_per_second=4, transient=False)
            self.live.start()
            self.loop = task.LoopingCall(self.refresh)
            self.loop.start(0.5, now=False)

    def refresh(self) -> None:
        if self.live:
            self.live.update(self.render())

    def remove(self) -> None:
        self.open -= 1
        if self.open <= 0 and self.live:
            self.refresh()
            self.live.stop()
            if self.loop and self.loop.running:
                self.loop.stop()
            self.live = None


BOARD = ProgressBoard()


class LiveProgress:
    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSWATCH_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    def spider_opened(self, spider) -> None:
        BOARD.add(spider.name, self.crawler.stats)

    def spider_closed(self, spider) -> None:
        BOARD.remove()
