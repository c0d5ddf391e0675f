"""Alerts after a crawl: config, the SQLite queue, the Atom feed, webhook and e-mail delivery with retries.

Every server here is started by the test on 127.0.0.1 and stops by itself.
"""

import json
import os
import socket
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import feedparser
import pytest
from aiosmtpd.controller import Controller
from conftest import article_record

from scraper.dedup.identity import article_id
from scraper.errors import ConfigError
from scraper.runs import alerts
from scraper.runs.alerts import (
    AlertConfig,
    EmailConfig,
    WebhookConfig,
    alert_entries,
    announce_run,
    deliver_pending,
    load_alert_config,
    write_atom_feed,
)
from scraper.store import Store
from scraper.store.alerts import AlertQueue

A = "{http://www.w3.org/2005/Atom}"
SERVER_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- a database with a crawl run ---------------------------------------------------------


def article(n: int, relevant: bool = True, **extra) -> dict:
    return article_record(f"https://news.example/story-{n}", **{
        "title": f"Story {n}: Dawn Jackson granted clemency", "text": f"Body of story {n}. " * 40,
        "authors": ["Ann Lee"], "published": f"2020-04-0{n}T10:30:00-04:00", "description": f"Summary of story {n}.",
        "matched": ["Dawn Jackson"] if relevant else [], "text_sha1": f"sha{n}", **extra})


def crawl(store: Store, *articles: dict) -> int:
    """A crawl run that stores `articles` (first seen after the run started)."""
    run_id = store.runs.start(["feeds"], ["Alpha"])
    for row in articles:
        store.articles.save(row, [], seen_at=(datetime.now(UTC) + timedelta(seconds=1)).isoformat(timespec="seconds"))
    return run_id


def queued(store: Store, *numbers: int, run_id: int = 1) -> AlertQueue:
    queue = store.alerts
    for n in numbers:
        store.articles.save(article(n), [])
    queue.enqueue([store.db["articles"].get(article_id(f"https://news.example/story-{n}")) for n in numbers], run_id)
    return queue


# ---- config --------------------------------------------------------------------------------

FULL = """\
atom_path = "feeds/alerts.atom"
feed_title = "Justice Project coverage"
feed_id = "urn:newswatch:justice-project"
atom_entries = 50

[webhook]
url = "https://hooks.example.org/newswatch"
timeout = 5

[email]
host = "smtp.example.org"
port = 587
starttls = true
username = "bot@example.org"
password_env = "NEWSWATCH_SMTP_PASSWORD"
from = "bot@example.org"
to = ["me@example.org", "you@example.org"]
"""


def test_load_full_config(tmp_path):
    (tmp_path / "alerts.toml").write_text(FULL)
    config = load_alert_config(tmp_path / "alerts.toml")
    assert config.atom_path.as_posix() == "feeds/alerts.atom" and config.atom_entries == 50
    assert config.feed_title == "Justice Project coverage" and config.feed_id == "urn:newswatch:justice-project"
    assert config.webhook == WebhookConfig("https://hooks.example.org/newswatch", 5.0)
    assert config.email == EmailConfig(host="smtp.example.org", sender="bot@example.org",
                                       to=("me@example.org", "you@example.org"), port=587, starttls=True,
                                       username="bot@example.org", password_env="NEWSWATCH_SMTP_PASSWORD")


def test_minimal_config_and_alerts_table(tmp_path):
    (tmp_path / "a.toml").write_text("")
    assert load_alert_config(tmp_path / "a.toml") == AlertConfig()
    (tmp_path / "b.toml").write_text('[alerts]\natom_path = ""\n[alerts.email]\nhost = "h"\nfrom = "a@b"\nto = "c@d"\n')
    config = load_alert_config(tmp_path / "b.toml")
    assert config.atom_path is None and config.webhook is None
    assert config.email.to == ("c@d",) and config.email.port == 587 and config.email.starttls


