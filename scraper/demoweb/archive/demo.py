"""The demo's archive dataset: what GDELT, the Wayback Machine and Common Crawl hold about
the demo news web, built from its content and the base URLs of one run (ports change).

- GDELT: every article of the outlets nobody listed (coverage and homonym traps alike,
  the block-listed outlet's too), every removed article at its original URL, a few live
  articles of the listed outlets, and a burst of `releases.BURST_SIZE` press releases on
  one day (more than one artlist answer holds). `text` is what GDELT's search runs on:
  title and body, plus the English rendering of a non-English article.
- Wayback: each listed outlet's live articles under its archive prefix (the one
  sources.toml names), every removed article as it was (twice), a few unlisted articles,
  a tracked-link copy of one URL; a soft 404 and a redirect notice captured later than a
  good capture of two removed articles.
- Common Crawl: two crawls holding the removed and unlisted articles published shortly
  before them (the same pages Wayback has), one record cut short.
- Faults, each once: GDELT answers 429 (Retry-After: 1), then an HTML error page, then an
  empty body; the first CDX page with rows carries one row with missing fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scraper.demoweb.archive.base import Faults
from scraper.demoweb.archive.dataset import HTML, ArchiveDataset, Capture, CrawlSpec, GdeltEntry, notice_capture
from scraper.demoweb.archive.dataset import soft_404 as soft_404_capture
from scraper.demoweb.content import Article, DemoContent, DemoOutlet
from scraper.demoweb.dates import http_date
from scraper.demoweb.releases import BURST_SIZE, release_moment, release_text, release_title
from scraper.demoweb.releases import HOST as RELEASE_HOST
from scraper.demoweb.site import Site

PAGE_SIZE = 5  # CDX rows and CC index lines per answer: enumerating a prefix takes several resume keys
GDELT_DELAY = timedelta(hours=2)  # GDELT sees an article a little after it is published
CAPTURE_DELAY = timedelta(days=1)  # and the Wayback Machine a little after that
SECOND_CAPTURE = timedelta(days=30)
TRAP_DELAY = timedelta(days=180)
LAST_CAPTURE = datetime(2021, 12, 30, 12, 0, tzinfo=UTC)  # every capture is older than this
CC_LOOKBACK = timedelta(days=45)  # a crawl holds pages published up to this long before it started
TRACKED = "?utm_source=twitter&utm_medium=social"
LIVE_IN_GDELT = 3  # listed outlets whose newest relevant live article GDELT also lists

LANGUAGES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German"}
COUNTRIES = {"Europe/Paris": "France", "Europe/Berlin": "Germany", "Europe/London": "United Kingdom",
             "Europe/Madrid": "Spain"}


@dataclass(frozen=True)
class CrawlWindow:
    id: str
    start: datetime
    end: datetime
    name: str


CRAWLS = (
    CrawlWindow("CC-MAIN-2020-16", datetime(2020, 3, 28, tzinfo=UTC), datetime(2020, 4, 10, tzinfo=UTC),
                "March/April 2020 Index"),
    CrawlWindow("CC-MAIN-2020-24", datetime(2020, 5, 24, tzinfo=UTC), datetime(2020, 6, 7, tzinfo=UTC),
                "May/June 2020 Index"),
)


def demo_faults() -> dict[str, Faults]:
    """The services' faults, each once: GDELT 429 / HTML error page / empty body; a CDX row with missing fields."""
    return {"gdelt": Faults(rate_limit=1, retry_after=1, html_error=1, empty_body=1),
            "cdx": Faults(broken_pages=1)}


def archive_prefix(outlet: DemoOutlet, articles: Iterable[Article]) -> str:
    """The path prefix where the outlet's archived articles live: the commonest first path
    segment of its articles (robots-disallowed ones aside), e.g. "/news/" or "/2020/"."""
    counts = Counter("/" + a.path.strip("/").split("/")[0] + "/" for a in articles
                     if not outlet.is_disallowed(a.path) and a.path.strip("/").count("/") >= 1)
    if not counts:
        return "/"
    best = max(counts.values())
    return min(prefix for prefix, n in counts.items() if n == best)


def outlet_prefix(content: DemoContent, outlet: DemoOutlet) -> str:
    return archive_prefix(outlet, [*content.articles.get(outlet.slug, []), *content.removed.get(outlet.slug, [])])


def demo_dataset(content: DemoContent, bases: Mapping[str, str]) -> ArchiveDataset:
    """The dataset for one run; `bases` maps every outlet slug (listed and unlisted) to its base URL."""
    return _Builder(content, bases).build()


