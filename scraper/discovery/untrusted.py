"""Discovered URLs are input from strangers: which of them may enter the frontier.

A GDELT result, a CDX row or a Common Crawl index line names a URL that nobody here
chose. Before it is fetched it must be an absolute http(s) URL with a host, no
credentials (``http://user:pass@host/`` is a classic way to smuggle a different host
past a naive check), no whitespace or control characters (header injection, log
forging) and of a sane length. The crawl's own guard still decides which hosts may be
contacted; this only rejects what is malformed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f]")


def clean_url(raw: object, max_length: int = MAX_URL_LENGTH) -> str | None:
    """The URL with scheme and host lower-cased, or None when it is not safe to use."""
    if not isinstance(raw, str):
        return None
    url = raw.strip()
    if not url or len(url) > max_length or _BAD_CHARS.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if host.strip(".") == "" or ".." in host:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
