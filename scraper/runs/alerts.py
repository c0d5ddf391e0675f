"""Announce new relevant coverage after each crawl: an Atom feed, a webhook, e-mail.

Alerts are queued in SQLite (scraper.store.alerts) before anything is sent, and each
channel marks what it delivered; so a webhook or mail server that is down never fails
the crawl, and what it missed goes out on the next run. Settings live in an optional
`alerts.toml` (see `load_alert_config`); without one only the Atom feed is written.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import smtplib
import ssl
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from scraper.config import read_toml
from scraper.errors import ConfigError
from scraper.store.alerts import AlertQueue

log = logging.getLogger("newswatch.alerts")

ATOM_NS = "http://www.w3.org/2005/Atom"
USER_AGENT = "newswatch/0.1 (news-coverage monitor alerts)"
WEBHOOK_KEYS = ("url", "title", "outlet", "published", "matched")
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the 2nd try; doubled before each further one
DEFAULT_ATOM_PATH = Path("data/alerts.atom")
DEFAULT_FEED_TITLE = "newswatch: new relevant coverage"
DEFAULT_FEED_ID = "urn:newswatch:alerts"

# ---- configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    timeout: float = 10.0


@dataclass(frozen=True)
class EmailConfig:
    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class AlertConfig:
    """Defaults (no alerts.toml): the Atom feed in data/alerts.atom, no webhook, no e-mail."""

    atom_path: Path | None = DEFAULT_ATOM_PATH
    feed_title: str = DEFAULT_FEED_TITLE
    feed_id: str = DEFAULT_FEED_ID
    atom_entries: int = 200
    webhook: WebhookConfig | None = None
    email: EmailConfig | None = None


class _Checker:
    """Typed reads from the parsed TOML; mistakes name the file and the key's line."""

    def __init__(self, path: Path, prefix: str) -> None:
        self.path = path
        self.prefix = prefix
        self.lines = path.read_text(encoding="utf-8").splitlines()

    def line_of(self, table: str, key: str | None) -> int | None:
        header = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
        assign = re.compile(r"^\s*[\"']?" + re.escape(key or "") + r"[\"']?\s*=") if key else None
        want, current, header_line = self.prefix + table, self.prefix.rstrip("."), None
        for number, line in enumerate(self.lines, start=1):
            if found := header.match(line):
                current = found.group(1).replace(" ", "")
                header_line = number if current == want.rstrip(".") else header_line
            elif assign and current == want.rstrip(".") and assign.match(line):
                return number
        return header_line

    def fail(self, table: str, key: str | None, message: str) -> ConfigError:
        line = self.line_of(table, key)
        where = f"[{self.prefix}{table}]" if table else (f"[{self.prefix.rstrip('.')}]" if self.prefix else "")
        label = " ".join(p for p in (where, key or "") if p)
        return ConfigError(f"{self.path}: " + (f"line {line}: " if line else "") + f"{label}: {message}")

    def keys(self, raw: dict, table: str, known: set[str]) -> None:
        for key in raw:
            if key not in known:
                hint = " (put the password in an environment variable named by password_env)" \
                    if key == "password" else f" (known: {', '.join(sorted(known))})"
                raise self.fail(table, key, f"unknown key{hint}")

    def get(self, raw: dict, table: str, key: str, kind: type | tuple[type, ...], default: Any = None,
            required: bool = False) -> Any:
        if key not in raw:
            if required:
                raise self.fail(table, None, f"missing required key {key!r}")
            return default
        value = raw[key]
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(table, key, f"expected {names}, got {value!r}")
        if isinstance(value, str) and required and not value.strip():
            raise self.fail(table, key, "must not be empty")
        return value


def alert_config_for(alerts_file: Path | None, db: Path) -> AlertConfig:
    """The after-run announcement: `alerts_file` when given, else ./alerts.toml when
    present, else only an Atom feed next to the database."""
    path = alerts_file or (Path("alerts.toml") if Path("alerts.toml").exists() else None)
    if path:
        return load_alert_config(path)
    return AlertConfig(atom_path=db.with_name(f"{db.stem}-alerts.atom"))


