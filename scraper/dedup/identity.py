"""Identity of an article: canonical URL form and text fingerprints (pure functions)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

_TRACKING_NAMES = (r"utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
                   r"_ga|_gl|ref_src|cmpid|ocid|sr_share|smid|mod")
TRACKING_PARAMS = re.compile(rf"^({_TRACKING_NAMES})$", re.IGNORECASE)
# "a??utm_source=x", "a?id=3?utm_source=x": a link builder appended "?utm_..." to a URL
# that already had a "?"; that "?" starts another parameter
APPENDED_TRACKING = re.compile(rf"\?(?=(?:{_TRACKING_NAMES})(?:[=&;]|$))", re.IGNORECASE)
AMP_SUFFIX = re.compile(r"(/amp/?|\.amp(?=\.html?$)|/amp\.html)$", re.IGNORECASE)
WORD = re.compile(r"\w+")


def canonical_url(url: str) -> str:
    """The form we store: tracking parameters and fragment dropped, host lower-cased,
    query sorted, default port removed (w3lib's canonicalize_url does the rest).
    A URL that cannot be split at all ("http://[", a port above 65535) is kept as given,
    stripped: one bad href must not stop a page's other links."""
    try:
        return _canonical_url(url)
    except ValueError:
        return url.strip()


def _canonical_url(url: str) -> str:
    url = safe_url_string(url.strip())
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(APPENDED_TRACKING.sub("&", parts.query), keep_blank_values=True)
             if not TRACKING_PARAMS.match(k)]
    query = [(k, v) for k, v in query if not (k.lower() in ("amp", "outputtype") and v.lower() in ("", "1", "amp"))]
    cleaned = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))
    return _one_leading_slash(canonicalize_url(_one_leading_slash(cleaned), keep_fragments=False))


def _one_leading_slash(url: str) -> str:
    """A URL without a host keeps one leading slash in its path: "http:////a" would read
    as host "a" on the next pass, so canonical_url would not be idempotent."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("//"):
        return url
    return urlunsplit(parts._replace(path="/" + parts.path.lstrip("/")))


def identity_key(url: str) -> str:
    """Two URLs with the same key are the same article: canonical form, then scheme,
    `www.` and AMP variants folded together."""
    try:
        parts = urlsplit(canonical_url(url))
    except ValueError:
        return url.strip()
    host = parts.netloc.removeprefix("www.")
    path = AMP_SUFFIX.sub("", parts.path) or "/"
    if path != "/":
        path = path.rstrip("/")
    return urlunsplit(("", host, path, parts.query, ""))[2:]


def article_id(url: str) -> str:
    return hashlib.sha1(identity_key(url).encode()).hexdigest()[:20]


def text_words(text: str | None) -> list[str]:
    """The case-folded words both the exact fingerprint and the near-duplicate signature read."""
    return WORD.findall((text or "").casefold())


def text_fingerprint(text: str) -> str:
    """Exact-duplicate fingerprint: the text's words, case-folded, whitespace ignored."""
    return fingerprint_of_words(text_words(text))


def fingerprint_of_words(words: list[str]) -> str:
    """`text_fingerprint` for a text already split by text_words."""
    return hashlib.sha1(" ".join(words).encode()).hexdigest()


def html_fingerprint(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()
