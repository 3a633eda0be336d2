"""A body takes one of two paths through its declaration (surfaces/fields.py): the whole decode, or,
when that fails, the field-by-field re-check. The re-check accepts exactly what the whole decode
accepts (fields outside a closed declaration aside: those are the ignored ones), into the same value."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import event_body
from tests.live import Tenant
from turnout.core.errors import ValidationFailed
from turnout.surfaces.cronofy import parse as cronofy
from turnout.surfaces.decoding import decode_object
from turnout.surfaces.fields import FAILED, Body
from turnout.surfaces.webkasa import parse as webkasa

EDGES: list[Any] = [
    *(None, True, False, 0, 1, -1, 9999, 10000, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**70),
    *(0.5, 1.0, -0.0, 1e308, 2.5, [], [1], {}, [{"bookable_event_id": "be_1"}]),
    *("", "a", "a" * 64, "a" * 65, "x" * 256, "x" * 257, "be_1", "a\n", "a b", " "),
    *("2030-01-24T12:30:00Z", "2030-01-24", "18:00", "UTC", "accepted", "confirmed", "PENDING"),
    *("x" * 2000, "x" * 2001, "a@b.c", "published"),
    {"capacity": 0},
    {"capacity": None},
    {"email": "a@b", "n": 2**31 - 1, "f": 1.5},
    {"": 1},
    {"k" * 65: 1},
    {"n": 2**31},
    {str(i): i for i in range(11)},
]
BODIES: list[Body[Any]] = [
    cronofy.EVENT,
    cronofy.REGISTRATION,
    cronofy.AVAILABILITY,
    webkasa.EVENT_CREATE,
    webkasa.EVENT_CHANGE,
    webkasa.REGISTRATION_CREATE,
    webkasa.REGISTRATION_CHANGE,
    webkasa.CHECK_IN,
]
VALID: list[dict[str, Any]] = [
    {
        "bookable_event_id": "be_1",
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
    },
    {"registration_id": "r1", "status": "accepted"},
    {"bookable_events": [{"bookable_event_id": "be_1"}]},
    {"title": "T", "start_date": "2030-05-01"},
    {},
    {"attendee_email": "a@example.com", "attendee_name": "A"},
    {},
    {"count": 1},
]


def paths_agree(declared: Body[Any], body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    try:
        whole = msgspec.json.decode(raw, type=declared.kind)
    except msgspec.ValidationError:
        whole = None
    try:
        checked, errors = declared.check(decode_object(raw))
    except ValidationFailed:  # an unknown field refused: the whole decode refused it too
        assert whole is None, body
        return
    if whole is not None:
        assert (checked, errors) == (whole, []), body
    else:
        assert errors, (body, checked)  # never silently accepted
        assert FAILED in msgspec.structs.astuple(checked), (body, checked)


def test_every_edge_value_in_every_field_takes_both_paths_alike() -> None:
    for declared, valid in zip(BODIES, VALID, strict=True):
        names = [f.encode_name for f in msgspec.structs.fields(declared.kind)]
        for name in names:
            paths_agree(declared, {k: v for k, v in valid.items() if k != name})
            for value in EDGES:
                paths_agree(declared, {**valid, name: value})


@settings(
    max_examples=1500, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)
@given(st.integers(0, len(BODIES) - 1), st.data())
def test_generated_bodies_take_both_paths_alike(which: int, data: st.DataObject) -> None:
    declared, valid = BODIES[which], VALID[which]
    names = [f.encode_name for f in msgspec.structs.fields(declared.kind)]
    body = data.draw(st.dictionaries(st.sampled_from(names), st.sampled_from(EDGES), max_size=4))
    paths_agree(declared, {**valid, **body} if data.draw(st.booleans()) else body)


def test_malformed_and_nul_bodies_are_refused_by_the_shared_decoder() -> None:
    for raw in (b"[]", b'{"registration_id": "r\\u0000", "status": "accepted"}', b"\xff", b"{"):
        with pytest.raises(ValidationFailed) as refused:
            cronofy.registration_upsert(raw)
        assert [e.code for e in refused.value.errors] in (["invalid_json"], ["invalid"]), raw


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
