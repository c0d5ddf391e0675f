"""Text normalisation shared by extraction and matching (pure functions).

Every piece of text that leaves the extractor goes through here once, and is stored
as the publisher wrote it: only what is broken is repaired (mojibake, control
characters, lone surrogates, zero-width characters that only split words) and
Unicode is put in NFC. Typography is never restyled: curly quotes, apostrophes,
dashes, ellipses and a no-break or thin space stay, since a user who quotes from the
database must quote the article. Runs of whitespace become one space and paragraphs
are separated by one blank line: that is our text format, not typography. Folding
quotes and dashes for comparison is the reader's job (scraper.match.text.fold for
the matcher; the FTS5 tokenizer already treats them as separators).
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.badness

# ftfy settings: repair encoding damage only. Quotes keep their shape, full-width
# characters stay (they are legitimate in CJK text) and HTML entities in plain text
# are never decoded on a guess.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_character_width=False,
    uncurl_quotes=False,
    normalization="NFC",
    explain=False,
)

# Invisible characters that only split words for matching and search: zero-width
# space, word joiner, BOM, soft hyphen. The zero-width (non-)joiners are kept: they are
# spelling in Persian and Indic scripts, and hold emoji sequences together.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
# Horizontal whitespace: ASCII blanks, and the no-break and typographic spaces.
_HSPACE_CHARS = " \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
# A run of two or more, or a lone tab/form feed: our format says one plain space. A
# single no-break or thin space is the publisher's typography ("10\u202f000", "« oui »").
_HSPACE_RUN = re.compile(f"[{_HSPACE_CHARS}]{{2,}}|[\t\f\v]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Characters ftfy repairs beyond mojibake: C0/C1 controls, surrogates, escape sequences,
# the replacement character, Latin ligatures.
# A stretch of ASCII too long to hold a mojibake sequence away from its ends (see _looks_clean).
_LONG_ASCII = re.compile(r"[\x00-\x7f]{17,}")
_SUSPECT = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufb00-\ufb06]")


def fix_encoding(text: str) -> str:
    """Repair mojibake ("CafÃ©" -> "Café") and normalise to NFC; nothing else changes.

    Pages are often decoded with the wrong charset somewhere upstream of us (CMS,
    feed, proxy); ftfy undoes that reliably without harming correct text.
    """
    if not text:
        return ""
    if _looks_clean(text):
        # ftfy works line by line and is slow on long texts; clean text only needs NFC
        return unicodedata.normalize("NFC", text)
    fixed = ftfy.fix_text(text, config=_FTFY)
    # a replacement character left after repair (an invalid character reference, a lone
    # surrogate) carries nothing a reader or the matcher could use
    return unicodedata.normalize("NFC", fixed.replace("\ufffd", ""))


def _looks_clean(text: str) -> bool:
    """No mojibake, control characters or lone surrogates: nothing for ftfy to repair.

    ftfy's mojibake test is one large regex tried at every position: slow on a long
    text. Each of its sequences is at most 7 characters long and holds a non-ASCII
    character, so it is run on the text with every ASCII stretch longer than 16
    characters cut down to its first and last 8: the same answer, in a third of the time.
    """
    if _SUSPECT.search(text):
        return False
    if text.isascii():
        return True
    return not ftfy.badness.is_bad(_LONG_ASCII.sub(_ends_of, text))


def _ends_of(match: re.Match[str]) -> str:
    run = match.group()
    return f"{run[:8]}\n{run[-8:]}"


def _one_line(text: str) -> str:
    """Runs of blanks to one space, ends trimmed; a single typographic space is kept."""
    return _HSPACE_RUN.sub(" ", text).strip()


def normalize_inline(text: str | None) -> str:
    """Clean a one-line value (title, description): one space between words."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", fix_encoding(text))
    return _one_line(re.sub(r"\s*[\n\r\u2028\u2029\x85]\s*", " ", text))


def normalize_text(text: str | None) -> str:
    """Clean running text, keeping paragraphs separated by exactly one blank line.

    Single line breaks inside the input are treated as paragraph breaks, because the
    extractors emit one block element per line.
    """
    if not text:
        return ""
    text = _INVISIBLE.sub("", _NEWLINES.sub("\n", fix_encoding(text)))
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        for line in block.split("\n"):
            line = _one_line(line)
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
