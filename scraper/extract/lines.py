"""Line-level clean-up of extracted text: the boilerplate that survives block pruning.

Extractors decide block by block; what slips through is small: a share prompt, a
"Follow us on Twitter" line, a reprint notice, "You may also like" followed by three
headline links, the headline or a dateline repeated above the story. Each is one
line, recognisable by its wording or by being nothing but link text, so it is
removed here. Rules stay generic (several languages, no site names); a line that
is long running text is never removed by wording alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scraper.extract.dateparse import parse_iso, parse_month_name, parse_numeric
from scraper.extract.normalize import normalize_text, squash

_SHORT = 250  # a line longer than this is running text, whatever words it uses
_MAX_TAG = 100  # characters of one item of a tag list

_BOILERPLATE_LINE = re.compile(
    r"^(?:advertisement|advertisment|anzeige|publicité|publicidad|pubblicità|reklama|sponsored(?: content)?|"
    r"story continues below(?: advertisement)?|continue reading(?: below)?|scroll to continue.*|"
    r"most (?:read|popular|viewed)|trending(?: now)?|related(?: articles| stories| content)?|"
    r"share(?: this)?(?: article| story| on \w+)?|click to share.*|tweet|pin it|email|print|"
    r"(?:read|see) (?:more|also|next)\b.{0,150}|related:.{0,150}|also read:.{0,150}|"
    r"lesen sie auch.{0,150}|mehr zum thema.{0,150}|(?:à )?lire aussi.{0,150}|lee también.{0,150}|"
    r"leggi anche.{0,150}|image:?|photo:?|photos|getty images|copyright.{0,80}|©.{0,80}|all rights reserved\.?|"
    r"tags?:?|schlagworte:?|etiquetas:?|mots-clés:?|more:?|order reprints|print article|reprints?|thank you\.?|"
    r"an error has occurred.{0,60}|this article has been sent to.{0,60}|"
    r"(?:tell us what you think|leave a (?:comment|reply)|post a comment|join the (?:conversation|discussion)).{0,40}|"
    r"\d* ?comments?|(?:reading time|tempo de leitura|lesezeit|temps de lecture|tiempo de lectura):? .{1,20}|"
    r"\d+ min(?:ute)?s? read)$",
    re.I,
)
_NEWSLETTER_LINE = re.compile(
    r"newsletter|^(?:sign up|subscribe|get our|join our|register now|inscrivez|abonnez|jetzt anmelden|"
    r"suscr[ií]bete|iscriviti)\b",
    re.I,
)
# Calls to action and notices that are whole lines of their own.
_PROMPT_LINE = re.compile(
    r"^(?:follow\b.{0,120}\b(?:on|at) (?:twitter|facebook|instagram|youtube|linkedin|tiktok|https?://)|"
    r"(?:write to|contact|reach|e-?mail)\b.{0,120}@\w|have a (?:news )?tip\b|got a (?:news )?tip\b|"
    r"if you (?:enjoyed|liked|value) this (?:article|story)|get access to\b|click here (?:for|to)\b|"
    r"this copy is for your personal, non-commercial use)|"
    r"\b(?:comments?|comentários?|comentarios?|commentaires?|kommentare?)\b.{0,80}"
    r"\b(?:moderat|aprovad|approved|guidelines|respectful)|"
    r"^get\b.{0,60}\bdelivered\b|^[\w ]{1,20}:\s*(?:https?://|www\.)\S+$",
    re.I,
)
# "Read also:" lead-ins in the languages we meet most, with or without the headline they
# announce; a label alone on its line, or followed by ":" or a dash.
_READ_ALSO = re.compile(
    r"^(?:(?:read|see) (?:more|also|next)|also read|further reading|you (?:may|might) also (?:like|enjoy)|"
    r"more on this(?: story| topic)?|recommended(?: for you| reading)?|"
    r"(?:lesen sie|bitte lesen sie) (?:auch|mehr|hier|dazu)|auch lesen|weiterlesen|mehr (?:zum thema|dazu|themen)|"
    r"(?:das|diese?s?) (?:thema |artikel )?(?:könnte|dürfte) (?:dich|sie|euch) (?:auch )?interessieren|"
    r"(?:auch|ebenfalls) interessant|(?:empfohlene|ähnliche|verwandte|weitere) (?:beiträge|artikel|themen|nachrichten)|"
    r"(?:à )?lire (?:aussi|également|encore)|voir aussi|sur le même (?:sujet|thème)|à voir (?:aussi|également)|"
    r"(?:lea|lee|vea|ve|mira|mire|leer|ver) (?:también|además|más)|"
    r"(?:también )?(?:te|le|les) (?:puede|podría|pueden) interesar|puede interesarte|"
    r"(?:noticias|artículos|notas) relacionad[oa]s|más (?:sobre|noticias de)\b.{0,40}|"
    r"(?:leia|veja) (?:também|mais)|saiba mais|leggi anche|potrebbe interessarti|vedi anche|articoli correlati|"
    r"(?:czytaj|przeczytaj|zobacz) (?:też|także|również|więcej)|lees (?:ook|meer)|bekijk ook)"
    r"(?:\s*[:：»|>–—-].{0,200}|[.!…]*)$",
    re.I,
)
# Calls to follow, download an app, join a channel, subscribe or log in, short lines only.
_PROMO_LINE = re.compile(
    r"^(?:s[ií]gue(?:nos)?|suivez[- ]nous|folgen sie uns|folge uns|follow us|seguici|obserwuj nas|volg ons)\b|"
    r"\b(?:download|descarga|baixe|herunterladen|télécharge)\w*\b.{0,80}\b(?:apps?|aplicaci[oó]n|app-store)\b|"
    r"\b(?:app store|google play|ios and android|ios y android|ios und android)\b|"
    r"\b(?:canal|kanal|channel|grupo|group|gruppe) (?:de |en |on |auf )?(?:telegram|whatsapp|youtube)\b|"
    r"\b(?:telegram|whatsapp|youtube)[- ](?:kanal|channel|canal)\b|"
    r"\balready an? (?:subscriber|member)\b|\b(?:subscribe|log in|sign in) to (?:read|view|continue)\b|"
    r"\bto (?:read|view|continue reading) (?:the|this) (?:full |entire )?(?:story|article)\b|"
    r"\bsubscribers? (?:also )?(?:receive|get)\b|^pour (?:lire la suite|accéder|continuer à lire)\b|"
    r"\b(?:jetzt|hier) (?:abonnieren|abonnent werden|weiterlesen mit)\b|"
    r"\bsie sind (?:aktuell |derzeit |noch )?nicht (?:eingeloggt|angemeldet)\b|"
    r"\b(?:hazte|hágase) (?:miembro|socio|suscriptor)\b|\bzapraszamy (?:też |także )?do (?:subskrypcji|obserwowania)\b",
    re.I,
)
# Words one of which every _PROMO_LINE match holds: a line without any is not searched
# (the search tries each alternative at every position).
_PROMO_WORDS = (
    "sígue", "sigue", "suivez", "folg", "follow", "seguici", "obserwuj", "volg", "app", "telegram", "whatsapp",
    "youtube", "subscri", "log in", "sign in", "to read", "to view", "to continue", "pour ", "abonn", "weiterlesen",
    "eingeloggt", "angemeldet", "miembro", "socio", "suscriptor", "zapraszamy", "ios", "android", "google play",
    "aplicaci", "already",
)
# Page furniture that extractors keep as a line of its own: loading placeholders, rating
# and sharing labels, table-of-contents titles, picture credits, category labels.
_CHROME_LINE = re.compile(
    r"^(?:wird geladen|loading|cargando|chargement|caricamento|ładowanie|bewerten|rate this|"
    r"teilen sie dies mit|share this|gefällt mir|like this|inhaltsverzeichnis|table of contents|contents|índice|"
    r"sommaire|spis treści|beitragsbild|titelbild|headerbild|featured image|"
    r"(?:crédits?|credits?) ?(?:photos?|images?)?|(?:photo|image|bild|foto)(?:s|nachweis|quelle)? ?credits?|"
    r"bildquelle|fotonachweis|bildnachweis|"
    r"(?:kategorien?|categories|category|catégories?|categorías?|categorie|temas|themen|topics)|"
    r"(?:last modified|last updated|release date|veröffentlichung|zuletzt aktualisiert))"
    r"(?:\s*[:：].{0,80}|\s*[.…]*)$",
    re.I,
)
# Rights notices, picture credits made of a news agency and a name, result counters and
# "this way to ..." links, in several languages: short lines only.
_NOTICE_LINE = re.compile(
    r"^(?:(?:alle rechte vorbehalten|todos los derechos reservados|tous droits réservés|tutti i diritti riservati|"
    r"todos os direitos reservados|wszelkie prawa zastrzeżone|alle rechten voorbehouden)\b.{0,80}|"
    r"materiał chroniony prawem autorskim.{0,120}|.{0,80}\b(?:urheberrechtlich geschützt)\b.{0,80}|"
    r"(?:foto|photo|bild|image)?\s*[:(]?\s*(?:afp|ap|reuters|epa|dpa|efe|ansa|pap|anp|imago|keystone|getty images|"
    r"shutterstock|istock|picture alliance|sipa|xinhua)(?:\s*(?:/|via|[|,]|-)\s*[^\s.!?]+(?:\s+[^\s.!?]+){0,3})?\)?|"
    r"(?:showing|displaying|es werden(?: die)?(?: \w+)?|mostrando|affichage(?: des)?(?: \w+)?)\s*\d+\s*"
    r"(?:to|bis|-|–|a|à)\s*\d+\s*(?:of|von|de|sur)(?: insgesamt)?\s*\d+.{0,40}|"
    r"hier geht(?:'s| es) (?:zu[mr]?|weiter)\b.{0,100})$",
    re.I,
)
# A picture caption: a short line that ends with its credit ("... Schweiz. © AFP / NAME");
# _CREDIT_MARK is the cheap test that the line has a credit mark at all.
_CREDIT_MARK = re.compile(r"[©:]|\(c\)", re.I)
_CREDITED = re.compile(r"(?:©|\(c\)|\b(?:foto|photo|bild|credit|crédit)s?\s*:)\s*[^.!?©:\n]{2,60}$", re.I)
# Notices recognisable at any length (reprint and licensing boilerplate).
_NOTICE = re.compile(
    r"^(?:this copy is for your personal,? non-commercial use|distribution and use of this material are governed)",
    re.I,
)
# A trailing "[VIDEO]"-style label or separator after a headline link.
_LINK_SUFFIX = re.compile(r"\s*(?:\[[^\]]{1,20}\])?\W*$")
# A heading announcing links to other stories.
_RECIRC_HEADING = re.compile(
    r"^(?:you (?:may|might) (?:also )?(?:like|enjoy)|don['’]?t miss|more from\b.{0,40}|related\b.{0,40}|"
    r"recommended(?: for you)?|read (?:more|also|next)|more (?:stories|news|on this)\b.{0,40}|"
    r"most (?:read|popular)|top stories|trending|popular (?:now|stories)|mehr zum thema|lire aussi)[.:!…]*$",
    re.I,
)
_LEAD_WORD = re.compile(
    r"^(?:published|posted|updated|last updated|publié|mis à jour|veröffentlicht|aktualisiert|stand|"
    r"publicado|actualizado|pubblicato)\b",
    re.I,
)
_BY = re.compile(r"^(?:by|von|par|por|di|door|written by)\s", re.I)
_URL = re.compile(r"https?://|www\.", re.I)
_BULLET = re.compile(r"^[-•*]\s*")
# A label of one to four words ending in a colon or an arrow ("LE PUEDE INTERESAR:", "Lesen Sie auch »").
_LABEL = re.compile(r"^(?:[^\W\d][\w'’-]*\s+){0,3}[^\W\d][\w'’-]*\s*[:»>|]\s*")


_NON_WORD = re.compile(r"\W+")


def link_key(text: str) -> str:
    """Comparison key for link text: letters and digits only, case-folded."""
    return _NON_WORD.sub("", text.casefold())


def _is_junk(line: str) -> bool:
    """A line that is boilerplate by its wording alone."""
    line = _BULLET.sub("", line)
    if _NOTICE.match(line):
        return True
    if len(line) > _SHORT:
        return False
    if _BOILERPLATE_LINE.match(line) or _PROMPT_LINE.search(line) or _READ_ALSO.match(line):
        return True
    if len(line) < 120 and _CHROME_LINE.match(line):
        return True
    if len(line) < 160 and _NOTICE_LINE.match(line):
        return True
    if _CREDIT_MARK.search(line) and _CREDITED.search(line):
        return True
    if len(line) >= 200:
        return False
    if _NEWSLETTER_LINE.search(line):
        return True
    folded = line.casefold()
    return any(word in folded for word in _PROMO_WORDS) and bool(_PROMO_LINE.search(line))


def _is_link_line(line: str, links: set[str]) -> bool:
    """A short line that is exactly the text of one link (a headline pointing elsewhere)."""
    if len(line) > 160 or _URL.search(line) or len(line.split()) < 3:
        return False
    return link_key(_LINK_SUFFIX.sub("", _BULLET.sub("", line))) in links


def _is_labelled_link(line: str, links: set[str]) -> bool:
    """ "Read also: <headline>" in any language: a short label, a colon, then one link's text."""
    match = _LABEL.match(line)
    return bool(match) and len(line) <= 250 and _is_link_line(line[match.end() :], links)


