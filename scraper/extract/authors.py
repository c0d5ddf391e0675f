"""Author names: from JSON-LD, meta tags and bylines, cleaned to person names.

Bylines mix names with prefixes ("By"), roles ("Staff Writer"), agencies, e-mail
addresses and profile URLs; the watchlist and the reports want only the people.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from scraper.extract.dom import near_headline, text_of
from scraper.extract.normalize import normalize_inline, squash
from scraper.extract.structured import PageData, as_list, as_text, node_types

_PREFIX = re.compile(
    r"^(?:(?:written|reported|posted|photos?|text|story|words)\s+)?"
    r"(?:by|von|par|por|door|af|av|przez|auteur|autor|author|written by|text)\s*[:\-]?\s+",
    re.I,
)
_ROLE_WORDS = (
    r"senior|chief|staff|contributing|special|political|foreign|national|international|deputy|"
    r"managing|executive|associate|assistant|freelance|guest|sports?|business|technology|tech|"
    r"entertainment|news|investigative|legal|health|science|white house|city|editor[- ]at[- ]large|"
    r"correspondents?|writers?|editors?|reporters?|journalists?|columnists?|contributors?|"
    r"photographers?|producers?|analysts?|critics?|bureau chief|anchor|host|intern|"
    r"redakteur(?:in)?|redaktion|journaliste|rédacteur|rédactrice|correspondant(?:e)?|envoyée? spéciale?|"
    r"redactor(?:a)?|corresponsal|periodista|giornalista|inviato"
)
_ROLE_ONLY = re.compile(rf"^(?:(?:the|a|an|and|&|of|for|at|in)\s+|(?:{_ROLE_WORDS})\b\s*)+$", re.I)
_ROLE_TAIL = re.compile(rf"(?:\s*[,\-–—|/]?\s*(?:{_ROLE_WORDS})\b)+\s*$", re.I)
# Conjunctions are matched in lower case only ("AND" aside): "Bruce Y. Lee" is one person.
_SPLIT = re.compile(r"\s*(?:,|;|\||/|&|\b(?:and|AND|And|und|et|y|e|en|og|och|with|With)\b)\s*")
# Lower-case words allowed inside a name ("Ludwig van Beethoven", "Ana de la Cruz").
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "das",
    "dos",
    "du",
    "la",
    "le",
    "ter",
    "ten",
    "bin",
    "ibn",
    "al",
    "el",
    "y",
    "e",
    "zu",
    "af",
    "st.",
}
_BARE_PREFIX = {"by", "von", "par", "por", "door", "di", "de", "af", "av", "przez", "author", "autor", "text"}
# A weekday or month glued to a name by a template ("Jeff FoustMonday").
_GLUED_DATE = re.compile(
    r"(?<=[a-z])(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|"
    r"June|July|August|September|October|November|December)\b.*$"
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|net|de|fr|co\.uk)\b", re.I)
_NOT_PERSON = re.compile(
    r"\b(?:staff|admin|administrator|editorial|newsroom|team|desk|redaktion|rédaction|redacción|"
    r"news|press|media|agency|agence|wire|service|services|online|magazine|daily|times|post|"
    r"herald|tribune|journal|gazette|network|reuters|afp|dpa|ap|apa|ansa|efe|bloomberg|"
    r"associated|presse|group|inc|ltd|llc|gmbh|corp|company|publishing|guest|anonymous|"
    r"unknown|contributor|contributors|website|blog|radio|tv|television|channel|sponsored|design|studios?|architects)\b",
    re.I,
)
# The plain contains() tests first: normalize-space() builds a string for every element.
_BYLINE_XPATH = etree.XPath(
    "//*[@rel='author' or @itemprop='author' or ((contains(@class, 'author') or contains(@class, 'byline')) and ("
    "contains(concat(' ', normalize-space(@class), ' '), ' byline')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' author ')"
    " or contains(@class, 'author-name') or contains(@class, 'authorName') or contains(@class, 'author__name')"
    " or contains(@class, 'byline__name') or contains(@class, 'article-author')))]"
)


def clean_author_string(raw: str, site: str | None = None, host: str | None = None) -> list[str]:
    """Split one byline string into clean person names ("By A and B, Staff" -> [A, B])."""
    text = " ".join(normalize_inline(raw).split())  # a name is a value: plain spaces
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    text = _PREFIX.sub("", text.strip(" :-–—|"))
    names = []
    for piece in _SPLIT.split(text):
        name = clean_name(piece, site, host)
        if name:
            names.append(name)
    return names


def _looks_like_person(piece: str) -> bool:
    """Capitalised words (particles aside), no leading article, no possessive."""
    words = piece.split()
    if not 1 <= len(words) <= 5 or len(piece) > 60 or re.search(r"[\d@#:/<>{}=_()\[\]]", piece):
        return False
    if _NOT_PERSON.search(piece) or words[0].lower() in ("the", "a", "an", "le", "la", "der", "die", "das", "el"):
        return False
    if re.search(r"\w['’]s?(?:\s|$)", piece) and not re.search(r"\b[OD]['’]\w", piece):
        return False
    return all(w[:1].isupper() or w.lower() in _PARTICLES for w in words)


def _is_site(piece: str, site: str | None, host: str | None) -> bool:
    """The publication's own name (or its domain) standing in for an author."""
    key = squash(piece)
    keys = {key, key.replace(" ", ""), key.removeprefix("the ").replace(" ", "")}
    if site:
        site_key = squash(site)
        if keys & {site_key, site_key.replace(" ", ""), site_key.removeprefix("the ").replace(" ", "")}:
            return True
    labels = {label for label in (host or "").lower().split(".") if len(label) > 3}
    return bool(keys & labels)


