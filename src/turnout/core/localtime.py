"""Local wall-clock times in an IANA timezone ↔ UTC instants.

A local time that does not exist (a DST gap) is refused; an ambiguous one (a DST overlap) means the
earlier instant.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import lru_cache

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_TIME = re.compile(r"\d{2}:\d{2}\Z")


class NonexistentTime(ValueError):
    pass


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; ValueError if there is none."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"unknown timezone {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone {name!r}") from None


def parse_date(text: str) -> dt.date:
    if not _DATE.match(text):
        raise ValueError("dates are YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def parse_time(text: str) -> dt.time:
    if not _TIME.match(text):
        raise ValueError("times are HH:MM, 24-hour")
    hour, minute = int(text[:2]), int(text[3:])
    return dt.time(hour, minute)


def to_instant(day: dt.date, time: dt.time, tz_name: str) -> int:
    tz = zone(tz_name)
    local = dt.datetime.combine(day, time).replace(tzinfo=tz, fold=0)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentTime(f"{day} {time:%H:%M} does not exist in {tz_name}")
    return int(instant.timestamp())


def local_parts(instant: int, tz_name: str) -> tuple[str, str]:
    """(YYYY-MM-DD, HH:MM) of `instant` in the zone; seconds are dropped."""
    local = dt.datetime.fromtimestamp(instant, zone(tz_name))
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