def load_alert_config(path: str | Path) -> AlertConfig:
    """Read alerts.toml (top-level keys, or everything inside an [alerts] table)."""
    path = Path(path)
    data = read_toml(path)
    prefix = ""
    if set(data) == {"alerts"} and isinstance(data["alerts"], dict):
        data, prefix = data["alerts"], "alerts."
    check = _Checker(path, prefix)
    check.keys(data, "", {"atom_path", "feed_title", "feed_id", "atom_entries", "webhook", "email"})
    atom = check.get(data, "", "atom_path", str, str(DEFAULT_ATOM_PATH))
    entries = check.get(data, "", "atom_entries", int, 200)
    if entries < 1:
        raise check.fail("", "atom_entries", f"must be at least 1, got {entries}")
    feed_id = check.get(data, "", "feed_id", str, DEFAULT_FEED_ID)
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", feed_id):
        raise check.fail("", "feed_id", f"must be an IRI such as urn:newswatch:alerts, got {feed_id!r}")
    return AlertConfig(
        atom_path=Path(atom) if atom.strip() else None,
        feed_title=check.get(data, "", "feed_title", str, DEFAULT_FEED_TITLE),
        feed_id=feed_id,
        atom_entries=entries,
        webhook=_webhook(check, check.get(data, "", "webhook", dict)),
        email=_email(check, check.get(data, "", "email", dict)),
    )


def _timeout(check: _Checker, raw: dict, table: str) -> float:
    value = float(check.get(raw, table, "timeout", (int, float), 10.0))
    if not 0 < value <= 300:
        raise check.fail(table, "timeout", f"must be between 0 and 300 seconds, got {value}")
    return value


def _webhook(check: _Checker, raw: dict | None) -> WebhookConfig | None:
    if raw is None:
        return None
    check.keys(raw, "webhook", {"url", "timeout"})
    url = check.get(raw, "webhook", "url", str, required=True)
    if not re.match(r"^https?://[^/\s]+", url):
        raise check.fail("webhook", "url", f"expected an http(s) URL, got {url!r}")
    return WebhookConfig(url=url, timeout=_timeout(check, raw, "webhook"))


def _email(check: _Checker, raw: dict | None) -> EmailConfig | None:
    if raw is None:
        return None
    table = "email"
    check.keys(raw, table, {"host", "port", "from", "to", "starttls", "ssl", "username", "password_env",
                            "timeout"})
    use_ssl = check.get(raw, table, "ssl", bool, False)
    starttls = check.get(raw, table, "starttls", bool, not use_ssl)
    if use_ssl and starttls:
        raise check.fail(table, "starttls", "choose ssl (port 465) or starttls (port 587), not both")
    port = check.get(raw, table, "port", int, 465 if use_ssl else 587 if starttls else 25)
    if not 0 < port < 65536:
        raise check.fail(table, "port", f"expected a TCP port, got {port}")
    to = check.get(raw, table, "to", (str, list), required=True)
    to = [to] if isinstance(to, str) else to
    if not to or not all(isinstance(a, str) and "@" in a for a in to):
        raise check.fail(table, "to", f"expected an e-mail address or a list of them, got {raw['to']!r}")
    sender = check.get(raw, table, "from", str, required=True)
    if "@" not in sender:
        raise check.fail(table, "from", f"expected an e-mail address, got {sender!r}")
    username = check.get(raw, table, "username", str)
    password_env = check.get(raw, table, "password_env", str)
    if username and not password_env:
        raise check.fail(table, "password_env", "username is set: name the environment variable "
                                                "holding the password with password_env")
    return EmailConfig(host=check.get(raw, table, "host", str, required=True), port=port, sender=sender,
                       to=tuple(to), starttls=starttls, ssl=use_ssl, username=username,
                       password_env=password_env, timeout=_timeout(check, raw, table))


# ---- Atom ----------------------------------------------------------------------------


