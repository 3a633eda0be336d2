"""The /v1 event's `start` and `end` are declared by the RFC 3339 shape the server reads
(core/times.RFC3339, issue 10, FUZZ-2): so schemathesis's positive mode makes events the server takes
and its negative mode's check (negative_data_rejection) stays true.

On generated strings, read by a JSON Schema validator from the served document's pattern — the
`jsonschema` package (Python's re) and `jsonschema_rs` (ECMA-262 rules) alike: every time the server
accepts matches the pattern; a time that matches and is refused is refused only for its calendar day
or for falling outside the instants turnout keeps; and the server accepts what it accepted before the
pattern, written out here independently (the old regex and offset check, then datetime)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import jsonschema_rs
from hypothesis import example, given, settings
from hypothesis import strategies as st

from turnout import openapi
from turnout.config import Settings
from turnout.core import times
from turnout.core.errors import ValidationFailed
from turnout.core.limits import whole
from turnout.surfaces.cronofy import parse

SCHEMAS = openapi.document(Settings(secret="x" * 32))["components"]["schemas"]
OLD = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
EDGES = "0123456789-+:.TZtz \n\u0661\uff11"


def old_instant(text: str) -> int | None:
    """What parse_rfc3339 accepted before the pattern, as it was written then."""
    m = OLD.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, _fraction, offset = m.groups()
    tz = UTC
    if offset != "Z":
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        moment = datetime(*map(int, (year, month, day, hour, minute, second)), tzinfo=tz)
        instant = int(moment.timestamp())
    except (ValueError, OverflowError):
        return None
    return instant if times.in_range(instant) else None


def calendar_or_range(text: str) -> bool:
    """Whether a time of the right shape names no calendar day, or an instant turnout does not keep."""
    m = re.match(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    assert m is not None
    try:
        datetime(*map(int, m.groups()))
    except ValueError:
        return True
    return old_instant(text) is None


def document_accepts(value: str) -> bool:
    schema = SCHEMAS["EventUpsert"]["properties"]["start"]
    python = jsonschema.Draft202012Validator(schema).is_valid(value)
    ecma = jsonschema_rs.validator_for(schema).is_valid(value)
    assert python == ecma, value
    return python


def server_accepts(start: str) -> bool:
    body = {"bookable_event_id": "e", "start": start, "end": "9999-12-30T00:00:00Z"}
    try:
        parse.event_upsert(json.dumps({**body, "status": "confirmed"}).encode())
    except ValidationFailed as refusal:
        return not any(e.field == "start" for e in refusal.errors)
    return True


def shaped(draw: Any) -> str:
    """An RFC 3339-like time whose every field may be out of its range."""
    digits = [draw(st.integers(0, 10**n - 1)) for n in (4, 2, 2, 2, 2, 2)]
    date = f"{digits[0]:04d}-{digits[1]:02d}-{digits[2]:02d}"
    clock = f"{digits[3]:02d}:{digits[4]:02d}:{digits[5]:02d}"
    fraction = draw(st.sampled_from(["", ".5", ".123456789", "."]))
    offset = draw(
        st.one_of(
            st.sampled_from(["Z", "z", "", "+00:00", "-23:59", "+24:00", "+05:60"]),
            st.tuples(st.sampled_from("+-"), st.integers(0, 99), st.integers(0, 99)).map(
                lambda t: f"{t[0]}{t[1]:02d}:{t[2]:02d}"
            ),
        )
    )
    return f"{date}T{clock}{fraction}{offset}"


TIMES = st.one_of(
    st.text(),
    st.text(st.sampled_from(EDGES), max_size=26),
    st.composite(shaped)(),
    st.from_regex(whole(times.RFC3339)),
)


def test_start_and_end_are_declared_by_the_servers_shape() -> None:
    for field in ("start", "end"):
        assert SCHEMAS["EventUpsert"]["properties"][field]["pattern"] == whole(times.RFC3339)


@settings(max_examples=2000)
@given(TIMES)
@example("1000-01-01T00:00:00Z")  # the simplest a generator draws from the pattern
@example("0000-01-01T00:00:00Z")
@example("0001-01-01T00:00:00Z")
@example("0001-01-01T23:00:00-02:00")
@example("2025-02-29T12:00:00Z")
@example("2025-01-24T24:00:00Z")
@example("2025-01-24T12:30:60Z")
@example("2025-01-24T12:30:00+24:00")
@example("2025-01-24T12:30:00Z\n")
@example("9999-12-31T00:00:00+14:00")
def test_the_instant_pattern_is_what_the_server_reads(value: str) -> None:
    server, document = server_accepts(value), document_accepts(value)
    assert server == (old_instant(value) is not None)
    if server:
        assert document
    elif document:
        assert calendar_or_range(value), value
