"""Instants are whole UTC seconds since the epoch; on the wire they are `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

# ASCII: Python's \d also matches other scripts' digits, which int() would read.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)


# Instants turnout keeps: years 1 to 9999 with a day to spare, so that every instant can be shown in
# every timezone (offsets reach ±14 hours) without leaving the calendar Python can represent.
MIN_INSTANT = int(datetime(1, 1, 2, tzinfo=UTC).timestamp())
MAX_INSTANT = int(datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC).timestamp())


def in_range(instant: int) -> bool:
    return MIN_INSTANT <= instant <= MAX_INSTANT


def now() -> int:
    return int(time.time())


def parse_rfc3339(text: str) -> int:
    """Parse an RFC 3339 date-time with `Z` or `±HH:MM`. Fractional seconds (JavaScript's
    `toISOString()` sends milliseconds) are accepted and dropped: instants are whole seconds.

    Raises ValueError for anything else: no offset, a date alone, a space separator, a non-date.
    """
    m = _RFC3339.match(text)
    if m is None:
        raise ValueError("not an RFC 3339 date-time with Z or a ±HH:MM offset")
    year, month, day, hour, minute, second, _fraction, offset = m.groups()
    tz = UTC
    if offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError("offset out of range")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz
    )
    instant = int(moment.timestamp())
    if not in_range(instant):
        raise ValueError("times must fall between the years 1 and 9999")
    return instant


@lru_cache(maxsize=1 << 16)
def format_utc(instant: int) -> str:
    # Cached: a page renders three instants per registration, and most repeat. isoformat, not
    # strftime: %Y does not pad years before 1000 to four digits on glibc ("692-02-18").
    return datetime.fromtimestamp(instant, UTC).replace(tzinfo=None).isoformat() + "Z"
