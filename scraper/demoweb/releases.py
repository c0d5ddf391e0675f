"""A press-release wire nobody listed: any ``/release/<n>`` is a generated page.

GDELT lists hundreds of these on the demo's burst day (more than one artlist answer
holds, so a discovery client must split its window). They are about a theatre company
that happens to be called "The Justice Project": not coverage of the documentary, so a
crawl that fetches them must never store one as relevant. Served only through the demo
web's proxy, at ``http://releases.stagewire.example/``.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from scraper.demoweb.site import HTML, Response

SLUG = "stagewire-releases"
NAME = "StageWire Releases"
HOST = "releases.stagewire.example"
KIND = "entertainment"
BURST_DAY = datetime(2020, 4, 6, tzinfo=UTC)
BURST_SIZE = 300  # over GDELT's 250 per answer in one day; each half of the day holds fewer
_RELEASE = re.compile(r"^/release/(\d{1,6})/?$")

CITIES = ("Portland", "Tucson", "Madison", "Spokane", "Albany", "Savannah", "Duluth", "Boise", "Eugene", "Reno")
PLAYS = ("The Long Table", "Verdict at Dawn", "Twelve Chairs", "A Room Without Windows", "Counsel",
         "The Witness Stand", "Night Court Blues", "Small Claims")


def release_moment(number: int) -> datetime:
    """When release `number` went out: BURST_SIZE releases spread evenly over BURST_DAY (UTC)."""
    return BURST_DAY + timedelta(seconds=(number % BURST_SIZE) * 86400 // BURST_SIZE)


def release_title(number: int) -> str:
    city, play = CITIES[number % len(CITIES)], PLAYS[number % len(PLAYS)]
    return f"The Justice Project theatre company brings \u201c{play}\u201d to {city} (release {number})"


def release_text(number: int) -> str:
    """The words of a release (also what GDELT indexes: the query for the documentary's short
    title and its network finds them, since 'oxygen' appears in lower case)."""
    city = CITIES[number % len(CITIES)]
    play = PLAYS[number % len(PLAYS)]
    return "\n\n".join([
        f"The Justice Project, a touring theatre company founded in 2009, announced today that its "
        f"production of \u201c{play}\u201d will open in {city} next month.",
        "The company stages courtroom dramas in community halls and school gyms, with local volunteers "
        "reading the parts of the jurors. Each performance is followed by a conversation with the audience.",
        f"\u201cLive theatre is the oxygen of a small town,\u201d the company's artistic director said. "
        f"\u201cWe want people in {city} to argue about the verdict on the way home.\u201d",
        "Tickets go on sale on Friday. Group rates are available for schools and libraries.",
    ])


class ReleaseSite:
    """The wire's router: home, robots.txt and ``/release/<n>``; everything else is a 404."""

    def __init__(self, host: str = HOST) -> None:
        self.host = host
        self.base_url = f"http://{host}"
        self.slug = SLUG
        self.name = NAME

    def url(self, number: int) -> str:
        return f"{self.base_url}/release/{number}"

    def handle(self, raw_path: str) -> Response:
        path = raw_path.split("?", 1)[0].split("#", 1)[0] or "/"
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n")
        if path == "/":
            links = "".join(f'<li><a href="/release/{n}">{html.escape(release_title(n))}</a></li>' for n in range(10))
            return Response(200, HTML, _page(NAME, f"<h1>{NAME}</h1><ul>{links}</ul>", "").encode())
        match = _RELEASE.match(path)
        if match:
            number = int(match.group(1))
            moment = release_moment(number)
            return Response(200, HTML, self._release(number, moment).encode(), last_modified=moment, cache=True)
        return Response(404, HTML, _page("Not found", "<h1>Not found</h1><p>No such release.</p>", "").encode())

    def _release(self, number: int, moment: datetime) -> str:
        title = release_title(number)
        body = "".join(f"<p>{html.escape(p)}</p>" for p in release_text(number).split("\n\n"))
        iso = moment.isoformat(timespec="seconds")
        head = (f'<meta property="og:type" content="article">\n'
                f'<meta property="og:site_name" content="{NAME}">\n'
                f'<meta property="og:title" content="{html.escape(title)}">\n'
                f'<meta property="article:published_time" content="{iso}">\n'
                f'<link rel="canonical" href="{self.url(number)}">')
        main = (f'<article><h1>{html.escape(title)}</h1><p class="dateline"><time datetime="{iso}">'
                f"{moment:%B} {moment.day}, {moment:%Y}</time> \u2014 press release</p>{body}</article>")
        return _page(title, main, head)


def _page(title: str, main: str, head: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f'{head}\n</head>\n<body>\n<header><a href="/">{NAME}</a></header>\n<main>\n{main}\n</main>\n'
            f"<footer><p>Distributed by {NAME} on behalf of its clients.</p></footer>\n</body>\n</html>\n")
