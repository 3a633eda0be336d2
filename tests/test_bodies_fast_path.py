"""The /v1 bodies' fast path (a whole decode against the declared Struct) gives exactly the answer
of the field-by-field check whenever it answers, and answers for every body that check accepts."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import event_body
from tests.live import Tenant
from turnout.core.errors import ValidationFailed
from turnout.surfaces.cronofy import parse
from turnout.surfaces.decoding import decode_object
from turnout.surfaces.webkasa import contract as webkasa_contract
from turnout.surfaces.webkasa import parse as webkasa_parse

EDGES: list[Any] = [
    *(None, True, False, 0, 1, -1, 9999, 10000, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**70),
    *(0.5, 1.0, -0.0, 1e308, 2.5, [], [1], {}),
    *("", "a", "a" * 64, "a" * 65, "x" * 256, "x" * 257, "be_1", "a\n", "a b"),
    *("2030-01-24T12:30:00Z", "2030-01-24T12:30:00.5Z", "2030-01-24T17:00:00Z"),
    *("2030-01-24T11:00:00+02:00", "2030-01-24", "accepted", "confirmed"),
    *("pending", "removed", "cancelled", "Accepted", "x" * 2000, "x" * 2001),
    {"capacity": 0},
    {"capacity": 2**31 - 1},
    {"capacity": None},
    {"email": "a@b", "n": 2**31 - 1, "f": 1.5},
    {"": 1},
    {"k" * 64: 1},
    {"k" * 65: 1},
    {"n": 2**31},
    {"s": "x" * 257},
    {"b": True},
    {str(i): i for i in range(10)},
    {str(i): i for i in range(11)},
]
SCALARS = st.sampled_from(EDGES)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["", "a", "email", "k" * 65, "capacity"]), inner, max_size=12
        ),
    ),
    max_leaves=14,
)
EVENT_KEYS = ["bookable_event_id", "start", "end", "status", "registration", "bearer_token"]
REGISTRATION_KEYS = ["registration_id", "status", "metadata", "guest_count", "notes", "x"]
EVENT = {
    "bookable_event_id": "be_1",
    "start": "2030-01-24T12:30:00Z",
    "end": "2030-01-24T17:00:00Z",
    "status": "confirmed",
}
REGISTRATION = {"registration_id": "r1", "status": "accepted"}


def _slow(check: Any, raw: bytes) -> Any:
    try:
        return check(decode_object(raw, empty_is={}))
    except ValidationFailed:
        return None


def _agree(fast: Any, check: Any, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    answer, slow = fast(raw), _slow(check, raw)
    assert answer == slow, (body, answer, slow)


def test_every_edge_value_in_every_field_agrees() -> None:
    """Exhaustive single-field changes: each edge value in each field, and each field left out."""
    for fast, check, base, keys in (
        (parse.fast_event_upsert, parse.event_upsert, EVENT, EVENT_KEYS),
        (
            parse.fast_registration_upsert,
            parse.registration_upsert,
            REGISTRATION,
            REGISTRATION_KEYS,
        ),
    ):
        for key in keys:
            _agree(fast, check, {k: v for k, v in base.items() if k != key})
            for value in EDGES:
                _agree(fast, check, {**base, key: value})


@settings(max_examples=1000, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(EVENT_KEYS), VALUES, max_size=3), st.booleans())
def test_event_upsert_paths_agree(body: dict[str, Any], valid_base: bool) -> None:
    if valid_base:
        body = {**EVENT, **body}
    _agree(parse.fast_event_upsert, parse.event_upsert, body)


@settings(max_examples=1000, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(REGISTRATION_KEYS), VALUES, max_size=3), st.booleans())
def test_registration_upsert_paths_agree(body: dict[str, Any], valid_base: bool) -> None:
    if valid_base:
        body = {**REGISTRATION, **body}
    _agree(parse.fast_registration_upsert, parse.registration_upsert, body)


def test_malformed_and_nul_bodies_take_the_checked_path() -> None:
    for raw in (b"", b"[]", b'{"registration_id": "r\\u0000", "status": "accepted"}', b"\xff"):
        assert parse.fast_registration_upsert(raw) is None


WEBKASA_KEYS = [
    *("attendee_email", "attendee_name", "attendee_phone", "status", "guest_count", "notes"),
    *("id", "capacity"),
]
WEBKASA_EDGES = [
    *EDGES,
    *("a@b.c", " a@b.c ", "a@@b", "@b", "a@ b", "a@b ", "confirmed", " Attended ", "CANCELLED"),
    *(" ", "ß", "A" * 256 + "@x", "+1 234"),
]
WEBKASA = {"attendee_email": "a@example.com", "attendee_name": "A"}


def _webkasa_slow(raw: bytes, creating: bool) -> Any:
    try:
        return webkasa_parse.registration_fields(decode_object(raw, empty_is={}), creating)
    except ValidationFailed:
        return None


def _webkasa_agree(body: dict[str, Any], creating: bool) -> None:
    raw = json.dumps(body).encode()
    answer = webkasa_contract.fast_registration_fields(raw, creating)
    if set(body) <= set(webkasa_parse.REGISTRATION_FIELDS):
        assert answer == _webkasa_slow(raw, creating), (body, creating, answer)
    else:  # ignored and unknown fields are the checked path's to accept or refuse
        assert answer is None, body


def test_webkasa_registration_edges_agree() -> None:
    for creating in (True, False):
        for key in WEBKASA_KEYS:
            _webkasa_agree({k: v for k, v in WEBKASA.items() if k != key}, creating)
            for value in WEBKASA_EDGES:
                _webkasa_agree({**WEBKASA, key: value}, creating)


@settings(max_examples=1000, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    st.dictionaries(st.sampled_from(WEBKASA_KEYS), st.sampled_from(WEBKASA_EDGES), max_size=3),
    st.booleans(),
    st.booleans(),
)
def test_webkasa_registration_paths_agree(
    body: dict[str, Any], valid_base: bool, creating: bool
) -> None:
    _webkasa_agree({**WEBKASA, **body} if valid_base else body, creating)


def test_nesting_past_the_decoders_depth_is_a_422_not_a_500(tenant: Tenant) -> None:
    """Found by the HTTP fuzzer after the merge: msgspec raises RecursionError (not DecodeError)
    past its depth, and the fast path let it through as a 500. Sent over HTTP, so the recursion
    happens in the server's thread, not the test's."""
    tenant.http.post("/v1/bookable_events", json=event_body("nested"))
    deep = b'{"a":' * 20_000 + b"1" + b"}" * 20_000
    for raw in (deep, deep[:7200], b"[" * 30_000 + b"]" * 30_000):
        for url in ("/v1/bookable_events/nested/registrations", "/v1/bookable_events"):
            r = tenant.http.post(url, content=raw, headers={"Content-Type": "application/json"})
            assert r.status_code in (413, 422), (url, len(raw), r.status_code, r.text[:200])