def _is_tag_line(line: str, links: set[str]) -> bool:
    """A comma-separated list whose items are (nearly all) links: the page's tag cloud."""
    items = [item for item in line.split(",") if item.strip()]
    if len(items) < 3:
        return False
    # a tag is a few words: a long item (a clause of a sentence) is not looked up
    linked = sum(len(item) <= _MAX_TAG and link_key(item) in links for item in items)
    return linked >= 0.7 * len(items)


def _drop_link_runs(lines: list[str], links: set[str]) -> list[str]:
    """Remove runs of two or more link-only lines, and a recirculation heading before them."""
    flags = [_is_link_line(line, links) for line in lines]
    doomed = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and flags[j]:
            j += 1
        heading = i > 0 and bool(_RECIRC_HEADING.match(lines[i - 1]))
        if j - i >= 2 or (j - i == 1 and heading):
            doomed.update(range(i, j))
            if heading:
                doomed.add(i - 1)
        i = j + 1 if j > i else i + 1
    return [line for k, line in enumerate(lines) if k not in doomed]


def _is_lead_meta(line: str, authors: list[str]) -> bool:
    """A byline or dateline that the extractor kept above the story."""
    if len(line) > 120:
        return False
    if _BY.match(line) and any(name in line for name in authors):
        return True
    words = len(line.split())
    has_date = parse_iso(line) or parse_month_name(line) or parse_numeric(line)
    return bool(has_date) and (words <= 8 or bool(_LEAD_WORD.match(line)))


