"""Text normalisation shared by extraction and matching (pure functions).

Everything downstream (watchlist matching, de-duplication, the database) compares
strings, so every piece of text that leaves the extractor goes through here once:
mojibake repaired, Unicode in NFC, typographic quotes straightened and whitespace
collapsed. Paragraph breaks ("\\n\\n") are the only structure kept.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.badness
import ftfy.fixes

# ftfy settings: repair encoding damage and straighten quotes, but leave full-width
# characters alone (they are legitimate in CJK text) and never touch HTML entities
# in plain text on a guess.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_character_width=False,
    uncurl_quotes=True,
    normalization="NFC",
    explain=False,
)

# Quotes ftfy does not straighten (guillemets are kept: they are real punctuation).
_QUOTES = str.maketrans(
    {
        "\u201a": "'",  # single low-9
        "\u201b": "'",
        "\u2032": "'",  # prime, often misused as apostrophe
        "\u201e": '"',  # double low-9 (German opening quote)
        "\u201f": '"',
        "\u2033": '"',
        "\u00b4": "'",  # acute accent used as apostrophe
        "\u02bc": "'",  # modifier letter apostrophe
    }
)

# Invisible characters that split words for matching: zero-width space/joiners, BOM,
# soft hyphen, word joiner.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# All horizontal whitespace, including no-break and the typographic spaces.
_HSPACE = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Characters ftfy repairs beyond mojibake: C0/C1 controls, surrogates, escape sequences,
# the replacement character, Latin ligatures.
_SUSPECT = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufb00-\ufb06]")


def fix_encoding(text: str) -> str:
    """Repair mojibake ("CafÃ©" -> "Café") and normalise to NFC.

    Pages are often decoded with the wrong charset somewhere upstream of us (CMS,
    feed, proxy); ftfy undoes that reliably without harming correct text.
    """
    if not text:
        return ""
    if _looks_clean(text):
        # ftfy works line by line and is slow on long texts; clean text only needs
        # the quote and normalisation steps.
        return unicodedata.normalize("NFC", ftfy.fixes.uncurl_quotes(text))
    fixed = ftfy.fix_text(text, config=_FTFY)
    # a replacement character left after repair (an invalid character reference, a lone
    # surrogate) carries nothing a reader or the matcher could use
    return unicodedata.normalize("NFC", fixed.replace("\ufffd", ""))


def _looks_clean(text: str) -> bool:
    """No mojibake, control characters or lone surrogates: nothing for ftfy to repair."""
    return not _SUSPECT.search(text) and not ftfy.badness.is_bad(text)


def straighten_quotes(text: str) -> str:
    """Map typographic quotes and apostrophes to ASCII so "O’Brien" matches "O'Brien"."""
    return text.translate(_QUOTES)


def normalize_inline(text: str | None) -> str:
    """Clean a one-line value (title, author, description): one space between words."""
    if not text:
        return ""
    text = straighten_quotes(fix_encoding(text))
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def normalize_text(text: str | None) -> str:
    """Clean running text, keeping paragraphs separated by exactly one blank line.

    Single line breaks inside the input are treated as paragraph breaks, because the
    extractors emit one block element per line.
    """
    if not text:
        return ""
    text = straighten_quotes(fix_encoding(text))
    text = _INVISIBLE.sub("", _NEWLINES.sub("\n", text))
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        for line in block.split("\n"):
            line = _HSPACE.sub(" ", line).strip()
            if line:
                paragraphs.append(line)
    return "\n\n".join(paragraphs)


def squash(text: str | None) -> str:
    """Lower-case, accent-free, alphanumeric-only key for comparing two strings loosely.

    Used to see whether the first paragraph repeats the title or whether a name is
    really the site's name, regardless of punctuation and case.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", kept))
