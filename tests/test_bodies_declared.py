"""The answers derived from each body's declaration (surfaces/fields.py and each surface's WORDS), on
a table of known bodies: every kind of broken rule, each in the vendor's words, all at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.live import Tenant
from tests.webkasa import create_event
from turnout.core.errors import FieldError, ValidationFailed
from turnout.surfaces.cronofy import parse as cronofy
from turnout.surfaces.webkasa import parse as webkasa

E = FieldError
EVENT = {
    "bookable_event_id": "be_1",
    "start": "2030-01-24T12:30:00Z",
    "end": "2030-01-24T17:00:00Z",
    "status": "confirmed",
}
REG = {"registration_id": "r1", "status": "accepted"}
ATTENDEE = {"attendee_email": "a@example.com", "attendee_name": "A"}
DAY = {"title": "T", "start_date": "2030-05-01"}
ID_RULE = "must match [A-Za-z0-9_-]{1,64}"
REGISTRATION_STATUSES = "pending, tentative, accepted, declined, removed"
READINGS = "PENDING, CONFIRMED, ATTENDED, CANCELLED"


def v1_event(raw: bytes) -> Any:
    return cronofy.event_upsert(raw)


def v1_registration(raw: bytes) -> Any:
    return cronofy.registration_upsert(raw)


def v1_availability(raw: bytes) -> Any:
    return cronofy.availability_ids(raw)


def api_registration(raw: bytes) -> Any:
    return webkasa.registration_fields(raw, None, creating=True)


def api_registration_patch(raw: bytes) -> Any:
    return webkasa.registration_fields(raw, None, creating=False)


def api_event(raw: bytes) -> Any:
    given = webkasa.event_fields(raw, None, creating=True)
    return given.fields, given.schedule


def api_event_patch(raw: bytes) -> Any:
    given = webkasa.event_fields(raw, None, creating=False)
    return given.fields, given.schedule


def api_check_in(raw: bytes) -> Any:
    return webkasa.check_in_count(raw, None)


REFUSED: list[tuple[Callable[[bytes], Any], dict[str, Any], list[FieldError]]] = [
    (v1_event, {}, [
        E("bookable_event_id", "required", "bookable_event_id is required"),
        E("start", "required", "start is required"),
        E("end", "required", "end is required"),
        E("status", "required", "status is required"),
    ]),
    (v1_event, {**EVENT, "bookable_event_id": "a b", "end": EVENT["start"], "status": "draft"}, [
        E("bookable_event_id", "invalid", f"bookable_event_id {ID_RULE}"),
        E("end", "invalid", "end must be after start"),
        E("status", "invalid", "status must be confirmed or cancelled"),
    ]),
    (v1_event, {**EVENT, "bookable_event_id": "a" * 65, "start": "tomorrow"}, [
        E("bookable_event_id", "too_long", "bookable_event_id must be at most 64 characters"),
        E("start", "invalid", "start must be an RFC 3339 time such as 2025-01-24T12:30:00Z"),
    ]),
    (v1_event, {**EVENT, "registration": None}, [
        E("registration", "invalid", "registration must be an object"),
    ]),
    (v1_event, {**EVENT, "registration": {"capacity": 1.5}}, [
        E("registration.capacity", "must_be_integer", "capacity must be a whole number or null"),
    ]),
    (v1_event, {**EVENT, "registration": {"capacity": 2**31}}, [
        E("registration.capacity", "out_of_range", "capacity must be between 1 and 2147483647"),
    ]),
    (v1_registration, {"registration_id": None, "status": "maybe", "guest_count": True}, [
        E("registration_id", "required", "registration_id is required"),
        E("status", "invalid", f"status must be one of {REGISTRATION_STATUSES}"),
        E("guest_count", "must_be_integer", "guest_count must be a whole number"),
    ]),
    (v1_registration, {**REG, "guest_count": 10000, "notes": "x" * 2001}, [
        E("guest_count", "out_of_range", "guest_count must be 0 to 9999"),
        E("notes", "too_long", "notes are at most 2000 characters"),
    ]),
    (v1_registration, {**REG, "metadata": []}, [
        E("metadata", "invalid", "metadata must be an object or null"),
    ]),
    (v1_registration, {**REG, "metadata": {**{str(i): i for i in range(10)}, "": 1}}, [
        E("metadata", "too_many", "metadata holds at most 10 pairs"),
        E("metadata", "invalid", "metadata keys must not be empty"),
    ]),
    (v1_registration, {**REG, "metadata": {"k" * 65: 1, "n": 2**31, "s": "x" * 257, "b": True}}, [
        E("metadata", "too_long", "metadata keys are at most 64 characters"),
        E("metadata.n", "out_of_range", "integers must fit in 32 bits (signed)"),
        E("metadata.s", "too_long", "at most 256 characters"),
        E("metadata.b", "invalid", "must be a string, an integer or a number"),
    ]),
    (v1_availability, {}, [E("bookable_events", "required", "bookable_events is required")]),
    (v1_availability, {"bookable_events": []}, [
        E("bookable_events", "invalid", "bookable_events must be a non-empty list"),
    ]),
    (v1_availability, {"bookable_events": [{"bookable_event_id": str(i)} for i in range(101)]}, [
        E("bookable_events", "too_many", "at most 100 bookable events"),
    ]),
    (v1_availability, {"bookable_events": [{"bookable_event_id": "a"}, {"id": "b"}]}, [
        E("bookable_events", "invalid", 'each item must be {"bookable_event_id": "…"}'),
    ]),
    (api_registration, {}, [
        E("attendee_email", "required", "attendee_email is required"),
        E("attendee_name", "required", "attendee_name is required"),
    ]),
    (api_registration, {**ATTENDEE, "attendee_email": " a@@b ", "attendee_name": " ", "status": 1}, [
        E("attendee_email", "invalid", "attendee_email must be an email address"),
        E("attendee_name", "invalid", "attendee_name must be non-empty text"),
        E("status", "invalid", f"status must be one of {READINGS}"),
    ]),
    (api_registration_patch, {"attendee_phone": "1" * 257, "guest_count": -1, "notes": 5}, [
        E("attendee_phone", "too_long", "attendee_phone is at most 256 characters"),
        E("guest_count", "out_of_range", "guest_count must be 0 to 9999"),
        E("notes", "invalid", "notes must be text or null"),
    ]),
    (api_registration, {**ATTENDEE, "email": "b@example.com"}, [
        E("email", "unknown_field", "email is not a field here; did you mean attendee_email?"),
    ]),
    (api_event, {"timezone": "Mars/Base"}, [
        E("title", "required", "title is required (1–200 characters)"),
        E("start_date", "required", "start_date is required"),
        E("timezone", "invalid", "timezone is not valid"),
    ]),
    (api_event, {**DAY, "title": " " + "x" * 200, "cost": 1.005, "slots": 2**31}, [
        E("title", "too_long", "title is at most 200 characters"),
        E("cost", "invalid", "cost has at most 2 decimals"),
        E("slots", "out_of_range", "slots must be between 1 and 2147483647"),
    ]),
    (api_event, {**DAY, "cost": -1, "slots": "9", "status": "live", "end_date": "2030-05-02"}, [
        E("cost", "out_of_range", "cost must be between 0 and 1000000000"),
        E("slots", "invalid", "slots must be a whole number or null"),
        E("status", "invalid", "status must be published, draft or cancelled"),
        E("end_date", "invalid", "end_date needs end_time"),
    ]),
    (api_event_patch, {"start_date": None, "description": "x" * 5001, "location": 1}, [
        E("description", "too_long", "description is at most 5000 characters"),
        E("location", "invalid", "location must be a string or null"),
        E("start_date", "required", "start_date is not valid"),
    ]),
    (api_event_patch, {"status": None, "start_time": "25:00"}, [
        E("status", "invalid", "status must be published, draft or cancelled"),
        E("start_time", "invalid", "start_time is not valid"),
    ]),
    (api_check_in, {"count": -1}, [
        E("count", "invalid", "count is a whole number of people, 0 or more"),
    ]),
    (api_check_in, {"checked_in_count": 1}, [
        E("checked_in_count", "unknown_field", "checked_in_count is not a field here; did you mean count?"),
    ]),
]  # fmt: skip

ACCEPTED: list[tuple[Callable[[bytes], Any], dict[str, Any], Any]] = [
    (v1_availability, {"bookable_events": [{"bookable_event_id": i} for i in "aba"]}, ["a", "b"]),
    (api_registration, {**ATTENDEE, "attendee_email": " a@example.com ", "id": "reg_x"}, {
        **ATTENDEE, "status": "PENDING",
    }),
    (api_registration_patch, {"status": " attended ", "attendee_phone": None}, {
        "status": "ATTENDED", "attendee_phone": None,
    }),
    (api_event, {**DAY, "title": " T ", "status": None, "cost": 12.5, "counts": {}}, (
        {"title": "T", "status": "draft", "cost_cents": 1250}, {"start_date": "2030-05-01"},
    )),
    (api_event_patch, {"status": " Published", "timezone": None, "slots": None}, (
        {"status": "confirmed", "capacity": None}, {"timezone": None},
    )),
    (api_check_in, {}, None),
    (api_check_in, {"count": None}, None),
]  # fmt: skip


@pytest.mark.parametrize(("read", "body", "errors"), REFUSED)
def test_a_refused_body_names_every_error_in_the_vendors_words(
    read: Callable[[bytes], Any], body: dict[str, Any], errors: list[FieldError]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read(json.dumps(body).encode())
    assert refused.value.errors == errors


@pytest.mark.parametrize(("read", "body", "expected"), ACCEPTED)
def test_an_accepted_body_reads_into_core_terms(
    read: Callable[[bytes], Any], body: dict[str, Any], expected: Any
) -> None:
    assert read(json.dumps(body).encode()) == expected


# The /v1 extensions' bodies (keys, hubs, webhook endpoints), over HTTP with an admin key: every
# field's error at once, where each used to stop at the first.
EXTENSIONS: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = [
    (
        "/v1/keys",
        {"scope": "write nope", "name": 5, "expires_at": "2001-01-01T00:00:00Z"},
        {"scope": ["invalid"], "name": ["invalid"], "expires_at": ["invalid"]},
    ),
    (
        "/v1/hubs",
        {"name": "", "registration_quota": -1, "registration_ttl_seconds": "day"},
        {"name": ["invalid"], "registration_quota": ["invalid"], "registration_ttl_seconds": ["invalid"]},
    ),
    (
        "/v1/hub_rules",
        {"rights": ["listen", "shout"]},
        {"name": ["required"], "rights": ["invalid"]},
    ),
    (
        "/v1/webhook_endpoints",
        {"url": 5, "event_types": [], "signing": "v2", "enabled": "yes"},
        {"url": ["invalid"], "event_types": ["invalid"], "signing": ["invalid"], "enabled": ["invalid"]},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "keys"), EXTENSIONS)
def test_an_extensions_body_names_every_error(
    tenant: Tenant, path: str, body: dict[str, Any], keys: dict[str, list[str]]
) -> None:
    with tenant.client(tenant.key_with("admin")) as http:
        r = http.post(path, json=body)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert {f: [e["key"] for e in found] for f, found in errors.items()} == {
        f: [f"errors.{code}" for code in codes] for f, codes in keys.items()
    }


def test_a_webhook_endpoint_change_refuses_a_field_it_cannot_change(tenant: Tenant) -> None:
    with tenant.client(tenant.key_with("admin")) as http:
        r = http.patch("/v1/webhook_endpoints/we_x", json={"signing": "v1a"})
    assert r.status_code == 422, r.text
    assert list(r.json()["errors"]) == ["signing"]


def test_issue_9s_inconsistencies_are_answered_alike(tenant: Tenant) -> None:
    """Issue 9: an over-long phone was `invalid` where an over-long email was `too_long`, and slots
    above 2³¹−1 read "slots must be at least 1". Each limit now speaks from its declaration."""
    event = create_event(tenant.http)
    long_text = {"attendee_phone": "1" * 257, "attendee_email": "a" * 251 + "@x.org"}
    r = tenant.http.post(
        f"/api/v1/events/{event['id']}/registrations", json={"attendee_name": "A", **long_text}
    )
    assert r.status_code == 422, r.text
    assert sorted((d["field"], d["code"]) for d in r.json()["details"]) == [
        ("attendee_email", "too_long"),
        ("attendee_phone", "too_long"),
    ]
    r = tenant.http.patch(f"/api/v1/events/{event['id']}", json={"slots": 2**31})
    assert r.status_code == 422, r.text
    assert r.json()["details"] == [
        {
            "field": "slots",
            "code": "out_of_range",
            "message": "slots must be between 1 and 2147483647",
        }
    ]


def test_metadata_accepts_exactly_ten_pairs() -> None:
    """The rule core/metadata.py checked by hand before the declaration took it over."""
    ten = {**REG, "metadata": {str(i): i for i in range(10)}}
    assert v1_registration(json.dumps(ten).encode()) is not None
    eleven = {**REG, "metadata": {str(i): i for i in range(11)}}
    with pytest.raises(ValidationFailed) as refused:
        v1_registration(json.dumps(eleven).encode())
    assert [e.code for e in refused.value.errors] == ["too_many"]