class _Builder:
    def __init__(self, content: DemoContent, bases: Mapping[str, str]) -> None:
        self.content = content
        self.bases = dict(bases)
        # every article as it was before any was deleted: removed ones are still pages here
        self.as_was = {o.slug: Site(o, [*content.articles.get(o.slug, []), *content.removed.get(o.slug, [])],
                                    self.bases[o.slug]) for o in (*content.outlets, *content.unlisted)}

    # ---- pages ----------------------------------------------------------------------------

    def url(self, article: Article) -> str:
        return self.as_was[article.outlet].abs_url(article.path)

    def capture(self, article: Article, moment: datetime, url: str | None = None) -> Capture:
        response = self.as_was[article.outlet].handle(article.path)
        if response.status != 200:  # pragma: no cover - every article renders
            raise ValueError(f"{article.source}: rendered with status {response.status}")
        headers = (("Content-Type", HTML), ("Last-Modified", http_date(article.updated_at)))
        return Capture(url or self.url(article), _ts(moment), 200, headers, response.body)

    # ---- the three services ----------------------------------------------------------------

    def build(self) -> ArchiveDataset:
        return ArchiveDataset(gdelt=self.gdelt(), wayback=self.wayback(), crawls=self.crawls())

    def unlisted_articles(self, blocked: bool = True) -> list[Article]:
        return [a for o in self.content.unlisted if blocked or not o.blocked for a in self.content.articles[o.slug]]

    def removed_articles(self) -> list[Article]:
        return [a for o in self.content.outlets for a in sorted(self.content.removed.get(o.slug, []),
                                                               key=lambda a: a.path)]

    def gdelt(self) -> list[GdeltEntry]:
        live = []
        for outlet in self.content.outlets[:LIVE_IN_GDELT]:
            pick = next((a for a in self.content.articles.get(outlet.slug, [])
                         if a.relevant and not outlet.is_disallowed(a.path)), None)
            if pick is not None:
                live.append(pick)
        entries = [self.gdelt_entry(a) for a in (*self.unlisted_articles(), *self.removed_articles(), *live)]
        for number in range(BURST_SIZE):
            entries.append(GdeltEntry(f"http://{RELEASE_HOST}/release/{number}", release_title(number),
                                      release_moment(number), release_text(number), language="English",
                                      source_country="United States"))
        return entries

    def gdelt_entry(self, article: Article) -> GdeltEntry:
        outlet = self.content.outlet(article.outlet)
        text = "\n".join(t for t in (article.text, article.translation) if t)
        return GdeltEntry(self.url(article), article.title, _seen(article.published_at + GDELT_DELAY), text,
                          language=LANGUAGES.get(article.language, article.language),
                          source_country=COUNTRIES.get(outlet.timezone, "United States"))

    def wayback(self) -> list[Capture]:
        captures: list[Capture] = []
        for outlet in self.content.outlets:
            prefix = outlet_prefix(self.content, outlet)
            live = [a for a in self.content.articles.get(outlet.slug, [])
                    if a.path.startswith(prefix) and not outlet.is_disallowed(a.path)]
            captures += [self.capture(a, _captured(a)) for a in live]
            if outlet is self.content.outlets[0] and live:
                first = min(live, key=lambda a: a.path)
                captures.append(self.capture(first, _captured(first) + timedelta(days=2), self.url(first) + TRACKED))
        removed = self.removed_articles()
        for article in removed:
            captures.append(self.capture(article, _captured(article)))
            captures.append(self.capture(article, min(_captured(article) + SECOND_CAPTURE, LAST_CAPTURE)))
        soft = next((a for a in removed if a.removed == "404" and a.relevant), None)
        if soft is not None:
            captures.append(soft_404_capture(self.url(soft), _ts(_trap_time(soft))))
        notice = next((a for a in removed if a.removed == "home" and a.relevant), None)
        if notice is not None:
            home = self.as_was[notice.outlet].abs_url("/")
            captures.append(notice_capture(self.url(notice), _ts(_trap_time(notice)), home))
        for outlet in self.content.unlisted:
            if outlet.blocked:
                continue
            pick = min((a for a in self.content.articles.get(outlet.slug, []) if a.relevant),
                       key=lambda a: a.path, default=None)
            if pick is not None:
                captures.append(self.capture(pick, _captured(pick)))
        return captures

    def crawls(self) -> list[CrawlSpec]:
        held: dict[str, list[Capture]] = {c.id: [] for c in CRAWLS}
        candidates = sorted((*self.removed_articles(), *self.unlisted_articles(blocked=False)),
                            key=lambda a: (a.published_at, a.path))
        for article in candidates:
            for crawl in CRAWLS:
                if article.published_at < crawl.start - CC_LOOKBACK:
                    continue
                moment = max(article.published_at + timedelta(hours=6),
                             crawl.start + timedelta(minutes=7 * len(held[crawl.id])))
                if moment < crawl.end:
                    held[crawl.id].append(self.capture(article, moment))
                    break
        return [CrawlSpec(c.id, c.start, c.end, tuple(held[c.id]), c.name) for c in CRAWLS]

    def truncated(self) -> frozenset[str]:
        """The one Common Crawl record written cut short: the newest removed article the last
        crawl holding one has (Wayback holds it too)."""
        removed = {self.url(a) for a in self.removed_articles()}
        for spec in reversed(self.crawls()):
            mine = [c for c in spec.captures if c.url in removed]
            if mine:
                return frozenset({max(mine, key=lambda c: (c.timestamp, c.url)).url})
        return frozenset()


def demo_archive_parts(content: DemoContent, bases: Mapping[str, str]) -> tuple[ArchiveDataset, dict[str, Faults]]:
    """The dataset and the faults an ArchiveWeb for this run is started with."""
    builder = _Builder(content, bases)
    faults = demo_faults()
    faults["cc-data"] = Faults(truncated=builder.truncated())
    return builder.build(), faults


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _seen(moment: datetime) -> datetime:
    """GDELT's seendate moves in 15-minute steps: the next step at or after `moment` (UTC)."""
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=(-moment.minute) % 15)


def _captured(article: Article) -> datetime:
    return min(article.published_at.astimezone(UTC) + CAPTURE_DELAY, LAST_CAPTURE - timedelta(days=1))


def _trap_time(article: Article) -> datetime:
    return min(_captured(article) + TRAP_DELAY, LAST_CAPTURE)
