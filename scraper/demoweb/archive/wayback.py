"""A Wayback-like archive: the CDX server (JSON, resume keys) and replay, on one port.

CDX (``/cdx/search/cdx``): ``url`` with ``matchType`` exact|prefix|host|domain (or a
trailing ``/*`` / leading ``*.``), ``from``/``to``, ``filter=[!]field:regex``,
``collapse=field[:N]``, ``fl``, ``limit`` and ``showResumeKey``/``resumeKey``; at most
`page_size` rows per answer. With ``output=json`` the first row names the fields and a
page with more to come ends with ``[]`` and ``[resumeKey]``.

Replay (``/web/{timestamp}{id_}/{url}``): the capture nearest the timestamp (a redirect
to its exact timestamp first, as the real archive does). ``id_`` serves the capture raw:
its status, its Content-Type, its other headers as ``X-Archive-Orig-*``; without it the
page gets a banner. A capture of a redirect is replayed as a redirect (``id_``) or as the
archive's notice page; a capture marked `notice_to` is the notice page in both forms.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from email.utils import format_datetime
from urllib.parse import parse_qs, quote_plus, unquote_plus, urljoin, urlsplit

from scraper.demoweb.archive.base import Faults, ReplicaServer, Reply
from scraper.demoweb.archive.dataset import HTML, Capture, scope, surt_key, url_matches

CDX_PATH = "/cdx/search/cdx"
ALL_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_REPLAY = re.compile(r"^/web/(?P<ts>\d{1,14})(?P<mod>[a-z]{2}_)?/(?P<url>.+)$")
BANNER = (b"<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id='wm-banner'>Archived page. "
          b"<a href='/web/'>Archive home</a></div><!-- END WAYBACK TOOLBAR INSERT -->")


class WaybackReplica(ReplicaServer):
    """``cdx_endpoint`` and ``replay_base`` over `captures`; `cdx_faults` and `replay_faults` apply separately."""

    name = "wayback"

    def __init__(self, captures: Iterable[Capture], page_size: int = 50, cdx_faults: Faults | None = None,
                 replay_faults: Faults | None = None, host: str = "127.0.0.1", max_seconds: float = 600) -> None:
        self.captures = sorted(captures, key=lambda c: (c.urlkey, c.timestamp))
        self.page_size = page_size
        self.cdx_faults = cdx_faults if cdx_faults is not None else Faults()
        self.replay_faults = replay_faults if replay_faults is not None else Faults()
        super().__init__(None, host, max_seconds)

    @property
    def cdx_endpoint(self) -> str:
        return self.base_url + CDX_PATH

    @property
    def replay_base(self) -> str:
        return self.base_url

    def fault_for(self, path: str) -> Reply | None:
        if path.startswith(CDX_PATH):
            return self.cdx_faults.take()
        if path.startswith("/web/"):
            return self.replay_faults.take()
        return None

    def route(self, path: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(path)
        if parts.path == CDX_PATH:
            return self._cdx(parse_qs(parts.query, keep_blank_values=True))
        match = _REPLAY.match(path)
        if match:
            return self._replay(match.group("ts"), match.group("mod") or "", match.group("url"))
        return Reply(404, b"Not Found\n")

    # ---- CDX ------------------------------------------------------------------------------

    def _cdx(self, params: dict[str, list[str]]) -> Reply:
        def one(name: str, default: str = "") -> str:
            return params.get(name, [default])[-1]

        target = one("url")
        if not target:
            return Reply(400, b"url parameter is required\n")
        target, match_type = scope(target, one("matchType"))
        rows = [c for c in self.captures if url_matches(c.url, target, match_type)]
        low, high = one("from").ljust(14, "0"), one("to").ljust(14, "9") if one("to") else "9" * 14
        rows = [c for c in rows if low <= c.timestamp <= high]
        for spec in params.get("filter", []):
            rows = _filter(rows, spec)
        for spec in params.get("collapse", []):
            rows = _collapse(rows, spec)
        key = one("resumeKey")
        if key:
            after = tuple(unquote_plus(key).rstrip("!").rsplit(" ", 1))
            rows = [c for c in rows if (c.urlkey, c.timestamp) > after]
        limit = self.page_size
        if one("limit").lstrip("-").isdigit():
            limit = min(limit, abs(int(one("limit")))) or limit
        page, more = rows[:limit], len(rows) > limit
        fields = [f for f in one("fl", ",".join(ALL_FIELDS)).split(",") if f in ALL_FIELDS] or list(ALL_FIELDS)
        table = [[_field(c, f) for f in fields] for c in page]
        if table and self.cdx_faults.take_broken_row():
            table.insert(1, table[0][:1])  # a row with missing fields
        resume = quote_plus(f"{page[-1].urlkey} {page[-1].timestamp}!") if more and page else None
        if one("output") == "json":
            if not table:
                return Reply(200, b"[]", "application/json")
            data = [fields, *table] + ([[], [resume]] if resume and one("showResumeKey") == "true" else [])
            return Reply(200, json.dumps(data).encode(), "application/json")
        lines = [" ".join(row) for row in table]
        if resume and one("showResumeKey") == "true":
            lines += ["", resume]
        return Reply(200, ("\n".join(lines) + "\n").encode() if lines else b"", "text/plain")

    # ---- replay ---------------------------------------------------------------------------

    def _replay(self, ts: str, mod: str, url: str) -> Reply:
        url = re.sub(r"^(https?):/+", r"\1://", url)
        key = surt_key(url)
        mine = [c for c in self.captures if c.urlkey == key]
        if not mine:
            return Reply(404, _not_archived(url), HTML)
        wanted = int(ts.ljust(14, "0"))
        capture = min(mine, key=lambda c: (abs(int(c.timestamp) - wanted), c.timestamp))
        if capture.timestamp != ts:
            return Reply(302, b"", HTML, {"Location": f"/web/{capture.timestamp}{mod}/{capture.url}"})
        memento = {"Memento-Datetime": format_datetime(capture.moment, usegmt=True),
                   "Link": f'<{capture.url}>; rel="original"'}
        location = capture.header("location")
        if capture.notice_to or (300 <= capture.status < 400 and location):
            target = urljoin(capture.url, capture.notice_to or location or "/")
            if mod == "id_" and not capture.notice_to:
                moved = f"/web/{capture.timestamp}id_/{target}"
                return Reply(capture.status, b"", HTML, {**memento, "Location": moved})
            return Reply(200, _notice(capture, target), HTML, memento)
        headers = {**memento}
        for name, value in capture.headers:
            if name.lower() not in ("content-type", "content-length", "transfer-encoding", "connection"):
                headers[f"X-Archive-Orig-{name}"] = value
        content_type = capture.header("content-type") or "application/octet-stream"
        body = capture.body if mod == "id_" else _with_banner(capture.body)
        return Reply(capture.status, body, content_type, headers)


def _field(capture: Capture, name: str) -> str:
    return {
        "urlkey": capture.urlkey, "timestamp": capture.timestamp, "original": capture.url,
        "mimetype": capture.mime, "statuscode": str(capture.status), "digest": capture.digest,
        "length": str(len(capture.body) + 200),
    }[name]


def _filter(rows: list[Capture], spec: str) -> list[Capture]:
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    if name not in ALL_FIELDS:
        return rows
    regex = re.compile(pattern)
    return [c for c in rows if bool(regex.fullmatch(_field(c, name))) != negate]


def _collapse(rows: list[Capture], spec: str) -> list[Capture]:
    name, _, width = spec.partition(":")
    if name not in ALL_FIELDS:
        return rows
    size = int(width) if width.isdigit() else None
    kept: list[Capture] = []
    previous = None
    for capture in rows:
        value = _field(capture, name)[:size]
        if value != previous:
            kept.append(capture)
        previous = value
    return kept


def _notice(capture: Capture, target: str) -> bytes:
    """The archive's "this URL redirected at crawl time" page (OpenWayback's layout)."""
    replay = html.escape(f"/web/{capture.timestamp}/{target}", quote=True)
    return f"""<!DOCTYPE html><html><head><title>Wayback Machine</title>
<script type="text/javascript">function go() {{ document.location.href = "{replay}"; }}
window.setTimeout("go()", 5000);</script></head><body><div id="error">
<p class="code">Loading...</p>
<p class="code shift target">{html.escape(capture.url)} | {capture.timestamp}</p>
<p class="code shift red">Got an HTTP {capture.status if capture.status >= 300 else 302} response at crawl time</p>
<p class="code">Redirecting to...</p><p class="code shift target">{html.escape(target)}</p>
<p class="impatient"><a href="{replay}">Impatient?</a></p></div></body></html>""".encode()


def _not_archived(url: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body><h2>Hrm.</h2>"
            f"<p>The archive has not archived that URL.</p><p>{html.escape(url)}</p></body></html>").encode()


def _with_banner(body: bytes) -> bytes:
    match = re.search(rb"<body[^>]*>", body, re.I)
    return body[: match.end()] + BANNER + body[match.end():] if match else BANNER + body
