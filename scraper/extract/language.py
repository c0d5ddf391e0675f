"""Language of an article as an ISO 639-1 code.

The declared language (<html lang>, og:locale, JSON-LD inLanguage) is usually right
but CMS templates often hard-code "en" on every page; a long text whose detected
language disagrees wins over the declaration.
"""

from __future__ import annotations

import re

from lxml import etree

from scraper.extract.langmodel import load_identifier
from scraper.extract.structured import PageData, as_text

LONG_TEXT = 400
_CODE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]+)*$")


def iso_code(value: str | None) -> str | None:
    """ "en-US" / "fr_FR" / "de" -> two-letter lower-case code, else None."""
    if not value:
        return None
    match = _CODE.match(value.strip())
    if not match or len(match.group(1)) != 2:
        return None
    return match.group(1).lower()


def declared(tree: etree._Element, page: PageData) -> str | None:
    """The language the page says it is in."""
    node = page.main_node() or {}
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        as_text(node.get("inLanguage")),
        page.first_meta("og:locale", "content-language", "language", "dc.language"),
    ]
    for candidate in candidates:
        code = iso_code(candidate)
        if code:
            return code
    return None


def detect(text: str) -> tuple[str | None, float]:
    """py3langid's guess and its normalised probability."""
    if not text or len(text) < 20:
        return None, 0.0
    try:
        code, probability = _IDENTIFIER.classify(text[:2500])
    except Exception:  # noqa: BLE001 - detection is best-effort
        return None, 0.0
    return code, float(probability)


def language(tree: etree._Element, page: PageData, text: str) -> str | None:
    """Declared language unless a confident detection on a long text disagrees."""
    stated = declared(tree, page)
    if stated is not None and len(text) < LONG_TEXT:
        return stated  # a short text never overrides the declaration: no need to detect
    guess, probability = detect(text)
    if stated is None:
        return guess if probability >= 0.5 or len(text) >= LONG_TEXT else None
    if guess and guess != stated and len(text) >= LONG_TEXT and probability >= 0.9:
        return guess
    return stated


_IDENTIFIER = load_identifier()
