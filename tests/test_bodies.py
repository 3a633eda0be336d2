"""The shared body decoder (surfaces/decoding.py) on every route that reads a body, on both
databases: bad UTF-8 is a 4xx, malformed JSON says where, /api/v1 refuses unknown fields."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import error_key, make_event, register
from tests.live import Tenant
from tests.webkasa import code, create_event, create_registration

BAD_UTF8 = (
    b'{"title": "caf\xc3", "bookable_event_id": "be_\xff", "registration_id": "r\xed\xa0\x80"}'
)


def _body_routes(tenant: Tenant) -> list[tuple[str, str]]:
    """(method, path) of every route that reads a body, with the objects they need."""
    make_event(tenant.http, "be_1")
    assert register(tenant.http, "be_1", "r1").status_code == 200
    event = create_event(tenant.http)
    registration = create_registration(tenant.http, event["id"]).json()["data"]
    events = f"/api/v1/events/{event['id']}"
    return [
        ("POST", "/v1/bookable_events"),
        ("POST", "/v1/bookable_events/be_1/registrations"),
        ("POST", "/v1/availability"),
        ("POST", "/api/v1/events"),
        ("PATCH", events),
        ("POST", f"{events}/registrations"),
        ("PATCH", f"{events}/registrations/{registration['id']}"),
        ("POST", f"{events}/registrations/{registration['id']}/check-in"),
    ]


def test_bad_utf8_inside_a_string_is_refused_on_every_body_route(tenant: Tenant) -> None:
    answers = []
    for method, path in _body_routes(tenant):
        r = tenant.http.request(
            method, path, content=BAD_UTF8, headers={"Content-Type": "application/json"}
        )
        if r.status_code != 422:
            answers.append((method, path, r.status_code))
        elif path.startswith("/v1/"):
            assert error_key(r, "body") == "errors.invalid_json"
            answers.append(r.json()["errors"]["body"][0]["description"])
        else:
            assert code(r) == "VALIDATION_ERROR"
            answers.append(r.json()["details"][0]["message"])
    assert answers == ["the body is not valid UTF-8 (byte 14)"] * 8


def test_malformed_json_says_where(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/v1/bookable_events", content=b'{"a": 1,}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    description = r.json()["errors"]["body"][0]["description"]
    assert description == "the body must be a JSON object: trailing comma in object (byte 8)"


def test_malformed_body_hints_at_content_type(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events",
        content=b"title=x&start_date=2030-01-01",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422
    message = r.json()["details"][0]["message"]
    assert "Content-Type: application/x-www-form-urlencoded; send application/json" in message


def test_an_array_is_named_as_such(tenant: Tenant) -> None:
    r = tenant.http.post("/api/v1/events", json=[1])
    assert r.status_code == 422
    assert r.json()["details"][0]["message"] == "the body must be a JSON object, not an array"


def test_api_v1_refuses_an_unknown_field_naming_the_right_one(tenant: Tenant) -> None:
    r = tenant.http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "capacity": 2}
    )
    assert r.status_code == 422
    assert r.json()["details"] == [
        {
            "field": "capacity",
            "code": "unknown_field",
            "message": "capacity is not a field here; did you mean slots?",
        }
    ]
    assert tenant.http.get("/api/v1/events").json()["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("events", {"id": "evt_x", "created_at": "2024-01-01T00:00:00Z", "counts": {}}),
        ("registrations", {"id": "reg_x", "event_id": "evt_x", "checked_in_count": 0}),
    ],
)
def test_api_v1_ignores_webkasas_own_fields(
    tenant: Tenant, path: str, extra: dict[str, Any]
) -> None:
    event = create_event(tenant.http)
    if path == "events":
        r = tenant.http.patch(f"/api/v1/events/{event['id']}", json={"title": "U", **extra})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["id"] == event["id"]
    else:
        body = {"attendee_email": "a@example.com", "attendee_name": "A", **extra}
        r = tenant.http.post(f"/api/v1/events/{event['id']}/registrations", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["data"]["id"] != "reg_x"


def test_v1_still_ignores_unknown_fields(tenant: Tenant) -> None:
    assert make_event(tenant.http, "be_1", capacity_typo=3, bearer_token="x")["bookable_event_id"]


@pytest.mark.parametrize("start", ["2030-12-10T20:00:00.500Z", "2030-12-10T20:00:00.999+00:00"])
def test_fractional_seconds_are_accepted_and_stored_to_the_second(
    tenant: Tenant, start: str
) -> None:
    event = make_event(tenant.http, "be_1", start=start, end="2030-12-10T21:00:00.1Z")
    assert (event["start"], event["end"]) == ("2030-12-10T20:00:00Z", "2030-12-10T21:00:00Z")
