"""The date a page shows its readers next to the headline (the dateline).

Machine-readable dates are often not the one readers see: a CMS writes the
first-draft time into JSON-LD, a cache layer rewrites `<meta name="date">`, a
republished story keeps its old `article:published_time`. The date printed in the
article header is what the publisher presents as the publication date, so it is
read here: the text in and around the real headline (the <h1> that matches the
page title, not the site logo's), in document order, nearest first. Dates labelled
as updates are kept apart; dates in boxes further away (related links, comments,
"latest news") are never reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from scraper.extract.dateparse import parse_machine
from scraper.extract.dom import text_of

_WORD = re.compile(r"\w+", re.U)
_HIDDEN = re.compile(r"aural|sr-only|visually-?hidden|screen-?reader|offscreen|\blogo", re.I)
_SKIP = {"script", "style", "noscript", "template", "option", "select", "button", "textarea"}
# Containers whose dates belong to something else: quotes and embedded posts, sidebars,
# navigation, footers.
_ELSEWHERE = {"blockquote", "aside", "nav", "footer"}
_HEADINGS = {"h1", "h2", "h3", "h4"}
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hidden|d-none|is-hidden|visually-hidden|sr-only|screen-reader-text)(?:\s|$)")
_H1 = etree.XPath("//h1 | //*[@itemprop='headline'][not(self::meta)]")
_H2 = etree.XPath("//h2")
_INLINE = {"a", "span", "strong", "b", "em", "i", "small", "time", "abbr", "font", "u", "sup", "sub", "mark"}
# Headings that open another story's box: the header zone is over.
_BOUNDARY = re.compile(
    r"^(?:related|read more|more from|more on|most (?:read|popular)|trending|recommended|you may also|"
    r"next (?:story|article)|previous (?:story|article)|comments?\b|leave a (?:reply|comment)|"
    r"lesen sie auch|mehr zum thema|das könnte|weitere (?:artikel|beiträge|nachrichten|meldungen)|ähnliche|"
    r"kommentare?\b|beliebte|meistgelesen|à lire aussi|lire aussi|sur le même sujet|articles? similaires?|"
    r"relacionad|te puede interesar|leggi anche|articoli correlati)",
    re.I,
)
MODIFIED_LABEL = re.compile(
    r"updat|modif|aktualisiert|geändert|bearbeitet|editiert|mis à jour|actualiz|aggiornat|edited|revised|"
    r"zuletzt",
    re.I,
)
PUBLISHED_LABEL = re.compile(r"publi|veröffentlicht|erschienen|erstellt|posted|origin|créé|paru", re.I)
# Text holding a date that is not the publication date: ranges, deadlines, the
# forum's clock, copyright lines, birth dates, events.
NOT_PUBLISHED = re.compile(
    r"\bbis\b|\buntil\b|\btill\b|\bjusqu|\bhasta\b|\bfino al|aktuelle zeit|current time|it is currently|"
    r"heute ist|today is|deadline|frist|gültig|valid|©|copyright|\bborn\b|geboren|\bné(?:e)? le\b|"
    r"\bevent\b|veranstaltung|termin|anmeldeschluss|\bab dem\b|\bnächste|\bnext\b|\bupcoming\b|\bprochaine?\b|"
    r"registriert|registered|joined|beigetreten|mitglied seit|member since|inscrit",
    re.I,
)
_DIGIT = re.compile(r"\d")
# A dateline opening a news paragraph: "Karlsruhe, (12.11.2021). Text...",
# "BERLIN, 3. Mai 2021 – Text...": an optional place and comma, the date (in brackets
# or not), then a full stop, colon or dash before the story starts.
_OPENING_DATELINE = re.compile(
    r"(?:[^\W\d][\w./' -]{1,40}?,\s*)?\(?"
    r"(?P<date>\d{1,4}\.?[/ .-]?\s?(?:\d{1,2}|[^\W\d]{3,12})\.?[/ .,-]\s?\d{2,4}|[^\W\d]{3,12}\.? \d{1,2},? \d{4})"
    r"\)?\s*(?:[.:]\s|[–—]\s?|\s-\s)"
)
_FOLLOWING = 60  # text nodes read after the headline
_PRECEDING = 8  # and before it (kicker lines, category bars)
_AFTER_CHARS = 900  # stop once this much text has passed after the headline (the body has begun)
_BEFORE_CHARS = 300  # and before it (the navigation is there)
_IN_HEADLINE = 30  # a date inside the headline counts only as its own short element (not "Meeting of 10 May")
_SHORT_TITLE = 3  # title words an <h1> must all hold to count as the full headline of a shortened title
_COVERS_TITLE = 0.75
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{1,40}$")  # "Headline | Site Name"
_RUNNING = 200  # a block this long is running text: only a dateline at its very start counts


@dataclass
class Shown:
    """A date printed near the headline; `updated` when its label says it is an update."""

    value: date | datetime
    updated: bool
    distance: int = 0  # characters of text between the headline and the date

    @property
    def day(self) -> date:
        return self.value.date() if isinstance(self.value, datetime) else self.value


def headline(tree: etree._Element, title: str | None) -> etree._Element | None:
    """The <h1> (or itemprop=headline) whose words best match the page title.

    Many templates put the site name in an <h1> before the article's; without a title
    to compare with, the first visible <h1> is used. An <h1> holding every word of a
    shortened title ("How to Care for Hydrangeas" for a longer headline) matches it as
    well as a heading that is close to the title word for word.
    """
    wanted = set(_WORD.findall((title or "").lower()))
    shortened = set(_WORD.findall(_SITE_SUFFIX.sub("", title or "").lower()))
    first, best, best_score = None, None, 0.5
    # A real <h1> before an itemprop=headline copy in a microdata block, on equal match;
    # the <h2>s are looked up only when no <h1> matches.
    for find in (lambda: sorted(_H1(tree)[:20], key=lambda e: e.tag != "h1"), lambda: _H2(tree)[:20]):
        for element in find():
            if _HIDDEN.search(f"{element.get('class', '')} {element.get('id', '')}"):
                continue
            words = set(_WORD.findall(text_of(element).lower()))
            if not words:
                continue
            first = first if first is not None or element.tag != "h1" else element
            common = len(words & wanted)
            score = common / len(words) if common >= 0.4 * len(wanted) else 0.0
            if element.tag == "h1" and len(shortened) >= _SHORT_TITLE and shortened <= words:
                score = max(score, _COVERS_TITLE)  # the title is the headline shortened
            if score > best_score:
                best, best_score = element, score
        if best is not None:
            return best
    return first


def _elsewhere(holder: etree._Element) -> bool:
    """In a box that holds other content, or hidden from readers."""
    if _hidden(holder) or _hidden(holder.getparent()):
        return True
    return any(isinstance(a.tag, str) and a.tag in _ELSEWHERE for a in holder.iterancestors())


def _hidden(element: etree._Element | None) -> bool:
    if element is None:
        return False
    style = (element.get("style") or "").replace(" ", "").lower()
    return (
        element.get("hidden") is not None
        or "display:none" in style
        or bool(_HIDDEN_CLASS.search(element.get("class") or ""))
    )


def _other_story(holder: etree._Element, head: etree._Element, head_line: set[etree._Element]) -> bool:
    """Inside another teaser: a linked heading, or an <article> that does not hold the headline."""
    for element in (holder, *holder.iterancestors()):
        if element.tag in _HEADINGS and element is not head and element.find(".//a") is not None:
            return True
        if element.tag == "article":
            return element not in head_line
    return False


def _texts(element: etree._Element) -> Iterator[tuple[str | None, etree._Element]]:
    """(text, element holding it) of a subtree in document order, scripts and styles skipped."""
    for node in element.iter():
        if isinstance(node.tag, str) and node.tag not in _SKIP:
            yield node.text, node
        if node is not element:
            yield node.tail, node.getparent()


def _following(anchor: etree._Element) -> Iterator[tuple[str | None, etree._Element]]:
    """Texts after the anchor's subtree, in document order (the XPath following axis)."""
    node: etree._Element | None = anchor
    while node is not None and node.getparent() is not None:
        yield node.tail, node.getparent()
        for sibling in node.itersiblings():
            yield from _texts(sibling)
            yield sibling.tail, sibling.getparent()
        node = node.getparent()


