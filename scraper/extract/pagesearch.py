"""htmldate's page-wide date search, with dateparser limited to the page's language.

htmldate's thorough mode hands strings its own patterns cannot read to dateparser in
every language dateparser knows. The first such call compiles the regexes of some two
hundred locales (seconds, once per process, more than all other date work on hundreds
of pages), and a string is then read as whichever locale happens to fit it. We know
the page's language, so dateparser is given that one only: the page's dates are read
as the page means them, and the start-up cost is that of one locale.

htmldate has no option for this; its `get_external_parser` hook is replaced once, at
import, by one that answers with the language of the search under way (a context
variable) and with htmldate's own all-language parser otherwise, so any other htmldate
use in the process is unchanged.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from typing import Any

import dateparser.data
import htmldate
import htmldate.extractors as _extractors
from dateparser import DateDataParser

# htmldate's own settings for its external parser (htmldate.extractors.get_external_parser).
_SETTINGS = {
    "NORMALIZE": True,
    "PARSERS": ["custom-formats", "absolute-time"],
    "PREFER_DATES_FROM": "past",
    "PREFER_LOCALE_DATE_ORDER": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "STRICT_PARSING": True,
}
_LANGUAGE: ContextVar[str | None] = ContextVar("htmldate_page_language", default=None)
_ALL_LANGUAGES = _extractors.get_external_parser
_last_language: list[str | None] = [None]


@cache
def _parser_for(language: str) -> DateDataParser:
    return DateDataParser(languages=[language], settings=_SETTINGS)


def _external_parser() -> DateDataParser:
    """The parser htmldate's thorough mode uses: the page's language when known to dateparser."""
    language = _LANGUAGE.get()
    if language and language in dateparser.data.language_order:
        return _parser_for(language)
    return _ALL_LANGUAGES()


_extractors.get_external_parser = _external_parser


def find_date(tree: Any, language: str | None, **options: Any) -> str | None:
    """`htmldate.find_date` on a parsed tree, dateparser reading only `language`.

    htmldate caches its string-to-date answers without the language, so the cache is
    emptied when the language changes: a string is never read in another page's language.
    """
    if language != _last_language[0]:
        _extractors.try_date_expr.cache_clear()
        _last_language[0] = language
    token = _LANGUAGE.set(language)
    try:
        return htmldate.find_date(tree, **options)
    finally:
        _LANGUAGE.reset(token)

