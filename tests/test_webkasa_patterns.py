"""The /api/v1 patterns for attendee_email and the statuses, in bodies and in the query strings'
status filters (surfaces/webkasa/contract.py), say exactly what the server accepts (issue 10,
FUZZ-2): so schemathesis's positive mode makes requests the server takes, and its negative mode's
check (negative_data_rejection) stays true.

Both ways, on generated strings: a JSON Schema validator reading the served document's pattern — the
`jsonschema` package (Python's re) and `jsonschema_rs` (Rust regex, ECMA-262 rules) — accepts a value
exactly when the server's parse does; and the server accepts what it accepted before the patterns,
written out here independently (str.strip, the email's old regex, the reading in any case), but for
the one narrowing: a status's letters are ASCII (`.upper()` had read "pendıng" and "conﬁrmed")."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from turnout import openapi
from turnout.config import Settings
from turnout.core.errors import ValidationFailed
from turnout.core.limits import MAX_ATTENDEE_TEXT
from turnout.surfaces.webkasa import parse
from turnout.surfaces.webkasa.contract import (
    EMAIL_PATTERN,
    EVENT_STATUS_PATTERN,
    READING_PATTERN,
    SPACE,
)
from turnout.surfaces.webkasa.mapping import EVENT_STATUS_IN, READINGS

DOCUMENT = openapi.document(Settings(secret="x" * 32))
SCHEMAS, PATHS = DOCUMENT["components"]["schemas"], DOCUMENT["paths"]
# Characters at the edges of each rule: Python's whitespace, ECMA's (U+FEFF, U+180E are not
# Python's), zero-width space, NUL, @, letters whose upper() or lower() is ASCII, a line break.
EDGES = " \t\n\v\x1c\x85\xa0\u2028\u3000\ufeff\u180e\u200b\x00@aZ.é\u0131\ufb01\u212a\u0130"


def documented(schema: str, field: str) -> dict[str, Any]:
    """The document's schema of the string `field` (without the null a create also takes)."""
    declared = SCHEMAS[schema]["properties"][field]
    members = declared.get("anyOf", [declared])
    (string,) = [m for m in members if m.get("type") == "string"]
    return dict(string)


def document_accepts(schema: dict[str, Any], value: str) -> bool:
    python = jsonschema.Draft202012Validator(schema).is_valid(value)
    ecma = jsonschema_rs.validator_for(schema).is_valid(value)
    assert python == ecma, (schema.get("pattern"), value)
    return python


def refused(read: Any, field: str, body: dict[str, Any]) -> bool:
    try:
        read(json.dumps(body).encode(), None, False)
    except ValidationFailed as refusal:
        return any(e.field == field for e in refusal.errors)
    return False


def spelled(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    """One of `words`, each letter in either case, with edge characters around or inside."""
    cased = st.sampled_from(words).flatmap(
        lambda w: st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in w]).map("".join)
    )
    edge = st.text(st.sampled_from(EDGES + "dD"), max_size=3)
    return st.one_of(
        st.tuples(edge, cased, edge).map("".join),
        st.tuples(cased, st.integers(0, 9), edge).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]),
    )


EMAILS = st.one_of(
    st.text(),
    st.text(st.sampled_from(EDGES), max_size=8),
    st.from_regex(EMAIL_PATTERN, fullmatch=True),
    st.tuples(
        st.text(st.sampled_from(EDGES), max_size=3),
        st.integers(0, 260),
        st.text(st.sampled_from(EDGES), max_size=3),
    ).map(lambda t: f"{t[0]}{'a' * t[1]}@x.org{t[2]}"),
)
READING_VALUES = st.one_of(
    st.text(), spelled(READINGS), st.from_regex(READING_PATTERN, fullmatch=True)
)
EVENT_STATUSES = st.one_of(
    st.text(), spelled(tuple(EVENT_STATUS_IN)), st.from_regex(EVENT_STATUS_PATTERN, fullmatch=True)
)


def test_space_is_what_str_strip_trims() -> None:
    assert set(SPACE) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}


