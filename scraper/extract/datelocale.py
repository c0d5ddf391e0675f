"""What a page's locale says about its dates: numeric day/month order and time zone.

"04/07/2020" is 4 July in en-US and 4 April almost everywhere else, and a UTC
timestamp only gives the publisher's day once we know the publisher's zone. Both are
read from the page itself: the declared locale (<html lang="en-GB">, og:locale,
Content-Language), the country of the host, offsets written on the page's other
timestamps, and an IANA zone name declared in its scripts or meta tags.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lxml import etree

from scraper.extract.structured import PageData, as_text

_LOCALE = re.compile(r"^\s*([a-zA-Z]{2})(?:[-_]([a-zA-Z]{2}))?\b")
# Countries that use the month-first numeric order.
MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "AS", "GU", "MP", "PR", "UM", "VI"}
# Countries (and languages spoken mostly in one country) with a single civil time zone.
REGION_ZONES = {
    "DE": "Europe/Berlin",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "LI": "Europe/Vaduz",
    "LU": "Europe/Luxembourg",
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "NL": "Europe/Amsterdam",
    "IT": "Europe/Rome",
    "GB": "Europe/London",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "PL": "Europe/Warsaw",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "DK": "Europe/Copenhagen",
    "SE": "Europe/Stockholm",
    "NO": "Europe/Oslo",
    "FI": "Europe/Helsinki",
    "GR": "Europe/Athens",
    "RO": "Europe/Bucharest",
    "BG": "Europe/Sofia",
    "HR": "Europe/Zagreb",
    "SI": "Europe/Ljubljana",
    "RS": "Europe/Belgrade",
    "BA": "Europe/Sarajevo",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "CN": "Asia/Shanghai",
    "IN": "Asia/Kolkata",
    "IL": "Asia/Jerusalem",
    "NZ": "Pacific/Auckland",
    "ZA": "Africa/Johannesburg",
}
LANGUAGE_ZONES = {
    "de": "Europe/Berlin",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "sk": "Europe/Bratislava",
    "hu": "Europe/Budapest",
    "da": "Europe/Copenhagen",
    "sv": "Europe/Stockholm",
    "nb": "Europe/Oslo",
    "no": "Europe/Oslo",
    "fi": "Europe/Helsinki",
    "el": "Europe/Athens",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "hr": "Europe/Zagreb",
    "sl": "Europe/Ljubljana",
    "bs": "Europe/Sarajevo",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "he": "Asia/Jerusalem",
}
_TLD_REGIONS = {"uk": "GB", "eu": ""}
_ZONE_KEY = re.compile(r"[Zz]one|\btz")
_ZONES = r"(?:Europe|America|Asia|Africa|Australia|Pacific|Atlantic)/[A-Za-z_]+(?:/[A-Za-z_]+)?"
# "timezone": "Europe/Berlin", tz = 'America/New_York', "timezone": {"short": "ET", "long": "America/New_York"}
_ZONE_NAME = re.compile(
    rf"""(?:time_?zone(?:_string)?|\btz(?:name)?)["']?\s*[:=]\s*(?:\{{[^{{}}]{{0,80}}?)?["']({_ZONES})["']""",
    re.I,
)


@dataclass(frozen=True)
class Locale:
    """Language and region of a page, either may be unknown."""

    language: str | None
    region: str | None

    @property
    def month_first(self) -> bool:
        """Numeric dates read month first: US English (and English with no other region)."""
        if self.region:
            return self.region in MONTH_FIRST_REGIONS
        return self.language == "en"

    @property
    def date_order(self) -> str:
        return "MDY" if self.month_first else "DMY"

    @property
    def zone_name(self) -> str | None:
        """The single time zone the region (or, failing that, the language) implies."""
        if self.region:
            return REGION_ZONES.get(self.region)
        return LANGUAGE_ZONES.get(self.language or "")


def _split(value: str | None) -> tuple[str | None, str | None]:
    match = _LOCALE.match(value or "")
    if not match:
        return None, None
    return match[1].lower(), (match[2] or "").upper() or None


def _host_region(url: str | None) -> str | None:
    """The country of a country-code top-level domain (example.co.uk -> GB)."""
    host = urlsplit(url or "").hostname or ""
    tld = host.rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha():
        return None
    return _TLD_REGIONS.get(tld, tld.upper()) or None


def page_locale(tree: etree._Element, page: PageData, url: str | None, language: str | None) -> Locale:
    """The page's declared locale; the region falls back on the host's country code."""
    node = page.main_node() or {}
    declared = [
        tree.get("lang"),
        page.first_meta("og:locale", "content-language", "language", "dc.language"),
        as_text(node.get("inLanguage")),
    ]
    lang, region = None, None
    for value in declared:
        code, area = _split(value)
        lang = lang or code
        region = region or area
    lang = lang or language  # the template that prints the date speaks the declared language
    if region is None:
        # Only well-known country domains: .io, .co, .tv... are used as generic names.
        host = _host_region(url)
        region = host if host in REGION_ZONES else None
    return Locale(lang, region)


@cache
def zone(name: str | None) -> tzinfo | None:
    """An IANA zone, or None when unknown here (no tz database on this machine)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def declared_zone(tree: etree._Element, page: PageData) -> tzinfo | None:
    """An IANA zone the page names for itself (`"timezone": "America/New_York"` in a script or meta)."""
    meta = page.first_meta("timezone", "time-zone", "tz")
    names = [meta] if meta else []
    for script in tree.iter("script"):
        text = script.text or ""
        # plain substring tests first: scripts can be long and the regex is slower
        if len(text) < 200_000 and ("zone" in text or "Zone" in text or "tz" in text) and _ZONE_KEY.search(text):
            names.extend(match[1] for match in _ZONE_NAME.finditer(text))
        if len(names) > 5:
            break
    counted = Counter(name for name in names if name)
    if len(counted) != 1:
        return None
    return zone(next(iter(counted)))


def written_offset(values: list[datetime]) -> timedelta | None:
    """The one non-zero UTC offset the page's other timestamps agree on, if any."""
    offsets = Counter(v.utcoffset() for v in values if v.utcoffset())
    if len(offsets) != 1:
        return None
    return next(iter(offsets))