@pytest.mark.parametrize("text, message", [
    ("atom_path = 3\n", "line 1: atom_path: expected str"),
    ("atom_entries = 0\n", "line 1: atom_entries: must be at least 1"),
    ('feed_id = "not an id"\n', "line 1: feed_id: must be an IRI"),
    ('atomp_path = "x"\n', "line 1: atomp_path: unknown key (known: atom_entries, atom_path"),
    ('[webhook]\nurl = "ftp://x"\n', "line 2: [webhook] url: expected an http(s) URL"),
    ('[webhook]\ntimeout = 3\n', "line 1: [webhook]: missing required key 'url'"),
    ('[email]\nhost = "h"\nfrom = "a@b"\nto = "c@d"\nport = "25"\n', "line 5: [email] port: expected int"),
    ('[email]\nhost = "h"\nfrom = "a@b"\nto = "c@d"\npassword = "x"\n',
     "line 5: [email] password: unknown key (put the password in an environment variable"),
    ('[email]\nhost = "h"\nfrom = "a@b"\nto = []\n', "line 4: [email] to: expected an e-mail address"),
    ('\n[email]\nhost = "h"\nfrom = "a@b"\n', "line 2: [email]: missing required key 'to'"),
    ('[email]\nhost = "h"\nfrom = "a@b"\nto = "c@d"\nusername = "u"\n', "[email] password_env: username is set"),
    ('[alerts.webhook]\nurl = 1\n', "line 2: [alerts.webhook] url: expected str"),
    ("[webhook\n", "invalid TOML"),
])
def test_config_mistakes_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_alert_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_alert_config(tmp_path / "nope.toml")


# ---- the queue -----------------------------------------------------------------------------


def test_queue_enqueues_new_relevant_articles_of_a_run_once(store):
    store.articles.save(article(1), [], seen_at="2000-01-01T00:00:00+00:00")  # found by an earlier crawl
    run_id = crawl(store, article(2), article(3, relevant=False), article(4))
    queue = store.alerts
    assert queue.enqueue_run(run_id) == 2
    assert queue.enqueue_run(run_id) == 0  # never twice for the same article
    pending = queue.pending("webhook")
    assert [a["payload"]["title"][:7] for a in pending] == ["Story 2", "Story 4"]
    assert pending[0]["run_id"] == run_id
    assert pending[0]["payload"] == {
        "url": "https://news.example/story-2", "title": "Story 2: Dawn Jackson granted clemency", "outlet": "Alpha",
        "published": "2020-04-02T10:30:00-04:00", "matched": ["Dawn Jackson"], "summary": "Summary of story 2.",
        "authors": ["Ann Lee"]}
    queue.mark_sent([pending[0]["id"]], "webhook")
    assert [a["id"] for a in queue.pending("webhook")] == [pending[1]["id"]]
    assert len(queue.pending("email")) == 2
    with pytest.raises(ValueError):
        queue.pending("pigeon")


# ---- Atom ----------------------------------------------------------------------------------


def entries(count: int) -> list[dict]:
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return [{"id": f"urn:newswatch:article:{i}", "title": f"Title {i} <&>", "link": f"https://n.example/{i}",
             "updated": start + timedelta(hours=i), "summary": f"Summary {i}", "authors": ["Ann Lee"],
             "published": "2020-04-05T20:00:00-04:00" if i % 2 else "2020-04-05", "categories": ["Dawn Jackson"]}
            for i in (3, 1, 4, 0, 2)][:count]


def test_atom_feed_is_valid_newest_first_and_limited(tmp_path):
    path = write_atom_feed(tmp_path / "feeds" / "alerts.atom", entries(5), "Coverage", "urn:newswatch:alerts",
                           limit=4)
    root = ET.parse(path).getroot()
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == "urn:newswatch:alerts" and root.findtext(f"{A}title") == "Coverage"
    assert root.findtext(f"{A}updated") == "2024-05-01T16:00:00+00:00"
    items = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}id")[-1] for e in items] == ["4", "3", "2", "1"]
    first = items[0]
    assert first.find(f"{A}link").get("href") == "https://n.example/4"
    assert first.findtext(f"{A}author/{A}name") == "Ann Lee" and first.findtext(f"{A}summary") == "Summary 4"
    assert first.find(f"{A}published") is None  # a bare date is not an Atom date
    mixed = [{**entries(1)[0], "id": "urn:x:late", "updated": "2024-05-01T12:30:00-04:00"}, *entries(5)]
    ranked = ET.parse(write_atom_feed(tmp_path / "mixed.atom", mixed, "C", "urn:x")).getroot()
    assert ranked.findall(f"{A}entry")[0].findtext(f"{A}id") == "urn:x:late"  # 16:30 UTC: compared as instants
    assert items[1].findtext(f"{A}published") == "2020-04-05T20:00:00-04:00"

    feed = feedparser.parse(str(path))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == ["Title 4 <&>", "Title 3 <&>", "Title 2 <&>", "Title 1 <&>"]
    assert feed.entries[0].link == "https://n.example/4" and feed.entries[0].tags[0].term == "Dawn Jackson"
    assert feed.feed.title == "Coverage" and feed.feed.id == "urn:newswatch:alerts"