def _backwards(element: etree._Element) -> Iterator[tuple[str | None, etree._Element]]:
    """Texts of a subtree in reverse document order, lazily (a page header can be large)."""
    if not isinstance(element.tag, str) or element.tag in _SKIP:
        return
    for child in reversed(element):
        yield child.tail, element
        yield from _backwards(child)
    yield element.text, element


def _preceding(anchor: etree._Element) -> Iterator[tuple[str | None, etree._Element]]:
    """Texts before the anchor, nearest first (the XPath preceding axis, ancestors' own text included)."""
    node: etree._Element | None = anchor
    while node is not None and node.getparent() is not None:
        for sibling in node.itersiblings(preceding=True):
            yield sibling.tail, sibling.getparent()
            yield from _backwards(sibling)
        node = node.getparent()
        yield node.text, node


def _pieces(texts: Iterator[tuple[str | None, etree._Element]], limit: int) -> Iterator[tuple[str, etree._Element]]:
    """The first `limit` non-blank texts, whitespace collapsed."""
    for text, holder in texts:
        if text and not text.isspace() and holder is not None:
            yield " ".join(text.split()), holder
            limit -= 1
            if limit <= 0:
                return


def _in_running_text(text: str, holder: etree._Element) -> bool:
    """A fragment of a paragraph ("... die am 28.12.2012 in Kraft ...") rather than a dateline.

    The paragraph is the nearest non-inline ancestor, measured by its own text (not that
    of nested blocks, so a container holding the whole article is not a paragraph). Only
    a short piece opening the paragraph ("Karlsruhe, (12.11.2021).") is a dateline.
    """
    block = holder
    while block.tag in _INLINE and block.getparent() is not None:
        block = block.getparent()
    own = [block.text or ""]
    for child in block:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            own.append(child.text_content())
        own.append(child.tail or "")
    whole = " ".join(" ".join(own).split())
    return len(whole) > _RUNNING and (len(text) > 60 or not whole.startswith(text[:20]))


