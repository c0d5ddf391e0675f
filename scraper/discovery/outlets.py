"""Outlets nobody listed: what to call a discovered site, and which sites to accept.

An article found by GDELT or in an archive may come from a site that is not in
sources.toml. It is stored under the name the site declares for itself
(``og:site_name``, the JSON-LD publisher) or else its registered domain
(``news.bbc.co.uk`` -> ``bbc.co.uk``), with ``outlet_kind = "other"``. The registered
domain comes from the Public Suffix List as bundled with tldextract: no list is
written by hand here and none is downloaded at run time (the extractor is built with
no suffix-list URL and no cache directory, so it can only read its packaged snapshot).

``[discovery]`` in sources.toml takes ``allow`` and ``block`` lists of domains: a
domain covers its subdomains, blocking wins, and a non-empty ``allow`` list admits
only the domains it names.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import idna
import tldextract

from scraper.config import KINDS, read_toml
from scraper.errors import ConfigError

OUTLET_KIND_OTHER = "other"
MAX_NAME_CHARS = 100

# Snapshot only: no suffix-list URL (no network), no cache dir (nothing another
# process downloaded earlier can change the answer). Private suffixes (blogspot.com,
# github.io) are honoured: each blog there is its own site.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True,
                                 include_psl_private_domains=True)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def host_of(url: str) -> str | None:
    """The URL's host, lower-case, IDNA (ASCII) form, without port or trailing dot."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    return _ascii_host(host) if host else None


def _ascii_host(host: str) -> str | None:
    host = host.strip().lower().rstrip(".")
    if not host:
        return None
    if _is_ip(host):
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host if host.isascii() else None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def registered_domain(url: str) -> str | None:
    """The domain registered under a public suffix (``news.example.co.uk`` -> ``example.co.uk``).

    An IP address is its own domain; a host under no known suffix (``localhost``,
    ``outlet.test``) is returned whole, less a leading ``www.``.
    """
    host = host_of(url)
    if host is None:
        return None
    if _is_ip(host):
        return host
    parts = _EXTRACT(host)
    domain = parts.top_domain_under_public_suffix
    return domain or host.removeprefix("www.")


def site_key(url: str) -> str | None:
    """What identifies a site: its registered domain, or ``host:port`` for an IP or single-label host.

    On loopback (the demo web, the tests) every site is ``127.0.0.1`` on its own port.
    """
    host = host_of(url)
    if host is None:
        return None
    if _is_ip(host) or "." not in host:
        try:
            port = urlsplit(url.strip()).port
        except ValueError:
            return None
        return f"{host}:{port}" if port else host
    return registered_domain(url)


def outlet_name(site_name: object, publisher: object, url: str) -> str:
    """The site's declared name (og:site_name, then the JSON-LD publisher), else its registered domain.

    Both come from the page, so they are untrusted: control characters and runs of
    space are cleaned, the length is capped, and a value with no letter is ignored.
    `publisher` may be a string, a JSON-LD node (``{"@type": "Organization", "name": ...}``)
    or a list of either.
    """
    for candidate in (site_name, *_publisher_names(publisher)):
        name = _clean_name(candidate)
        if name:
            return name
    return site_key(url) or registered_domain(url) or "unknown"


def _publisher_names(publisher: object) -> list[object]:
    if isinstance(publisher, Mapping):
        return [publisher.get("name")]
    if isinstance(publisher, list | tuple):
        return [name for item in publisher[:5] for name in _publisher_names(item)]
    return [publisher]


