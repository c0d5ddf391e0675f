"""robots.txt is obeyed by every request, including those that arrive in a burst while
the host's robots.txt is still being fetched (Scrapy alone let all but the first through)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from runner import FAST, newswatch

QUERIES = ["Dawn Jackson", "Alexis Martin", "Momolu Stewart", "David Sheppard", "Justice Project"]


class SlowRobotsSite(BaseHTTPRequestHandler):
    """robots.txt answers after half a second and forbids /private/, where the search is."""

    hits: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append(self.path)
        if self.path == "/robots.txt":
            time.sleep(0.5)
            body = b"User-agent: *\nDisallow: /private/\n"
            kind = "text/plain"
        else:
            body = b"<html><body><h1>Results</h1><p>nothing here</p></body></html>"
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_requests_waiting_for_robots_txt_are_all_checked_against_it(tmp_path):
    SlowRobotsSite.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowRobotsSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stopper = threading.Timer(120, server.shutdown)
    stopper.daemon = True
    stopper.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[outlet]]\nname = "Slow Robots"\nhomepage = "{base}/"\nkind = "justice"\n'
                       f'language = "en"\nfeeds = []\nsitemaps = []\nsearch = "{base}/private/search?q={{query}}"\n',
                       encoding="utf-8")
    try:
        result = newswatch("crawl", "--db", str(tmp_path / "a.db"), "--sources", str(sources), "--spider", "search",
                           "--no-progress", *FAST, timeout=120)
    finally:
        server.shutdown()
        stopper.cancel()
    assert result.returncode == 0, result.stderr[-2000:]
    assert "/robots.txt" in SlowRobotsSite.hits
    assert not [p for p in SlowRobotsSite.hits if p.startswith("/private/")], SlowRobotsSite.hits
