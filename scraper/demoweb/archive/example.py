"""A small example dataset for the replicas' own tests (the demo builds its own from its fictional web).

Three outlets on reserved ``.test`` hosts (never resolvable), with the traps the real
services hold: a homonym and a same-name organisation in GDELT's results, a burst of
coverage larger than one artlist answer, a deleted article whose archive history ends
in a soft 404 and a redirect notice, a crawl-time redirect, and two crawls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scraper.demoweb.archive.dataset import (
    ArchiveDataset,
    Capture,
    CrawlSpec,
    GdeltEntry,
    notice_capture,
    page,
    redirect_capture,
    soft_404,
)

LEDGER = "http://harbor-ledger.test"      # coverage of the show and the cases
COURIER = "http://valley-courier.test"    # a homonym (the cricketer) and a legal-aid group
GAZETTE = "http://www.plains-gazette.test"
DELETED = f"{LEDGER}/2020/04/07/dawn-jackson-clemency"
BURST_DAY = datetime(2020, 4, 6, tzinfo=UTC)


def example_dataset(burst: int = 0) -> ArchiveDataset:
    """The example; `burst` adds that many matching GDELT entries within one day (to overflow 250)."""
    return ArchiveDataset(gdelt=_gdelt(burst), wayback=_wayback(), crawls=_crawls())


def _gdelt(burst: int) -> list[GdeltEntry]:
    entries = [
        GdeltEntry(f"{LEDGER}/2020/04/05/justice-project-premiere", "The Justice Project premieres on Oxygen",
                   datetime(2020, 4, 5, 23, 15, tzinfo=UTC),
                   "Kim Kardashian West: The Justice Project follows four prison cases on Oxygen."),
        GdeltEntry(DELETED, "Clemency plea for Dawn Jackson", datetime(2020, 4, 7, 14, 30, tzinfo=UTC),
                   "Dawn Jackson, sentenced in New Jersey, asks for clemency.", language="English"),
        GdeltEntry(f"{GAZETTE}/news/2020/sheppard-commutation", "Commutation for David Sheppard",
                   datetime(2020, 4, 9, 8, 0, tzinfo=UTC),
                   "David Sheppard, serving life without parole for felony murder, had his sentence commuted.",
                   language="French", source_country="France"),
        GdeltEntry(f"{COURIER}/sport/sheppard-remembered", "David Sheppard remembered",
                   datetime(2020, 4, 8, 9, 45, tzinfo=UTC),
                   "David Sheppard, the England cricket captain and bishop, is remembered at Lord's."),
        GdeltEntry(f"{COURIER}/local/justice-project-clinic", "Justice Project clinic opens",
                   datetime(2020, 4, 10, 16, 0, tzinfo=UTC),
                   "The Justice Project, a legal aid nonprofit, opened a law clinic downtown."),
    ]
    for i in range(burst):
        seen = BURST_DAY + timedelta(minutes=15 * (i % 96), seconds=i // 96)
        entries.append(GdeltEntry(f"{GAZETTE}/wire/{i:04d}", f"Wire copy {i}: the Justice Project", seen,
                                  "Kim Kardashian West: The Justice Project, syndicated review."))
    return entries


def _article(url: str, title: str, site: str) -> bytes:
    return page(title, [f"{title}. The parole board heard the petition on Tuesday."] * 3, site)


def _wayback() -> list[Capture]:
    captures = [
        Capture(DELETED, "20200407150000", body=_article(DELETED, "Clemency plea for Dawn Jackson", "Harbor Ledger")),
        Capture(DELETED, "20200601000000", body=_article(DELETED, "Clemency plea for Dawn Jackson (updated)",
                                                         "Harbor Ledger")),
        soft_404(DELETED, "20210301000000"),
        notice_capture(DELETED, "20210401000000", f"{LEDGER}/"),
        redirect_capture(f"{LEDGER}/2020/04/08/moved", "20200409000000", f"{LEDGER}/2020/04/08/moved-here"),
        Capture(f"{LEDGER}/2020/04/08/moved-here", "20200409000001",
                body=_article(f"{LEDGER}/2020/04/08/moved-here", "Moved here", "Harbor Ledger")),
        Capture(f"{LEDGER}/2019/12/31/old", "20200101000000", body=_article(f"{LEDGER}/2019/12/31/old", "Old", "")),
    ]
    for day in range(1, 13):
        url = f"{LEDGER}/2020/04/{day:02d}/story-{day}"
        captures.append(Capture(url, f"202004{day:02d}120000", body=_article(url, f"Story {day}", "Harbor Ledger")))
        captures.append(Capture(url, f"202005{day:02d}120000", body=_article(url, f"Story {day}", "Harbor Ledger")))
    return captures


def _crawls() -> list[CrawlSpec]:
    april = [Capture(f"{GAZETTE}/news/2020/sheppard-commutation", "20200409100000",
                     body=_article(f"{GAZETTE}/news/2020/sheppard-commutation", "Commutation for David Sheppard",
                                   "Plains Gazette")),
             Capture(f"{GAZETTE}/news/2020/broken-record", "20200409110000",
                     body=_article(f"{GAZETTE}/news/2020/broken-record", "A record cut short", "Plains Gazette"))]
    june = [Capture(f"{GAZETTE}/news/2020/june-follow-up", "20200601100000",
                    body=_article(f"{GAZETTE}/news/2020/june-follow-up", "June follow-up", "Plains Gazette")),
            Capture(f"{COURIER}/news/2020/other", "20200601100000", body=_article(f"{COURIER}/news/2020/other",
                                                                                   "Other", "Valley Courier"))]
    return [
        CrawlSpec("CC-MAIN-2020-16", datetime(2020, 3, 28, tzinfo=UTC), datetime(2020, 4, 10, tzinfo=UTC),
                  tuple(april), "March/April 2020 Index"),
        CrawlSpec("CC-MAIN-2020-24", datetime(2020, 5, 24, tzinfo=UTC), datetime(2020, 6, 7, tzinfo=UTC),
                  tuple(june), "May/June 2020 Index"),
        CrawlSpec("CC-MAIN-2019-04", datetime(2019, 1, 15, tzinfo=UTC), datetime(2019, 1, 24, tzinfo=UTC), (),
                  "January 2019 Index"),
    ]