def _instant(value: datetime | str | None) -> datetime | None:
    """A timezone-aware datetime, else None (a bare date is not an Atom date)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def _rfc3339(value: datetime | str | None) -> str | None:
    instant = _instant(value)
    return instant.isoformat(timespec="seconds") if instant else None


def alert_entries(alerts: Iterable[dict]) -> list[dict]:
    """Queue rows -> entries for write_atom_feed."""
    entries = []
    for alert in alerts:
        p = alert["payload"]
        covers = ", ".join(p.get("matched") or [])
        when = " on " + str(p["published"])[:10] if p.get("published") else ""
        summary = f"{p.get('outlet') or 'Unknown outlet'}{when}" + (f", covers {covers}" if covers else "") + "."
        entries.append({
            "id": f"urn:newswatch:article:{alert['article_id']}",
            "title": p.get("title") or p.get("url") or "(untitled)",
            "link": p.get("url"),
            "updated": alert["created"],
            "published": p.get("published"),
            "summary": summary + (f"\n\n{p['summary']}" if p.get("summary") else ""),
            "authors": p.get("authors") or [p.get("outlet") or "unknown"],
            "categories": p.get("matched") or [],
        })
    return entries


def write_atom_feed(path: str | Path, entries: Iterable[dict], feed_title: str, feed_id: str, *,
                    limit: int = 200, now: datetime | None = None) -> Path:
    """Write a valid Atom 1.0 feed, newest first, at most `limit` entries, atomically.

    Entries are dicts: id, title, link, updated (aware datetime or ISO), summary, authors
    (list) and optionally published, categories. Written to a temporary file in the same
    folder and renamed over the old feed, so a feed reader never sees half a file.
    """
    path = Path(path)
    now = now or datetime.now(UTC)
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(entries, key=lambda e: _instant(e.get("updated")) or oldest, reverse=True)[:limit]
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", feed_title)
    updated = [u for e in ranked if (u := _instant(e.get("updated")))]
    sub(feed, "updated", _rfc3339(max(updated) if updated else now))
    sub(sub(feed, "author"), "name", "newswatch")
    sub(feed, "generator", "newswatch")
    for entry in ranked:
        item = sub(feed, "entry")
        sub(item, "id", entry["id"])
        sub(item, "title", entry.get("title") or "(untitled)")
        if entry.get("link"):
            sub(item, "link", href=entry["link"], rel="alternate", type="text/html")
        sub(item, "updated", _rfc3339(entry.get("updated")) or _rfc3339(now))
        if published := _rfc3339(entry.get("published")):
            sub(item, "published", published)
        for name in entry.get("authors") or ["unknown"]:
            sub(sub(item, "author"), "name", name)
        for term in entry.get("categories") or []:
            sub(item, "category", term=term)
        sub(item, "summary", entry.get("summary") or "", type="text")
    ET.indent(feed)
    _write_atomically(path, ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n")
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---- webhook and e-mail -----------------------------------------------------------------


def post_webhook(config: WebhookConfig, body: dict) -> None:
    """POST JSON; anything but a 2xx answer raises."""
    request = urllib.request.Request(
        config.url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
    )
    with urllib.request.urlopen(request, timeout=config.timeout) as response:
        response.read()
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status} from {config.url}")


def build_email(config: EmailConfig, alerts: list[dict]) -> EmailMessage:
    n = len(alerts)
    message = EmailMessage()
    message["Subject"] = f"newswatch: {n} new relevant article{'s' if n != 1 else ''}"
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    blocks = []
    for alert in alerts:
        p = alert["payload"]
        lines = [p.get("title") or "(untitled)",
                 " · ".join(str(x) for x in (p.get("outlet"), p.get("published")) if x), p.get("url") or ""]
        if p.get("matched"):
            lines.append("covers: " + ", ".join(p["matched"]))
        blocks.append("\n".join(line for line in lines if line))
    message.set_content(f"{n} new relevant article{'s' if n != 1 else ''}:\n\n" + "\n\n".join(blocks) + "\n")
    return message


def send_email(config: EmailConfig, message: EmailMessage) -> None:
    password = None
    if config.username:
        password = os.environ.get(config.password_env or "")
        if password is None:
            raise OSError(f"environment variable {config.password_env} (the SMTP password) is not set")
    context = ssl.create_default_context()
    smtp_class = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    kwargs: dict[str, Any] = {"context": context} if config.ssl else {}
    with smtp_class(config.host, config.port, timeout=config.timeout, **kwargs) as smtp:
        if config.starttls:
            smtp.starttls(context=context)
        if config.username and password is not None:
            smtp.login(config.username, password)
        smtp.send_message(message)


# ---- delivery ------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """Alerts delivered now and still pending afterwards, per configured channel."""

    sent: dict[str, int] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)
    queued: int = 0


def _retry(what: str, action: Callable[[], None], sleep: Callable[[float], object], attempts: int) -> bool:
    for attempt in range(1, attempts + 1):
        try:
            action()
            return True
        except Exception as exc:  # any failure means "try again later", never a crash
            log.warning("%s failed (try %d of %d): %s", what, attempt, attempts, exc)
            if attempt < attempts:
                sleep(BACKOFF * 2 ** (attempt - 1))
    log.error("%s: giving up for this run; the alerts stay pending for the next one", what)
    return False


def _queue(store_like: Any) -> AlertQueue:
    return store_like if isinstance(store_like, AlertQueue) else store_like.alerts


def _deliver_webhook(queue: AlertQueue, config: WebhookConfig, report: DeliveryReport, sleep, attempts) -> None:
    pending = queue.pending("webhook")
    by_run: dict[int | None, list[dict]] = {}
    for alert in pending:
        by_run.setdefault(alert["run_id"], []).append(alert)
    for run_id, alerts in by_run.items():
        body = {"run_id": run_id,
                "new_relevant": [{k: a["payload"].get(k) for k in WEBHOOK_KEYS} for a in alerts]}
        if not _retry(f"webhook {config.url} (run {run_id})", lambda b=body: post_webhook(config, b),
                      sleep, attempts):
            return  # the server is down: the later runs' alerts wait too, in order
        queue.mark_sent([a["id"] for a in alerts], "webhook")
        report.sent["webhook"] = report.sent.get("webhook", 0) + len(alerts)


def _deliver_email(queue: AlertQueue, config: EmailConfig, report: DeliveryReport, sleep, attempts) -> None:
    pending = queue.pending("email")
    if not pending:
        return
    message = build_email(config, pending)
    if _retry(f"e-mail via {config.host}:{config.port}", lambda: send_email(config, message), sleep, attempts):
        queue.mark_sent([a["id"] for a in pending], "email")
        report.sent["email"] = len(pending)


def _deliver_atom(queue: AlertQueue, config: AlertConfig, report: DeliveryReport, now: datetime) -> None:
    pending = queue.pending("atom")
    if config.atom_path is None or (not pending and config.atom_path.exists()):
        return  # nothing new (an empty feed is still written once, so readers can subscribe early)
    entries = alert_entries(queue.recent(config.atom_entries))
    write_atom_feed(config.atom_path, entries, config.feed_title, config.feed_id, limit=config.atom_entries, now=now)
    queue.mark_sent([a["id"] for a in pending], "atom")
    report.sent["atom"] = len(pending)


def deliver_pending(store_like: Any, config: AlertConfig, now: datetime | None = None, *,
                    sleep: Callable[[float], object] = time.sleep, attempts: int = ATTEMPTS) -> DeliveryReport:
    """Send every pending alert on every configured channel; never raises.

    `store_like` is a Store or its AlertQueue.
    A channel that is not configured marks its pending alerts done, so configuring it
    later announces only what is found from then on, not the whole history.
    """
    report = DeliveryReport()
    now = now or datetime.now(UTC)
    try:
        queue = _queue(store_like)
    except Exception:
        log.exception("alerts: cannot open the alert queue")
        return report
    channels: list[tuple[str, object, Callable[[], None]]] = [
        ("atom", config.atom_path, lambda: _deliver_atom(queue, config, report, now)),
        ("webhook", config.webhook, lambda: _deliver_webhook(queue, config.webhook, report, sleep, attempts)),
        ("email", config.email, lambda: _deliver_email(queue, config.email, report, sleep, attempts)),
    ]
    for channel, enabled, deliver in channels:
        try:
            if enabled:
                deliver()
            else:
                queue.mark_sent([a["id"] for a in queue.pending(channel)], channel)
        except Exception:
            log.exception("alerts: the %s channel failed; its alerts stay pending", channel)
    with contextlib.suppress(Exception):
        report.pending = {c: len(queue.pending(c)) for c, enabled, _ in channels if enabled}
    return report


def announce_run(store_like: Any, run_id: int, config: AlertConfig, now: datetime | None = None, *,
                 sleep: Callable[[float], object] = time.sleep) -> DeliveryReport:
    """The after-crawl step: queue the run's new relevant articles, then deliver everything pending."""
    queued = 0
    try:
        queued = _queue(store_like).enqueue_run(run_id)
    except Exception:
        log.exception("alerts: could not queue the new articles of run %s", run_id)
    report = deliver_pending(store_like, config, now, sleep=sleep)
    report.queued = queued
    return report
