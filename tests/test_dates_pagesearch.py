"""htmldate's thorough page search reads dates in the page's language only (pagesearch.py)."""

from __future__ import annotations

import htmldate.extractors
import lxml.html
import pytest

from scraper.extract import pagesearch


def _tree(text: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body><p>Sans date.</p><div class='x'>{text}</div></body></html>")


def _search(text: str, language: str | None) -> str | None:
    return pagesearch.find_date(_tree(text), language, extensive_search=True, original_date=True)


def test_dateparser_reads_the_page_language():
    assert _search("8 kwietnia 2020", "pl") == "2020-04-08"
    assert _search("miércoles 8 de abril de 2020", "es") == "2020-04-08"


@pytest.fixture
def parser_languages(monkeypatch) -> list:
    """The languages of htmldate's dateparser at each call it makes, in order."""
    seen = []
    original = htmldate.extractors._external_date

    def spy(string):
        seen.append(htmldate.extractors.get_external_parser().languages)
        return original(string)

    monkeypatch.setattr(htmldate.extractors, "_external_date", spy)
    return seen


def test_parser_is_limited_to_the_page_language_during_the_search_only(parser_languages):
    _search("8 kwietnia 2020", "pl")
    assert parser_languages == [["pl"]]
    assert htmldate.extractors.get_external_parser().languages is None  # htmldate's own, all languages


def test_unknown_or_missing_language_falls_back_to_all_languages(parser_languages):
    seen = parser_languages
    for language in ("zz", None):
        _search(f"{language} 8 kwietnia 2020", language)
    assert seen == [None, None]


def test_cached_answers_are_not_reused_for_another_language():
    # Spanish month names mean nothing on a Polish page: only the year is left there
    assert _search("8 abril 2020", "es") == "2020-04-08"
    assert _search("8 abril 2020", "pl") == "2020-01-01"
    assert _search("8 abril 2020", "es") == "2020-04-08"