def _drop_lead(lines: list[str], title: str | None, authors: list[str]) -> list[str]:
    """Drop the headline repeated near the top and bylines/datelines above the story."""
    key = squash(title)
    if key:
        # squash() only drops punctuation and spaces: a line twice the title's length is not it
        near = 2 * len(title or "") + 20
        lines = [line for k, line in enumerate(lines) if k >= 3 or len(line) > near or squash(line) != key]
    while len(lines) > 1 and _is_lead_meta(lines[0], authors):
        lines = lines[1:]
    return lines


def clean_lines(
    text: str,
    title: str | None = None,
    authors: list[str] | None = None,
    links: Iterable[str] = (),
    page_url: str | None = None,
) -> str:
    """Extracted text minus boilerplate lines.

    `links` are link_key()s of the page's link texts; `page_url` is the page's own
    address, which some templates print under the story.
    """
    lines = [line for line in normalize_text(text).split("\n\n") if line and not _is_junk(line)]
    links = set(links)
    lines = [line for line in lines if not _is_tag_line(line, links) and not _is_labelled_link(line, links)]
    if page_url:
        lines = [line for line in lines if line.strip("/ ") != page_url.strip("/ ")]
    lines = _drop_link_runs(lines, links)
    return "\n\n".join(_drop_lead(lines, title, authors or []))
