"""Tests for scraper.extract.normalize (pure text clean-up)."""

from __future__ import annotations

import unicodedata

from scraper.extract.normalize import fix_encoding, normalize_inline, normalize_text, squash


def test_mojibake_repaired():
    assert fix_encoding("CafÃ© Ã  Paris") == "Café à Paris"
    assert fix_encoding("lâ€™Ã©tÃ©") == "l’été"


def test_nfc():
    decomposed = "Cafe\u0301"
    assert fix_encoding(decomposed) == "Café"
    assert unicodedata.is_normalized("NFC", normalize_text(decomposed))


def test_typography_kept_as_published():
    assert normalize_text("„Guten Tag“") == "„Guten Tag“"
    assert normalize_inline("O’Brien said “yes” – twice…") == "O’Brien said “yes” – twice…"
    assert normalize_inline("‚single‘") == "‚single‘"
    assert normalize_text("Ça coûte 10\u202f000 €, « oui »") == "Ça coûte 10\u202f000 €, « oui »"


def test_guillemets_kept():
    assert normalize_inline("« Bonjour »") == "« Bonjour »"


def test_inline_whitespace():
    assert normalize_inline("  Ann\u00a0 Lee \n\t and\u2009Bo  ") == "Ann Lee and\u2009Bo"
    assert normalize_inline(None) == ""
    assert normalize_inline("zero\u200bwidth soft\u00adhyphen") == "zerowidth softhyphen"


def test_text_paragraphs():
    raw = "First  paragraph\r\nsecond line\n\n\n\n  Third\u00a0 one \u2028Fourth"
    assert normalize_text(raw) == "First paragraph\n\nsecond line\n\nThird one\n\nFourth"
    assert normalize_text("") == ""
    assert normalize_text(None) == ""


def test_html_entities_left_alone_in_plain_text():
    assert normalize_inline("AT&amp;T") == "AT&amp;T"


def test_squash():
    assert squash("Émile  Zola!") == "emile zola"
    assert squash("The DAILY-Planet") == "the daily planet"
    assert squash(None) == ""


def test_mojibake_found_inside_long_ascii_text():
    filler = "Plain ASCII words go on and on for a while here. " * 20
    for damaged in ("CafÃ© crÃ¨me", "lâ€™Ã©tÃ©", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"):
        repaired = fix_encoding(f"{filler}{damaged} {filler}")
        assert damaged not in repaired and "Ã" not in repaired and "â€" not in repaired
    assert fix_encoding(f"{filler}“Fine” — and naïve. {filler}") == f"{filler}“Fine” — and naïve. {filler}"
