"""Discovered URLs are input from strangers: which of them may enter the frontier.

A GDELT result, a CDX row or a Common Crawl index line names a URL that nobody here
chose. Before it is fetched it must be an absolute http(s) URL with a host, no
credentials (``http://user:pass@host/`` is a classic way to smuggle a different host
past a naive check), no whitespace or control characters (header injection, log
forging) and of a sane length. The crawl's own guard still decides which hosts may be
contacted; this only rejects what is malformed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
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


# Names that only mean something inside an organisation's network (RFC 6761, RFC 6762,
# RFC 8375, and the suffixes intranets commonly use).
INTERNAL_SUFFIXES = ("localhost", "local", "internal", "intranet", "lan", "home.arpa", "corp", "localdomain")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)


def address_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address an IP literal stands for, in every spelling a resolver accepts
    (``127.1``, ``0x7f.0.0.1``, ``2130706433``, ``[::ffff:127.0.0.1]``); None for a name."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if not _NUMERIC_HOST.match(text):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Private, loopback, link-local (cloud metadata lives there), reserved, multicast or unspecified."""
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified)


def internal_host(host: str) -> str | None:
    """Why a discovered host must not be contacted (an internal address or name), None when
    nothing in its spelling says so. A public name can still resolve to an internal
    address: the crawl's guard checks that too when it resolves names itself."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return "no host"
    address = address_of(host)
    if address is not None:
        return f"internal address {address}" if is_internal_address(address) else None
    if "." not in host:
        return f"internal name {host!r} (no domain)"
    if any(host == suffix or host.endswith("." + suffix) for suffix in INTERNAL_SUFFIXES):
        return f"internal name {host!r}"
    return None
