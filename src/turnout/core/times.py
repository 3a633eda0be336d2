"""Instants are whole UTC seconds since the epoch; on the wire they are `YYYY-MM-DDTHH:MM:SSZ`."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

# The wire form of an instant, each field within its range: the one regex parse_rfc3339 reads with,
# and the `pattern` the surfaces declare (through core/limits.whole()), so a client reads what is
# accepted. Years 0001 to 9999, written so that the simplest a generator draws (1000) is one
# turnout keeps; the calendar and MIN_INSTANT to MAX_INSTANT are checked after. [0-9], not \d:
# Python's \d also matches other scripts' digits, which int() would read; ECMA-262's does not.
RFC3339 = (
    r"([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]+))?"
    r"(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
_RFC3339 = re.compile(RFC3339 + r"\Z")


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
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
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
