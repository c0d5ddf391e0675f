"""Date formatting for pages, feeds, sitemaps and HTTP headers (locale-free, so output is stable)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
FR_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def en_date(day: date) -> str:
    return f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}"


def en_short_date(day: date) -> str:
    month = EN_MONTHS[day.month - 1]
    return f"{month if len(month) <= 4 else month[:3] + '.'} {day.day}, {day.year}"


def en_time(dt: datetime) -> str:
    """'6:30 p.m.' (AP style)."""
    hour = dt.hour % 12 or 12
    suffix = "a.m." if dt.hour < 12 else "p.m."
    return f"{hour}:{dt.minute:02d} {suffix}"


def tz_label(dt: datetime, home: ZoneInfo) -> str:
    """'ET'/'PT'/'CT' when the offset is the outlet's own zone's, else 'UTC-05:00'."""
    local = dt.astimezone(home)
    if local.utcoffset() == dt.utcoffset():
        name = local.tzname() or ""
        if len(name) == 3 and name[0] in "ECMP" and name.endswith("T"):
            return name[0] + "T"
        return name
    offset = dt.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def fr_date(day: date) -> str:
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {FR_MONTHS[day.month - 1]} {day.year}"


def fr_datetime(dt: datetime) -> str:
    """'7 avril 2020 à 18h30'."""
    return f"{fr_date(dt.date())} à {dt.hour}h{dt.minute:02d}"


def rfc822(dt: datetime) -> str:
    """RSS pubDate: 'Tue, 07 Apr 2020 18:30:00 -0400'."""
    return format_datetime(dt)


def rfc3339(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC), usegmt=True)


def w3c(dt: datetime, date_only: bool) -> str:
    """Sitemap lastmod / publication_date: a bare date when only the day is known."""
    return dt.date().isoformat() if date_only else rfc3339(dt)
