"""jusText's stop-words, held once per process.

trafilatura's careful mode classifies paragraphs with jusText against the stop-words of
every language: it builds a tuple of 154,484 words, and jusText caches a lower-cased
frozenset copy of it (keyed by that tuple): 32 MB in each extraction worker. Here the
list is one lower-cased frozenset from the start, which jusText uses as it is. The
words and the classification are the same (jusText lower-cases the list it is given).
"""

from __future__ import annotations

import justext.core
import trafilatura.external
from justext.utils import get_stoplist, get_stoplists

_define_stoplist = justext.core.define_stoplist


def _define_stoplist_once(stoplist):
    """The all-languages list is already what jusText would make of it."""
    if stoplist is trafilatura.external.JT_STOPLIST and isinstance(stoplist, frozenset):
        return stoplist
    return _define_stoplist(stoplist)


def all_languages() -> frozenset[str]:
    """Every jusText stop-word, lower-cased (what trafilatura's careful mode uses)."""
    if not isinstance(trafilatura.external.JT_STOPLIST, frozenset):
        trafilatura.external.JT_STOPLIST = frozenset(
            word.lower() for language in get_stoplists() for word in get_stoplist(language))
    return trafilatura.external.JT_STOPLIST


def install() -> None:
    """trafilatura builds the list on first use as this frozenset, and jusText takes it
    as it is."""
    trafilatura.external.jt_stoplist_init = all_languages
    justext.core.define_stoplist = _define_stoplist_once
