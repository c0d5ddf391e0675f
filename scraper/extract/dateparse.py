"""Turn one date string into a date or an aware datetime, fast paths first.

dateparser understands every language but costs milliseconds per call, and a page
has dozens of candidate strings; ISO 8601, RFC 2822 and the common numeric and
month-name formats are parsed here with regexes, dateparser only gets the rest.
It is always called with RELATIVE_BASE set, so it never reads the machine clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

import dateparser
from dateparser import DateDataParser

MIN_DAY = date(1995, 1, 1)
# dateparser needs some base for relative expressions; a fixed one keeps results
# reproducible when the caller knows no fetch time (relative dates are then refused).
_FIXED_BASE = datetime(2000, 1, 1)
_DAY_NUMBER = re.compile(r"(?<!\d)\d{1,2}(?!\d)")

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?)?"
)
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$")
_NUMERIC = re.compile(r"(?<![\d.])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)?\d{2})(?![\d])")
_EPOCH = re.compile(r"^1[0-9]{9}(?:\d{3})?$")

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv januar jän enero ene gennaio genn janeiro januari januar stycznia styczeń",
        "february feb février févr fevrier februar febrero febbraio fevereiro fev februari lutego luty",
        "march mar mars märz maerz marzo março marco maart marca marzec mär",
        "april apr avril abril aprile abr kwietnia kwiecień",
        "may mai mayo maggio maio mei maja maj",
        "june jun juin juni junio giugno junho czerwca czerwiec",
        "july jul juillet juil juli julio luglio julho lipca lipiec",
        "august aug août aout agosto ago augustus sierpnia sierpień",
        "september sep sept septembre septiembre settembre setembro set setembre września wrzesień",
        "october oct octobre oktober octubre ottobre outubro out okt października październik",
        "november nov novembre noviembre novembro listopada listopad",
        "december dec décembre decembre dezember diciembre dicembre dezembro dez dic desember grudnia grudzień",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,12})\.?"
_DAY_FIRST = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s*(?:de\s+)?{_MONTH_WORD},?\s+"
    rf"(?:de\s+)?(?P<y>(?:19|20)\d{{2}})(?!\d)"
)
_MONTH_FIRST = re.compile(rf"{_MONTH_WORD}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{{2}})(?!\d)")
# "14 Gennaio 20)": a two-digit year only where nothing follows it but punctuation or
# the end, so "on 14 January 20 people..." is not read as a date.
_DAY_FIRST_SHORT_YEAR = re.compile(
    rf"(?<!\d)(?P<d>\d{{1,2}})\.?\s*{_MONTH_WORD}\s+'?(?P<y>\d{{2}})\s*(?=$|[)\]|,;/–-])"
)
_CJK = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?")
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|(?<![\d.])\d{1,2}[./]\d{1,2}[./]\d{2}(?!\d)")
_RELATIVE = re.compile(
    r"(?:\bil y a\s+|\bvor\s+|\bhace\s+|\bhá\s+)?"
    r"\b(?:\d+|an?|one|two|three|un|une|deux|trois|ein|eine|einem|einer|zwei|drei)\s+"
    r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|minuten|stunden?|tagen?|wochen?|heures?|jours?|semaines?|"
    r"minutos?|horas?|días?|dias?|minuti|ore|giorni)\b(?:\s+ago\b|\s+fa\b)?"
    r"|\byesterday\b|\bgestern\b",
    re.I,
)


def _tz(raw: str | None) -> timezone | None:
    if raw is None:
        return None
    if raw in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(
    y: int,
    m: int,
    d: int,
    hh: str | None = None,
    mm: str | None = None,
    ss: str | None = None,
    tz: timezone | None = None,
) -> date | datetime | None:
    """A datetime when a time and an offset are known, else the day; None if impossible.

    A time without an offset cannot be placed on the timeline, so only its day is kept.
    """
    try:
        if hh is not None and mm is not None and tz is not None:
            return datetime(y, m, d, int(hh), int(mm), int(ss or 0), tzinfo=tz)
        return date(y, m, d)
    except ValueError:
        return None


def parse_iso(value: str) -> date | datetime | None:
    """ISO 8601 / W3C-DTF and compact forms (2020-04-07T10:00:00+02:00, 20200407)."""
    value = value.strip()
    match = _ISO.search(value[:40])
    if match and match.start() <= 12:
        g = match.groupdict()
        return _build(int(g["y"]), int(g["m"]), int(g["d"]), g["H"], g["M"], g["S"], _tz(g["tz"]))
    match = _COMPACT.match(value)
    if match:
        g = match.groupdict()
        return _build(int(g["y"]), int(g["m"]), int(g["d"]))
    return None


def parse_numeric(value: str, month_first: bool = False) -> date | None:
    """07.04.2020, 07/04/2020, 4/7/2020 (month first only for US English)."""
    match = _NUMERIC.search(value)
    if not match:
        return None
    a, b, y = int(match["a"]), int(match["b"]), int(match["y"])
    if y < 100:
        y += 2000 if y < 50 else 1900
    if match["sep"] == "." or a > 12:
        month_first = False
    elif b > 12:
        month_first = True
    day, month = (b, a) if month_first else (a, b)
    result = _build(y, month, day)
    return result if isinstance(result, date) else None


def parse_month_name(value: str) -> date | None:
    """ "7 avril 2020", "7. April 2020", "April 7th, 2020", "7 de abril de 2020", "14 Gennaio 20)"."""
    for pattern in (_DAY_FIRST, _MONTH_FIRST, _DAY_FIRST_SHORT_YEAR):
        for match in pattern.finditer(value):
            month = MONTHS.get(match["mon"].lower().rstrip("."))
            year = int(match["y"])
            year += 2000 if year < 100 else 0
            if month:
                result = _build(year, month, int(match["d"]))
                if result is not None:
                    return result
    match = _CJK.search(value)
    return _build(int(match["y"]), int(match["m"]), int(match["d"])) if match else None


def parse_machine(value: str) -> date | datetime | None:
    """A date written for machines (meta content, datetime attribute, JSON-LD)."""
    value = (value or "").strip()
    if not value or len(value) > 80:
        return None
    found = parse_iso(value)
    if found is not None:
        return found
    if _EPOCH.match(value):
        seconds = int(value[:10])
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.date()
    return parse_month_name(value) or parse_numeric(value)


def dateparser_settings(fetched_at: datetime | None, date_order: str | None) -> dict:
    """Settings that make dateparser deterministic: no clock, no guessing missing parts."""
    base = fetched_at.replace(tzinfo=None) if fetched_at else _FIXED_BASE
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "STRICT_PARSING": False,
    }
    if date_order:
        settings["DATE_ORDER"] = date_order
    return settings


def parse_human(
    value: str, language: str | None, fetched_at: datetime | None, month_first: bool | None = None
) -> date | datetime | None:
    """A date written for people, in any language dateparser knows.

    `month_first` is the page locale's numeric order (default: only English reads
    4/7/2020 as April 7). Relative expressions ("2 hours ago", "il y a 3 jours")
    resolve against fetched_at and are refused without it.
    """
    value = " ".join(value.split())[:120]
    if not value:
        return None
    relative = _RELATIVE.search(value)
    if relative:
        return _parse_relative(relative.group(0), language, fetched_at)
    if month_first is None:
        month_first = language == "en"
    found = parse_iso(value) or parse_month_name(value) or parse_numeric(value, month_first)
    if found is not None:
        return found
    if fetched_at is None and not _HAS_YEAR.search(value):
        return None  # without a year it can only be relative (or guessed), and there is no base
    return _dateparser(value, language, fetched_at, "MDY" if month_first else "DMY")


def _dateparser(value: str, language: str | None, fetched_at: datetime | None, order: str) -> date | None:
    """The slow path, for month names and word orders the regexes do not know.

    A day is required, so a string without a one- or two-digit number besides its year
    ("September 2014", "KIKA 2011") cannot give one: dateparser is not asked.
    """
    if len(value) > 80 or not re.search(r"[^\W\d_]{3}", value) or not _DAY_NUMBER.search(value):
        return None
    try:
        found = _date_parser(language, fetched_at, order).get_date_data(value)
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input
        return None
    parsed = found["date_obj"] if found else None
    return parsed.date() if parsed else None


@lru_cache(maxsize=64)
def _date_parser(language: str | None, fetched_at: datetime | None, order: str) -> DateDataParser:
    """The parser `dateparser.parse` would build for these arguments, built once.

    dateparser.parse makes a new DateDataParser on every call with languages or
    settings, and that compiles its locale regexes again: most of its time.
    """
    languages = [language] if language else None
    return DateDataParser(languages=languages, settings=dateparser_settings(fetched_at, order))


def _parse_relative(value: str, language: str | None, fetched_at: datetime | None) -> date | datetime | None:
    if fetched_at is None:
        return None
    settings = dateparser_settings(fetched_at, None)
    settings.pop("REQUIRE_PARTS")
    parsed = None
    for languages in ([language], None) if language else (None,):
        try:
            parsed = dateparser.parse(value, languages=languages, settings=settings)
        except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input
            parsed = None
        if parsed is not None:
            break
    if parsed is None:
        return None
    if fetched_at.tzinfo is not None and re.search(r"min|hour|hr|stund|heure|hora|ore", value, re.I):
        return parsed.replace(tzinfo=fetched_at.tzinfo)
    return parsed.date()