def clean_name(piece: str, site: str | None = None, host: str | None = None) -> str | None:
    """One candidate name, or None when it is a role, an organisation or noise."""
    piece = _GLUED_DATE.sub("", _PREFIX.sub("", piece.strip(" .:-–—|,·•'\"‘’“”„«»")))
    if not piece or _ROLE_ONLY.match(piece) or piece.lower() in _BARE_PREFIX:
        return None
    piece = _ROLE_TAIL.sub("", piece).strip(" .:-–—|,")
    if not _looks_like_person(piece) or _is_site(piece, site, host):
        return None
    if piece.isupper() and len(piece.split()) == 1:
        return None
    if piece.isupper():
        piece = piece.title()
    return piece


def _jsonld_authors(page: PageData) -> list[str]:
    raw: list[str] = []
    node = page.main_node() or {}
    for author in as_list(node.get("author")) + as_list(node.get("creator")):
        if isinstance(author, dict) and node_types(author) & {"organization", "newsmediaorganization", "corporation"}:
            continue
        name = as_text(author.get("name")) if isinstance(author, dict) else as_text(author)
        if name:
            raw.append(name)
    return raw


def _byline_texts(tree: etree._Element) -> list[str]:
    texts = []
    for element in _BYLINE_XPATH(tree)[:10]:
        named = element.xpath(".//*[@itemprop='name']")
        value = text_of(named[0]) if named else element.get("content") or text_of(element)
        if value and len(value) <= 120:
            texts.append(value)
    return texts


_BYLINE_IN_TEXT = re.compile(
    r"(?:^|\s)(?:[Bb]y|[Pp]ar|[Vv]on|[Pp]or|[Dd]oor|di)\s+((?:[A-Z][\w'’.-]+\s*){2,4}"
    r"(?:(?:and|und|et|y|e|&)\s+(?:[A-Z][\w'’.-]+\s*){2,4})?)",
)


def _text_bylines(tree: etree._Element) -> list[str]:
    """ "Publié le ... par Claire Dubois": names after by/par/von near the headline."""
    found = []
    for piece in near_headline(tree):
        if len(piece) <= 120:
            match = _BYLINE_IN_TEXT.search(piece)
            if match:
                found.append(match.group(1))
    return found[:3]


def authors(tree: etree._Element, page: PageData, site: str | None = None, url: str | None = None) -> list[str]:
    """Person names from the most reliable source that gives any."""
    host = urlsplit(url or "").hostname
    article_author = [v for v in page.meta.get("article:author", []) if not _URL.search(v)]
    sources: list[Callable[[], list[Any]]] = [
        lambda: _jsonld_authors(page),
        lambda: page.meta.get("author", []) + page.meta.get("dc.creator", []) + page.meta.get("sailthru.author", []),
        lambda: article_author + page.meta.get("parsely-author", []),
        lambda: _byline_texts(tree),
        lambda: _text_bylines(tree),
    ]
    for source in sources:
        names: list[str] = []
        for value in source():
            for name in clean_author_string(str(value), site, host):
                if squash(name) not in {squash(n) for n in names}:
                    names.append(name)
        if names:
            return names[:10]
    return []
