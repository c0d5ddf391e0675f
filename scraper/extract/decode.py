"""Bytes -> str for HTML pages whose declared charset cannot be trusted.

Order of evidence: byte-order mark, then strict UTF-8 (valid UTF-8 is almost never an
accident, so it beats a header that says windows-1252), then the charsets declared in
the HTTP header and the page's <meta>, then statistical detection. Pages that are
mostly UTF-8 with a few stray windows-1252 bytes (pasted quotes) decode per byte.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

import charset_normalizer

MAX_BYTES = 15 * 1024 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Magic numbers of formats a crawler meets instead of HTML.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"\x00\x00\x01\x00",
    b"\x7fELF",
    b"BZh",
    b"\xfd7zXZ",
    b"wOFF",
    b"wOF2",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_CONTROL_OR_SURROGATE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ud800-\udfff]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)])
# WHATWG: labels that browsers decode as windows-1252.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "cp819", "iso_8859-1"}
_LATIN_FAMILY = re.compile(r"^(cp125\d|windows-125\d|iso8859_\d+|iso-8859-\d+|latin_?\d|mac_roman)$", re.I)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode one undecodable byte as windows-1252 (the usual stray-byte culprit)."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.start + 1]
    return bad.decode("cp1252", errors="replace"), err.start + 1


codecs.register_error("newswatch-cp1252", _cp1252_fallback)


_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or b > 13)  # tab, newlines, form feed are text


def is_binary(data: bytes) -> bool:
    """True for images, archives and other bodies that are not text at all."""
    head = data[:2048]
    if head.startswith(_BINARY_MAGIC):
        return True
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > max(8, len(head) // 20)


def declared_charsets(data: bytes, headers: Mapping[str, str] | None) -> list[str]:
    """Charsets the HTTP header and the page's own <meta> claim, in that order."""
    found: list[str] = []
    for key, value in (headers or {}).items():
        if key.lower() == "content-type" and value:
            match = _HEADER_CHARSET.search(str(value))
            if match:
                found.append(match.group(1))
    match = _META_CHARSET.search(data[:8192])
    if match:
        found.append(match.group(1).decode("ascii", "ignore"))
    return [_canonical(name) for name in found if _canonical(name)]


def _canonical(label: str) -> str | None:
    """Python codec name for a charset label, cp1252 for its WHATWG aliases."""
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 multi-byte sequences clearly outnumber the invalid bytes."""
    good = len(re.findall(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}", data))
    bad = len(data.decode("utf-8", errors="replace").split("\ufffd")) - 1
    return good >= 3 and good >= 4 * bad


def _detect(data: bytes) -> str:
    """Statistical guess; a Latin single-byte guess becomes windows-1252 when it fits.

    Detectors confuse windows-1250/1252/ISO-8859-x on short Western pages; 1252 is by
    far the most common of them on the web.
    """
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    guess = best.encoding if best else "cp1252"
    if _LATIN_FAMILY.match(guess) and _strict(data, "cp1252") is not None:
        return "cp1252"
    return guess


def decode_html(data: bytes | str, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises; undecodable bytes become U+FFFD."""
    if isinstance(data, str):
        return _clean(data), "unicode"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _clean(data.decode(encoding, errors="replace")), encoding
    text = _strict(data, "utf-8")
    if text is not None:
        return _clean(text, data), "utf-8"
    for encoding in declared_charsets(data, headers):
        if encoding in ("utf-8", "utf-16", "utf-32"):
            continue
        text = _strict(data, encoding)
        if text is not None:
            return _clean(text), encoding
    if _mostly_utf8(data):
        return _clean(data.decode("utf-8", errors="newswatch-cp1252")), "utf-8+cp1252"
    encoding = _detect(data)
    return _clean(data.decode(encoding, errors="replace")), encoding


def _clean(text: str, utf8: bytes | None = None) -> str:
    """Drop what lxml refuses in a str: an XML encoding declaration, C0 controls and lone surrogates.

    libxml2 stops at the first lone surrogate (possible only in str input), losing the
    rest of the page; it becomes U+FFFD instead. `utf8` is the page when `text` is its
    strict UTF-8 decoding: then there are no surrogates, and C0 controls are the same
    bytes there, which bytes.translate finds several times faster than a regex scan of the text.
    """
    text = _XML_DECL.sub("", text, count=1)
    if utf8 is not None and len(utf8.translate(None, _CONTROL_BYTES)) == len(utf8):
        return text
    if not _CONTROL_OR_SURROGATE.search(text):
        return text  # the usual case: one scan of the page instead of two
    text = _CONTROL.sub("", text)
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text