def _clean_name(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if not any(ch.isalpha() for ch in text):
        return ""
    return text if len(text) <= MAX_NAME_CHARS else text[: MAX_NAME_CHARS - 1].rstrip() + "…"


def known_outlet(url: str, hosts: Mapping[str, str]) -> str | None:
    """The listed outlet a URL belongs to: `hosts` maps a homepage URL or host (host:port) to the outlet's name.

    Matched on the exact host, then the host without ``www.``, then the registered
    domain, so ``edition.example.com`` finds the outlet listed as ``www.example.com``;
    IP and single-label hosts (loopback) match only with the same port.
    """
    index: dict[str, str] = {}
    for listed, name in hosts.items():
        for key in _outlet_keys(listed if "://" in listed else "http://" + listed):
            index.setdefault(key, name)
    return next((index[key] for key in _outlet_keys(url) if key in index), None)


def _outlet_keys(url: str) -> list[str]:
    host = host_of(url)
    if host is None:
        return []
    if _is_ip(host) or "." not in host:
        key = site_key(url)
        return [key] if key else []
    domain = registered_domain(url)
    return [host, host.removeprefix("www."), *(["domain:" + domain] if domain else [])]


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class DiscoveryPolicy:
    """Which discovered sites may be fetched and stored: `block` wins, a non-empty `allow` restricts.

    Entries are domains (``example.com`` also covers ``news.example.com``) or, for sites
    told apart by port (loopback), ``host:port``.
    """

    allow: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    kinds: tuple[tuple[str, str], ...] = ()  # (domain, outlet kind): a rule for sites nobody listed

    @classmethod
    def from_table(cls, raw: object, where: str = "[discovery]") -> DiscoveryPolicy:
        """Validate the ``[discovery]`` table of sources.toml (absent -> allow everything not blocked)."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: must be a table with 'allow' and 'block' lists")
        unknown = sorted(set(raw) - {"allow", "block", "kinds"})
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: allow, block, kinds")
        return cls(_domains(raw.get("allow", []), f"{where} allow"), _domains(raw.get("block", []), f"{where} block"),
                   _kinds(raw.get("kinds", {}), f"{where} kinds"))

    def kind_for(self, url: str) -> str:
        """The outlet kind of a site nobody listed: the `kinds` rule that covers it, else `other`."""
        host = host_of(url)
        try:
            port = urlsplit(url.strip()).port
        except ValueError:
            port = None
        if host is not None:
            for entry, kind in self.kinds:
                if _covers(entry, host, port):
                    return kind
        return OUTLET_KIND_OTHER

    def verdict(self, url: str) -> str:
        """"allowed", "blocked", "not allowed" (an allow list exists and does not name it) or "invalid url"."""
        host = host_of(url)
        if host is None:
            return "invalid url"
        try:
            port = urlsplit(url.strip()).port
        except ValueError:
            return "invalid url"
        if any(_covers(entry, host, port) for entry in self.block):
            return "blocked"
        if self.allow and not any(_covers(entry, host, port) for entry in self.allow):
            return "not allowed"
        return "allowed"

    def allows(self, url: str) -> bool:
        return self.verdict(url) == "allowed"


def discovery_policy(sources_path: str | Path) -> DiscoveryPolicy:
    """The [discovery] table of a sources.toml (absent: every site not internal is accepted)."""
    return DiscoveryPolicy.from_table(read_toml(sources_path).get("discovery"), f"{sources_path}: [discovery]")


def _covers(entry: str, host: str, port: int | None) -> bool:
    name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
    if entry_port:
        return host == name and port == int(entry_port)
    return host == name or (not _is_ip(name) and host.endswith("." + name))


def _kinds(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """``kinds = {"local-paper.example" = "justice"}``: a kind (of sources.toml's) per domain."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of domain = kind, got {value!r}")
    allowed = (*KINDS, OUTLET_KIND_OTHER)
    rules = []
    for domain, kind in value.items():
        if kind not in allowed:
            raise ConfigError(f"{where}: {domain!r} = {kind!r}; a kind is one of {', '.join(allowed)}")
        rules.append((_domain(str(domain), where), kind))
    return tuple(sorted(rules, key=lambda rule: -len(rule[0])))  # the most specific domain first


def _domains(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of domain names, got {value!r}")
    return tuple(dict.fromkeys(_domain(v, where) for v in value))


def _domain(value: str, where: str) -> str:
    """'Example.COM', '*.example.com', '.example.com.' -> 'example.com'; 127.0.0.1:8001 kept with its port."""
    text = value.strip().lower()
    text = text.removeprefix("*.").strip(".")
    if not text or "/" in text or "@" in text or " " in text or "*" in text:
        raise ConfigError(f"{where}: {value!r} is not a domain (write 'example.com', without scheme or path)")
    name, _, port = text.partition(":") if text.count(":") == 1 else (text, "", "")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"{where}: {value!r} has a bad port")
    if _is_ip(name):
        return f"{name}:{port}" if port else name
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ConfigError(f"{where}: {value!r} is not a valid domain name") from None
    labels = ascii_name.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise ConfigError(f"{where}: {value!r} is not a valid domain name")
    return f"{ascii_name}:{port}" if port else ascii_name

