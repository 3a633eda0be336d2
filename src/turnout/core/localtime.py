"""Local wall-clock times in an IANA timezone ↔ UTC instants.

A local time that does not exist (a DST gap) is refused; an ambiguous one (a DST overlap) means the
earlier instant.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from turnout.core import times
from turnout.core.errors import FieldError, ValidationFailed

# ASCII: Python's \d also matches other scripts' digits, which int() reads ("١٢:٣٠" is 12:30).
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_TIME = re.compile(r"\d{2}:\d{2}\Z", re.ASCII)


class NonexistentTime(ValueError):
    pass


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names, from the `tzdata` package turnout ships with, not from the host: a host's
    zoneinfo directory also holds files such as `localtime` (whatever the host is set to) and
    `posixrules`, so the same name would mean different things, or nothing, on another machine.
    `Factory`, IANA's placeholder zone ("Local time zone must be set"), is no place for an event."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="ascii").split()
    return frozenset(listed) - {"Factory"}


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; ValueError unless it is one of IANA's names (`zone_names`)."""
    if name not in zone_names():
        raise ValueError(f"unknown timezone {name!r}")
    return zoneinfo.ZoneInfo(name)


@lru_cache(maxsize=512)
def _stored_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone of an event already stored. Before names were checked against `zone_names`, any
    name the host could load was accepted; such events still render as they did."""
    try:
        return zone(name)
    except ValueError:
        return zoneinfo.ZoneInfo(name)


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
    try:
        instant = local.astimezone(dt.UTC)
        round_trip = instant.astimezone(tz).replace(tzinfo=None)
    except OverflowError:
        raise ValueError("times must fall between the years 1 and 9999") from None
    if round_trip != local.replace(tzinfo=None):
        raise NonexistentTime(f"{day} {time:%H:%M} does not exist in {tz_name}")
    if not times.in_range(int(instant.timestamp())):
        raise ValueError("times must fall between the years 1 and 9999")
    return int(instant.timestamp())


def local_parts(instant: int, tz_name: str) -> tuple[str, str]:
    """(YYYY-MM-DD, HH:MM) of `instant` in the zone; seconds are dropped."""
    local = dt.datetime.fromtimestamp(instant, _stored_zone(tz_name))
    # date.isoformat pads the year to four digits; strftime's %Y does not on glibc.
    return local.date().isoformat(), local.strftime("%H:%M")


def schedule(
    start_date: str,
    start_time: str | None,
    end_date: str | None,
    end_time: str | None,
    tz_name: str,
) -> tuple[int, int]:
    """UTC instants of a local schedule. No end time means one hour after the start; no end date,
    the start date. Raises ValidationFailed naming the local field at fault."""
    errors: list[FieldError] = []
    day = _field(errors, "start_date", start_date, parse_date)
    at = _field(errors, "start_time", start_time or "00:00", parse_time)
    end_day = _field(errors, "end_date", end_date, parse_date) if end_date else day
    end_at = _field(errors, "end_time", end_time, parse_time) if end_time else None
    try:
        zone(tz_name)
    except ValueError:
        errors.append(FieldError("timezone", "invalid", f"unknown timezone {tz_name!r}"))
    if errors:
        raise ValidationFailed(errors)
    assert day is not None and at is not None and end_day is not None
    start = _instant("start_time", day, at, tz_name)
    if end_at is None:
        if not times.in_range(start + 3600):
            raise ValidationFailed(
                [FieldError("end_time", "invalid", "the end would fall after the year 9999")]
            )
        return start, start + 3600
    end = _instant("end_time", end_day, end_at, tz_name)
    if end <= start:
        raise ValidationFailed(
            [FieldError("end_time", "invalid", "the end must be after the start")]
        )
    return start, end


def _field(errors: list[FieldError], name: str, text: object, parse: Any) -> Any:
    try:
        if not isinstance(text, str):
            raise ValueError("must be a string")
        return parse(text)
    except ValueError as exc:
        errors.append(FieldError(name, "invalid", f"{name}: {exc}"))
        return None


def _instant(field: str, day: dt.date, at: dt.time, tz_name: str) -> int:
    try:
        return to_instant(day, at, tz_name)
    except ValueError as exc:  # a DST gap, or outside the years 1 to 9999
        raise ValidationFailed([FieldError(field, "invalid", str(exc))]) from None