def _after(head: etree._Element) -> Iterator[tuple[int, str, str, etree._Element]]:
    """(distance, text, label, element) in the headline's own short elements, then after it."""
    for text, holder in _pieces(_texts(head), 20):
        if holder is not head and len(text) <= _IN_HEADLINE:
            yield 0, text, "", holder
    previous, passed, head_line = text_of(head)[-40:], 0, set(head.iterancestors())
    for text, holder in _pieces(_following(head), _FOLLOWING):
        if passed > _AFTER_CHARS or _BOUNDARY.match(text) or _other_story(holder, head, head_line):
            return
        if not _elsewhere(holder):
            if not _in_running_text(text, holder):
                yield passed, text, previous if len(previous) <= 40 else "", holder
            elif opening := _OPENING_DATELINE.match(text):
                yield passed, opening["date"], "", holder
        previous = text
        passed += len(text)


def _before(head: etree._Element) -> Iterator[tuple[int, str, str, etree._Element]]:
    """(distance, text, label, element) before the headline, nearest first."""
    pieces = list(_pieces(_preceding(head), _PRECEDING))
    passed, head_line = 0, set(head.iterancestors())
    for index, (text, holder) in enumerate(pieces):
        if passed > _BEFORE_CHARS or _BOUNDARY.match(text) or _other_story(holder, head, head_line):
            return
        label = pieces[index + 1][0] if index + 1 < len(pieces) else ""
        if not _elsewhere(holder):
            yield passed, text, label if len(label) <= 40 else "", holder
        passed += len(text)


def _machine_value(holder: etree._Element) -> date | datetime | None:
    """The datetime attribute of a <time> (or its parent) holding the text, if any."""
    for element in (holder, holder.getparent()):
        if element is not None and element.tag == "time" and element.get("datetime"):
            return parse_machine(element.get("datetime", ""))
    return None


Reader = Callable[[str], date | datetime | None]


def _labelled(text: str) -> tuple[str, bool]:
    """The part of a text that dates the publication, and whether it is an update.

    "Updated March 3" is an update; "January 19 / Updated 8 hours ago" is not (the
    label follows the date); "Last updated 4 Jun, originally created 17 Jun" is read
    after its publication label.
    """
    changed, made = MODIFIED_LABEL.search(text), PUBLISHED_LABEL.search(text)
    if changed is None:
        return text, False
    if made is not None:
        return (text[made.end() :] if made.start() > changed.start() else text[: changed.start()]), False
    digit = _DIGIT.search(text)
    if digit is not None and changed.start() < digit.start():
        return text[changed.end() :], True
    return text[: changed.start()], False


def read(text: str, label: str, holder: etree._Element, parse: Reader) -> Shown | None:
    """The date in one piece of header text, or None when it holds none (or not a publication date)."""
    if not _DIGIT.search(text) or len(text) > 200 or NOT_PUBLISHED.search(text) or NOT_PUBLISHED.search(label):
        return None
    if len(text) > 80 and not PUBLISHED_LABEL.search(text):
        return None
    part, updated = _labelled(text)
    value = parse(part) if _DIGIT.search(part) else None
    if value is None:
        return None
    machine = _machine_value(holder)
    if machine is not None and _day(machine) == _day(value):
        value = machine
    if MODIFIED_LABEL.search(label) and not PUBLISHED_LABEL.search(text):
        updated = True
    if holder.get("itemprop") == "dateModified":
        updated = True
    return Shown(value, updated)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def shown_dates(tree: etree._Element, title: str | None, parse: Reader) -> tuple[Shown | None, Shown | None]:
    """(publication date, update date) printed nearest the headline; either may be None."""
    head = headline(tree, title)
    if head is None:
        return None, None
    published: tuple[int, Shown] | None = None
    updated: tuple[int, Shown] | None = None
    for side in (_after(head), _before(head)):
        for distance, text, label, holder in side:
            if published is not None and distance >= published[0]:
                break
            found = read(text, label, holder, parse)
            if found is None:
                continue
            found.distance = distance
            if not found.updated:
                published = (distance, found)
            elif updated is None or distance < updated[0]:
                updated = (distance, found)
    return (published[1] if published else None), (updated[1] if updated else None)
