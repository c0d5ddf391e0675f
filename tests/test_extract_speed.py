"""The shortcuts taken for speed give the answers the longer ways gave.

Each test pins one shortcut: the C-level element lookup, the byte scan for control
characters, lenient JSON-LD (through extruct), skipping language detection on short
texts, and htmldate's dateparser restricted to the page language (test_dates_pagesearch).
"""

from __future__ import annotations

import lxml.html
import pytest

from scraper.extract import language
from scraper.extract.decode import decode_html
from scraper.extract.dom import parse_html
from scraper.extract.structured import read_jsonld, read_page


def test_every_element_is_an_html_element_with_its_helpers():
    tree = parse_html("<html><body><form><input name=q><p>Text <b>here</b></p></form><!-- c --></body></html>")
    assert all(isinstance(el, lxml.html.HtmlElement) for el in tree.iter() if isinstance(el.tag, str))
    assert tree.find(".//p").text_content() == "Text here"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"<p>Nul\x00 and \x07bell \xc3\xa9t\xc3\xa9</p>", "<p>Nul and bell été</p>"),
        (b"<p>clean \xc3\xa9t\xc3\xa9\ttab\r\n</p>", "<p>clean été\ttab\r\n</p>"),
        ('<?xml version="1.0" encoding="utf-8"?><p>décl</p>'.encode(), "<p>décl</p>"),
    ],
)
def test_utf8_pages_lose_control_characters_and_nothing_else(raw, expected):
    assert decode_html(raw) == (expected, "utf-8")


def test_str_pages_still_lose_controls_and_lone_surrogates():
    text, _ = decode_html("<p>a\x01b\ud800c</p>")
    assert text == "<p>ab\ufffdc</p>"


def test_jsonld_with_a_comment_line_and_trailing_commas_is_read():
    script = '// generated\n{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbor",}'
    tree = parse_html(f'<html><head><script type="application/ld+json">{script}</script></head><body></body></html>')
    assert read_jsonld(tree) == [{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Harbor"}]


def test_jsonld_lists_raw_newlines_and_broken_scripts():
    good = '[{"@type": "NewsArticle", "headline": "Two\nlines"}, {"@type": "Person", "name": "A"}]'
    tree = parse_html(
        f'<html><head><script type="application/ld+json">{good}</script>'
        '<script type="application/ld+json">{"@type": </script></head><body></body></html>'
    )
    assert [node["@type"] for node in read_jsonld(tree)] == ["NewsArticle", "Person"]


def test_short_text_keeps_the_declared_language_without_detection(monkeypatch):
    tree = parse_html('<html lang="de"><body><p>Kurz.</p></body></html>')
    monkeypatch.setattr(language, "detect", lambda text: pytest.fail("detection is not needed"))
    assert language.language(tree, read_page(tree), "Short English text, but short.") == "de"


def test_long_text_in_another_language_still_overrides_the_declaration():
    tree = parse_html('<html lang="en"><body></body></html>')
    text = "Le conseil municipal a voté hier soir le budget du port et la rénovation du vieux phare. " * 6
    assert language.language(tree, read_page(tree), text) == "fr"