@settings(max_examples=1500)
@given(EMAILS)
@example(" a@b ")
@example("a@@b")
@example("\ufeffa@b")
@example("a@b\n")
@example("a@b\x00")
def test_the_email_pattern_is_what_the_server_accepts(value: str) -> None:
    schema = documented("RegistrationChange", "attendee_email")
    assert schema["pattern"] == EMAIL_PATTERN
    server = not refused(parse.registration_fields, "attendee_email", {"attendee_email": value})
    assert document_accepts(schema, value) == server
    stripped = value.strip()
    before = (
        len(value) <= MAX_ATTENDEE_TEXT
        and "\x00" not in value
        and re.fullmatch(r"[^@\s][^@]*@[^@\s]+", stripped) is not None
    )
    assert server == before


@settings(max_examples=1000)
@given(READING_VALUES)
@example(" confirmed\u3000")
@example("pend\u0131ng")
@example("con\ufb01rmed")
@example("PENDING\n")
def test_the_status_pattern_is_what_the_server_accepts(value: str) -> None:
    schema = documented("RegistrationCreate", "status")
    assert schema["pattern"] == READING_PATTERN
    server = not refused(parse.registration_fields, "status", {"status": value})
    assert document_accepts(schema, value) == server
    stripped = value.strip()
    assert server == (stripped.isascii() and stripped.upper() in READINGS)


@settings(max_examples=1000)
@given(EVENT_STATUSES)
@example(" Published ")
@example("\u212aancelled")
@example("dr\u0430ft")
def test_the_event_status_pattern_is_what_the_server_accepts(value: str) -> None:
    schema = documented("EventChange", "status")
    assert schema["pattern"] == EVENT_STATUS_PATTERN
    server = not refused(parse.event_fields, "status", {"status": value})
    assert document_accepts(schema, value) == server
    stripped = value.strip()
    assert server == (stripped.isascii() and stripped.lower() in EVENT_STATUS_IN)


@pytest.mark.parametrize("value", ["a@b", " Ann@Example.ORG\t", "x y@z"])
def test_every_kind_of_body_reads_the_email_alike(value: str) -> None:
    """The create body declares the email by the same pattern as the change body."""
    assert documented("RegistrationCreate", "attendee_email") == documented(
        "RegistrationChange", "attendee_email"
    )
    fields = parse.registration_fields(
        json.dumps({"attendee_email": value, "attendee_name": "A"}).encode(), None, True
    )
    assert fields["attendee_email"] == value.strip()


def query_status(path: str) -> dict[str, Any]:
    """The document's schema of the `status` query parameter of GET `path`."""
    parameters = PATHS[path]["get"]["parameters"]
    (status,) = [p for p in parameters if p["name"] == "status" and p["in"] == "query"]
    return dict(status["schema"])


def query_refused(read: Any, value: str) -> bool:
    try:
        read({"status": value})
    except ValidationFailed as refusal:
        return any(e.field == "status" for e in refusal.errors)
    return False


@settings(max_examples=1000)
@given(EVENT_STATUSES)
@example(" Draft ")
@example("\u212aancelled")
@example("x")
def test_the_event_status_filter_is_declared_as_the_server_reads_it(value: str) -> None:
    """GET /api/v1/events?status= carries the body's pattern, and the query's decode enforces it."""
    schema = query_status("/api/v1/events")
    assert schema["pattern"] == EVENT_STATUS_PATTERN
    server = not query_refused(parse.event_query, value)
    assert document_accepts(schema, value) == server
    stripped = value.strip()
    assert server == (stripped.isascii() and stripped.lower() in EVENT_STATUS_IN)


@settings(max_examples=1000)
@given(READING_VALUES)
@example(" attended\t")
@example("pend\u0131ng")
@example("")
def test_the_registration_status_filter_is_declared_as_the_server_reads_it(value: str) -> None:
    schema = query_status("/api/v1/events/{event_id}/registrations")
    assert schema["pattern"] == READING_PATTERN
    server = not query_refused(parse.registration_query, value)
    assert document_accepts(schema, value) == server
    stripped = value.strip()
    assert server == (stripped.isascii() and stripped.upper() in READINGS)