def test_atom_feed_is_replaced_atomically(tmp_path, monkeypatch):
    path = tmp_path / "alerts.atom"
    write_atom_feed(path, entries(2), "Old", "urn:newswatch:alerts")
    old = path.read_bytes()
    with open(path, "rb") as reader:  # a feed reader in the middle of reading the old file
        write_atom_feed(path, entries(5), "New", "urn:newswatch:alerts")
        assert reader.read() == old
    assert b"<title>New</title>" in path.read_bytes() and oct(path.stat().st_mode)[-3:] == "644"

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(alerts.os, "replace", crash)
    current = path.read_bytes()
    with pytest.raises(OSError, match="disk full"):
        write_atom_feed(path, entries(1), "Broken", "urn:newswatch:alerts")
    assert path.read_bytes() == current
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alerts.atom"]  # no temp file left behind


def test_empty_feed_is_written_once_for_early_subscribers(store, tmp_path):
    config = AlertConfig(atom_path=tmp_path / "alerts.atom")
    deliver_pending(store, config)
    feed = feedparser.parse(str(config.atom_path))
    assert not feed.bozo and feed.entries == []


# ---- webhook -------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 answering the statuses of `script` (then 200); stops by itself."""

    def __init__(self, port: int = 0, script: tuple[int, ...] = ()) -> None:
        self.bodies: list[dict] = []
        self.statuses = list(script)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.bodies.append({"json": json.loads(body), "type": self.headers["Content-Type"],
                                        "path": self.path})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.timer = threading.Timer(SERVER_SECONDS, self.stop)
        self.timer.daemon = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.cancel()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    started: list[Receiver] = []

    def start(**kwargs) -> Receiver:
        started.append(Receiver(**kwargs))
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


def only(**kwargs) -> AlertConfig:
    """A config with only the channels given (no Atom feed)."""
    return AlertConfig(atom_path=None, **kwargs)


def test_webhook_receives_the_json(store, receivers):
    receiver = receivers()
    queue = queued(store, 1, 2, run_id=7)
    report = deliver_pending(store, only(webhook=WebhookConfig(receiver.url)), sleep=pytest.fail)
    assert report.sent == {"webhook": 2} and report.pending == {"webhook": 0}
    [got] = receiver.bodies
    assert got["path"] == "/hook" and got["type"].startswith("application/json")
    assert got["json"]["run_id"] == 7
    assert got["json"]["new_relevant"][1] == {"url": "https://news.example/story-2",
                                              "title": "Story 2: Dawn Jackson granted clemency", "outlet": "Alpha",
                                              "published": "2020-04-02T10:30:00-04:00", "matched": ["Dawn Jackson"]}
    assert queue.pending("webhook") == []
    deliver_pending(store, only(webhook=WebhookConfig(receiver.url)))
    assert len(receiver.bodies) == 1  # nothing is sent twice


def test_webhook_is_retried_after_errors(store, receivers):
    receiver = receivers(script=(500, 500))
    queued(store, 1)
    slept: list[float] = []
    report = deliver_pending(store, only(webhook=WebhookConfig(receiver.url)), sleep=slept.append)
    assert len(receiver.bodies) == 3 and slept == [1.0, 2.0]
    assert report.sent == {"webhook": 1} and report.pending == {"webhook": 0}


def test_dead_webhook_leaves_alerts_pending_until_it_is_back(store, receivers, caplog):
    port = free_port()
    config = only(webhook=WebhookConfig(f"http://127.0.0.1:{port}/hook", timeout=2))
    queue = queued(store, 1, 2)
    slept: list[float] = []
    report = deliver_pending(store, config, sleep=slept.append)  # never raises
    assert report.sent == {} and report.pending == {"webhook": 2} and len(slept) == 2
    assert "stay pending" in caplog.text
    assert len(queue.pending("webhook")) == 2

    receiver = receivers(port=port)
    report = deliver_pending(store, config, sleep=slept.append)
    assert report.sent == {"webhook": 2} and len(receiver.bodies) == 1
    assert queue.pending("webhook") == []


# ---- e-mail --------------------------------------------------------------------------------


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    controllers: list[Controller] = []
    timers: list[threading.Timer] = []

    def start(port: int | None = None, **kwargs) -> Mailbox:
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **kwargs)
        controller.start()
        timer = threading.Timer(SERVER_SECONDS, lambda: controller.stop(no_assert=True))
        timer.daemon = True
        timer.start()
        timers.append(timer)
        controllers.append(controller)
        mailbox.port = controller.port
        return mailbox

    yield start
    for timer in timers:
        timer.cancel()
    for controller in controllers:
        controller.stop(no_assert=True)


def mail_config(port: int, **extra) -> AlertConfig:
    return only(email=EmailConfig(host="127.0.0.1", port=port, starttls=False, sender="bot@example.org",
                                           to=("me@example.org",), timeout=5, **extra))


def test_email_is_sent_with_the_titles(store, smtp_server):
    mailbox = smtp_server()
    queue = queued(store, 1, 2)
    report = deliver_pending(store, mail_config(mailbox.port), sleep=pytest.fail)
    assert report.sent == {"email": 2}
    [(sender, recipients, message)] = mailbox.messages
    assert sender == "bot@example.org" and recipients == ["me@example.org"]
    assert message["Subject"] == "newswatch: 2 new relevant articles"
    body = message.get_payload(decode=True).decode()
    assert "Story 1: Dawn Jackson granted clemency" in body and "Story 2: Dawn Jackson granted clemency" in body
    assert "https://news.example/story-2" in body
    assert queue.pending("email") == []


def test_email_login_uses_the_password_from_the_environment(store, smtp_server, monkeypatch):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    mailbox = smtp_server(authenticator=authenticator, auth_require_tls=False)
    queued(store, 1)
    config = mail_config(mailbox.port, username="bot", password_env="NW_TEST_SMTP_PASSWORD")
    monkeypatch.delenv("NW_TEST_SMTP_PASSWORD", raising=False)
    assert deliver_pending(store, config, sleep=lambda s: None).pending == {"email": 1}  # no password: pending
    monkeypatch.setenv("NW_TEST_SMTP_PASSWORD", "s3cret")
    assert deliver_pending(store, config, sleep=lambda s: None).sent == {"email": 1}
    assert seen == [(b"bot", b"s3cret")] and len(mailbox.messages) == 1


def test_failing_smtp_leaves_the_mail_pending(store, smtp_server):
    port = free_port()
    queue = queued(store, 1)
    slept: list[float] = []
    report = deliver_pending(store, mail_config(port), sleep=slept.append)
    assert report.sent == {} and report.pending == {"email": 1} and slept == [1.0, 2.0]
    assert len(queue.pending("email")) == 1

    mailbox = smtp_server(port=port)
    assert deliver_pending(store, mail_config(port)).sent == {"email": 1}
    assert len(mailbox.messages) == 1 and queue.pending("email") == []


# ---- the after-crawl step ---------------------------------------------------------------------


def test_announce_run_queues_and_delivers_everywhere(store, tmp_path, receivers):
    receiver = receivers()
    config = AlertConfig(atom_path=tmp_path / "alerts.atom", webhook=WebhookConfig(receiver.url))
    run_id = crawl(store, article(1), article(2, relevant=False))
    report = announce_run(store, run_id, config, sleep=pytest.fail)
    assert report.queued == 1 and report.sent == {"atom": 1, "webhook": 1}
    assert report.pending == {"atom": 0, "webhook": 0}
    assert store.alerts.pending("email") == []  # e-mail not configured: nothing piles up for later

    run_id = crawl(store, article(3))
    assert announce_run(store, run_id, config, sleep=pytest.fail).queued == 1
    feed = feedparser.parse(str(config.atom_path))
    assert [e.title[:7] for e in feed.entries] == ["Story 3", "Story 1"]
    assert feed.entries[1].id == f"urn:newswatch:article:{article_id('https://news.example/story-1')}"
    assert [b["json"]["run_id"] for b in receiver.bodies] == [1, 2]


def test_alert_entries_fall_back_to_the_outlet_as_author():
    [entry] = alert_entries([{"article_id": "x", "created": "2024-01-01T00:00:00+00:00", "payload": {
        "url": "https://n.example/x", "title": "", "outlet": "Alpha", "published": None, "matched": [],
        "summary": "", "authors": []}}])
    assert entry["authors"] == ["Alpha"] and entry["title"] == "https://n.example/x"
    assert os.path.basename(entry["link"]) == "x"
