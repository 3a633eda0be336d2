"""/api/v1 registrations: W5–W10, the status mapping, seats, duplicates: K30–K38, K40."""

from __future__ import annotations

import re

import pytest

from tests.builders import make_event, register
from tests.live import Tenant
from tests.webkasa import (
    SPEC_REGISTRATION,
    code,
    create_event,
    create_registration,
    detail_fields,
    event_counts,
)


def reg_url(event_id: str, registration_id: str = "") -> str:
    base = f"/api/v1/events/{event_id}/registrations"
    return f"{base}/{registration_id}" if registration_id else base


def test_spec_create_example(tenant: Tenant) -> None:  # K30
    event = create_event(tenant.http, slots=30)
    r = tenant.http.post(reg_url(event["id"]), json=SPEC_REGISTRATION)
    assert r.status_code == 201
    data = r.json()["data"]
    assert re.fullmatch(r"reg_[A-Za-z0-9]{16,}", data["id"])
    assert (
        r.headers["location"]
        == f"{tenant.server.settings.base_url}/api/v1/events/{event['id']}/registrations/{data['id']}"
    )
    assert {k: v for k, v in data.items() if k not in ("id", "created_at", "updated_at")} == {
        "event_id": event["id"],
        "attendee_name": "John Doe",
        "attendee_email": "user@example.com",
        "attendee_phone": "+1234567890",
        "status": "PENDING",
        "guest_count": 2,
        "notes": "Dietary restrictions: vegan",
        "checked_in_count": 0,
        "checked_in_at": None,
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", data["created_at"])
    counts = event_counts(tenant.http, event["id"])
    assert (counts["seats_taken"], counts["registrations"]) == (3, 1)


def test_missing_attendee_fields_are_listed_together(tenant: Tenant) -> None:  # K31
    event = create_event(tenant.http)
    r = tenant.http.post(reg_url(event["id"]), json={"guest_count": 1})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
    assert detail_fields(r) == {"attendee_email", "attendee_name"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"attendee_email": "bad"}, "attendee_email"),
        ({"attendee_email": "a@b@c"}, "attendee_email"),
        ({"attendee_email": "a@exa mple.com"}, "attendee_email"),
        ({"guest_count": -1}, "guest_count"),
        ({"guest_count": 1.5}, "guest_count"),
        ({"guest_count": "2"}, "guest_count"),
        ({"status": "WAITLIST"}, "status"),
        ({"notes": "x" * 2001}, "notes"),
        ({"attendee_name": "x" * 257}, "attendee_name"),
    ],
)
def test_bad_registration_fields_are_422(
    tenant: Tenant, fields: dict[str, object], field: str
) -> None:  # K31
    event = create_event(tenant.http)
    r = create_registration(tenant.http, event["id"], **fields)
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
    assert field in detail_fields(r)
    assert event_counts(tenant.http, event["id"])["registrations"] == 0


def test_status_is_case_insensitive(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    r = create_registration(tenant.http, event["id"], status="confirmed")
    assert r.json()["data"]["status"] == "CONFIRMED"


@pytest.mark.parametrize("again", ["A@Example.com", "  a@example.com  ", "a@EXAMPLE.COM"])
def test_same_email_twice_is_a_duplicate(tenant: Tenant, again: str) -> None:  # K32
    event = create_event(tenant.http)
    assert create_registration(tenant.http, event["id"], "a@example.com").status_code == 201
    r = create_registration(tenant.http, event["id"], again)
    assert (r.status_code, code(r)) == (409, "DUPLICATE_REGISTRATION")
    assert event_counts(tenant.http, event["id"])["registrations"] == 1


def test_cancelled_registration_never_blocks(tenant: Tenant) -> None:  # K32
    event = create_event(tenant.http)
    first = create_registration(tenant.http, event["id"]).json()["data"]
    assert tenant.http.delete(reg_url(event["id"], first["id"])).status_code == 200
    again = create_registration(tenant.http, event["id"])
    assert again.status_code == 201
    assert again.json()["data"]["id"] != first["id"]


def test_moving_an_email_onto_an_active_one_is_a_duplicate(tenant: Tenant) -> None:  # K32
    event = create_event(tenant.http)
    create_registration(tenant.http, event["id"], "a@example.com")
    b = create_registration(tenant.http, event["id"], "b@example.com").json()["data"]
    r = tenant.http.patch(reg_url(event["id"], b["id"]), json={"attendee_email": "A@example.com"})
    assert (r.status_code, code(r)) == (409, "DUPLICATE_REGISTRATION")


def test_reactivating_onto_an_active_email_is_a_duplicate(tenant: Tenant) -> None:  # K32
    event = create_event(tenant.http)
    old = create_registration(tenant.http, event["id"], "a@example.com").json()["data"]
    tenant.http.delete(reg_url(event["id"], old["id"]))
    create_registration(tenant.http, event["id"], "a@example.com")
    r = tenant.http.patch(reg_url(event["id"], old["id"]), json={"status": "PENDING"})
    assert (r.status_code, code(r)) == (409, "DUPLICATE_REGISTRATION")


def test_guest_seats_against_slots(tenant: Tenant) -> None:  # K33
    event = create_event(tenant.http, slots=5)
    eid = event["id"]
    a = create_registration(tenant.http, eid, "a@x.org", guest_count=2)
    assert a.status_code == 201
    b = create_registration(tenant.http, eid, "b@x.org", guest_count=2)
    assert (b.status_code, code(b)) == (409, "EVENT_FULL")
    assert b.json()["details"] == [
        {"field": "guest_count", "code": "capacity", "message": "3 seats requested, 2 available"}
    ]
    assert event_counts(tenant.http, eid)["registrations"] == 1
    assert create_registration(tenant.http, eid, "c@x.org", guest_count=1).status_code == 201
    assert event_counts(tenant.http, eid)["seats_taken"] == 5
    d = create_registration(tenant.http, eid, "d@x.org", status="CANCELLED", guest_count=4)
    assert d.status_code == 201
    shrink = tenant.http.patch(reg_url(eid, a.json()["data"]["id"]), json={"guest_count": 1})
    assert shrink.status_code == 200
    assert event_counts(tenant.http, eid)["seats_taken"] == 4


def test_v1_statuses_read_and_filter_as_webkasa(tenant: Tenant) -> None:  # K34
    make_event(tenant.http, "be_1")
    for rid, status in [
        ("t", "tentative"),
        ("p", "pending"),
        ("a", "accepted"),
        ("d", "declined"),
        ("x", "removed"),
        ("c", "accepted"),
    ]:
        register(tenant.http, "be_1", rid, status)
    tenant.http.post(reg_url("be_1", "c") + "/check-in", json={})
    readings = {r["id"]: r["status"] for r in tenant.http.get(reg_url("be_1")).json()["data"]}
    assert readings == {
        "t": "PENDING",
        "p": "PENDING",
        "a": "CONFIRMED",
        "d": "CANCELLED",
        "x": "CANCELLED",
        "c": "ATTENDED",
    }
    for wanted, ids in [
        ("PENDING", ["t", "p"]),
        ("CONFIRMED", ["a"]),
        ("ATTENDED", ["c"]),
        ("CANCELLED", ["d", "x"]),
    ]:
        body = tenant.http.get(reg_url("be_1"), params={"status": wanted}).json()
        assert [r["id"] for r in body["data"]] == ids
        assert body["meta"]["total"] == len(ids)
    assert tenant.http.get(reg_url("be_1"), params={"status": "NOPE"}).status_code == 422


def test_writing_attended_checks_in_the_party_and_confirmed_undoes_it(
    tenant: Tenant,
) -> None:  # K35
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"], status="ATTENDED", guest_count=3).json()[
        "data"
    ]["id"]
    data = tenant.http.get(reg_url(event["id"], rid)).json()["data"]
    assert (data["status"], data["checked_in_count"]) == ("ATTENDED", 4)
    assert data["checked_in_at"] is not None
    data = tenant.http.patch(reg_url(event["id"], rid), json={"status": "CONFIRMED"}).json()["data"]
    assert (data["status"], data["checked_in_count"], data["checked_in_at"]) == (
        "CONFIRMED",
        0,
        None,
    )


def test_pending_keeps_tentative(tenant: Tenant) -> None:  # K35
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", "tentative")
    assert tenant.http.patch(reg_url("be_1", "r1"), json={"status": "PENDING"}).status_code == 200
    v1 = tenant.http.get("/v1/bookable_events/be_1/registrations/r1").json()["registration"]
    assert v1["status"] == "tentative"


def test_cancelled_keeps_declined(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", "declined")
    tenant.http.patch(reg_url("be_1", "r1"), json={"status": "CANCELLED"})
    assert (
        tenant.http.get("/v1/bookable_events/be_1/registrations/r1").json()["registration"][
            "status"
        ]
        == "declined"
    )


def test_partial_check_in(tenant: Tenant) -> None:  # K36
    event = create_event(tenant.http)
    eid = event["id"]
    rid = create_registration(tenant.http, eid, status="CONFIRMED", guest_count=3).json()["data"][
        "id"
    ]
    url = reg_url(eid, rid) + "/check-in"
    data = tenant.http.post(url, json={"count": 2}).json()["data"]
    assert (data["status"], data["checked_in_count"]) == ("ATTENDED", 2)
    assert event_counts(tenant.http, eid)["checked_in"] == 2
    again = tenant.http.post(url, json={"count": 2})
    assert again.json()["data"] == data  # a repeat changes nothing
    assert event_counts(tenant.http, eid)["checked_in"] == 2
    over = tenant.http.post(url, json={"count": 5})
    assert (over.status_code, code(over)) == (422, "VALIDATION_ERROR")
    assert tenant.http.post(url, json={"count": 0}).json()["data"]["status"] == "CONFIRMED"
    assert event_counts(tenant.http, eid)["checked_in"] == 0
    whole = tenant.http.post(url, content=b"").json()["data"]
    assert whole["checked_in_count"] == 4


@pytest.mark.parametrize("count", [-1, 1.5, "2", True])
def test_bad_check_in_count_is_422(tenant: Tenant, count: object) -> None:
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    r = tenant.http.post(reg_url(event["id"], rid) + "/check-in", json={"count": count})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")


def test_check_in_of_cancelled_registration_is_409(tenant: Tenant) -> None:  # K36
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    tenant.http.delete(reg_url(event["id"], rid))
    r = tenant.http.post(reg_url(event["id"], rid) + "/check-in", json={})
    assert (r.status_code, code(r)) == (409, "REGISTRATION_CANCELLED")


def test_check_in_of_pending_accepts_it(tenant: Tenant) -> None:  # K36
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", "pending")
    data = tenant.http.post(reg_url("be_1", "r1") + "/check-in", json={"count": 1}).json()["data"]
    assert data["status"] == "ATTENDED"
    assert (
        tenant.http.get("/v1/bookable_events/be_1/registrations/r1").json()["registration"][
            "status"
        ]
        == "accepted"
    )


def test_delete_cancels_keeps_attendee_and_is_idempotent(tenant: Tenant) -> None:  # K37
    event = create_event(tenant.http, slots=3)
    rid = create_registration(tenant.http, event["id"], guest_count=2).json()["data"]["id"]
    r = tenant.http.delete(reg_url(event["id"], rid))
    assert r.status_code == 200
    data = r.json()["data"]
    assert (data["status"], data["attendee_email"], data["attendee_name"]) == (
        "CANCELLED",
        "a@example.com",
        "A",
    )
    assert event_counts(tenant.http, event["id"])["seats_taken"] == 0
    again = tenant.http.delete(reg_url(event["id"], rid))
    assert (again.status_code, again.json()) == (200, r.json())
    missing = tenant.http.delete(reg_url(event["id"], "reg_nope"))
    assert (missing.status_code, code(missing)) == (404, "NOT_FOUND")


def test_registration_under_another_events_path_is_404(tenant: Tenant) -> None:  # K37
    one, two = create_event(tenant.http), create_event(tenant.http)
    rid = create_registration(tenant.http, one["id"]).json()["data"]["id"]
    assert tenant.http.get(reg_url(two["id"], rid)).status_code == 404
    assert tenant.http.patch(reg_url(two["id"], rid), json={"notes": "x"}).status_code == 404
    assert tenant.http.get(reg_url(one["id"], rid)).status_code == 200


def test_cancelled_event_rules(tenant: Tenant) -> None:  # K38
    event = create_event(tenant.http)
    eid = event["id"]
    a = create_registration(tenant.http, eid, "a@x.org", guest_count=2).json()["data"]["id"]
    b = create_registration(tenant.http, eid, "b@x.org").json()["data"]["id"]
    c = create_registration(tenant.http, eid, "c@x.org").json()["data"]["id"]
    assert (
        tenant.http.patch(f"/api/v1/events/{eid}", json={"status": "cancelled"}).status_code == 200
    )
    new = create_registration(tenant.http, eid, "d@x.org")
    assert (new.status_code, code(new)) == (409, "EVENT_CANCELLED")
    assert tenant.http.delete(reg_url(eid, b)).status_code == 200
    assert tenant.http.patch(reg_url(eid, a), json={"guest_count": 1}).status_code == 200
    notes = tenant.http.patch(reg_url(eid, a), json={"notes": "x"})
    assert (notes.status_code, code(notes)) == (409, "EVENT_CANCELLED")
    check_in = tenant.http.post(reg_url(eid, c) + "/check-in", json={})
    assert (check_in.status_code, code(check_in)) == (409, "EVENT_CANCELLED")


def test_v1_delete_keeps_the_attendee_fields(tenant: Tenant) -> None:  # K40, as issue 12 changed it
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"], attendee_phone="+1").json()["data"]["id"]
    assert (
        tenant.http.delete(f"/v1/bookable_events/{event['id']}/registrations/{rid}").status_code
        == 200
    )
    data = tenant.http.get(reg_url(event["id"], rid)).json()["data"]
    assert data["status"] == "CANCELLED"
    assert (data["attendee_email"], data["attendee_name"], data["attendee_phone"]) == (
        "a@example.com",
        "A",
        "+1",
    )


def test_webkasa_registration_shows_on_v1_with_metadata_and_guests(
    tenant: Tenant,
) -> None:  # C44 §7
    make_event(tenant.http, "be_1", capacity=2)
    r = create_registration(
        tenant.http, "be_1", "a@x.org", attendee_phone="+1", guest_count=1, status="CONFIRMED"
    )
    assert r.status_code == 201
    v1 = tenant.http.get("/v1/bookable_events/be_1").json()["registration"]
    assert (v1["registered_count"], v1["seats_taken"]) == (1, 2)
    assert v1["registrations"][0]["metadata"] == {
        "email": "a@x.org",
        "name": "A",
        "phone_number": "+1",
    }
    assert register(tenant.http, "be_1", "late", "pending").status_code == 422


def test_webkasa_writes_keep_other_metadata_and_v1_keeps_guests(tenant: Tenant) -> None:  # §4 §7
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", metadata={"locale": "fr", "email": "old@x.org"})
    tenant.http.patch(
        reg_url("be_1", "r1"), json={"attendee_email": "new@x.org", "guest_count": 2, "notes": "n"}
    )
    v1 = tenant.http.get("/v1/bookable_events/be_1/registrations/r1").json()["registration"]
    assert v1["metadata"] == {"locale": "fr", "email": "new@x.org"}
    register(tenant.http, "be_1", "r1", "accepted")
    data = tenant.http.get(reg_url("be_1", "r1")).json()["data"]
    assert (data["guest_count"], data["notes"], data["status"]) == (2, "n", "CONFIRMED")


def test_attendee_fields_cannot_overflow_metadata(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", metadata={f"k{i}": i for i in range(10)})
    r = tenant.http.patch(reg_url("be_1", "r1"), json={"attendee_email": "a@x.org"})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")


def test_patch_email_or_name_null_is_422_and_phone_null_clears(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"], attendee_phone="+1").json()["data"]["id"]
    for field in ("attendee_email", "attendee_name"):
        assert tenant.http.patch(reg_url(event["id"], rid), json={field: None}).status_code == 422
    cleared = tenant.http.patch(
        reg_url(event["id"], rid), json={"attendee_phone": None, "notes": None}
    )
    assert cleared.json()["data"]["attendee_phone"] is None


def test_party_cannot_shrink_below_those_checked_in(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"], status="ATTENDED", guest_count=3).json()[
        "data"
    ]["id"]
    r = tenant.http.patch(reg_url(event["id"], rid), json={"guest_count": 1})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")


def test_registration_pages_with_offsets(tenant: Tenant) -> None:  # K10
    make_event(tenant.http, "be_1")
    for i in range(120):
        register(tenant.http, "be_1", f"r{i:03d}")
    first = tenant.http.get(reg_url("be_1")).json()
    assert len(first["data"]) == 50
    assert first["meta"] == {"total": 120, "limit": 50, "offset": 0, "hasMore": True}
    last = tenant.http.get(reg_url("be_1"), params={"offset": 100}).json()
    assert [r["id"] for r in last["data"]] == [f"r{i:03d}" for i in range(100, 120)]
    assert last["meta"]["hasMore"] is False
    assert tenant.http.get(reg_url("be_1"), params={"limit": 500}).json()["meta"]["limit"] == 100
    for bad in ({"offset": "-1"}, {"limit": "0"}, {"limit": "abc"}, {"offset": "1.5"}):
        r = tenant.http.get(reg_url("be_1"), params=bad)
        assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")


def test_filtered_pages_with_offsets(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    for i in range(30):
        register(tenant.http, "be_1", f"r{i:02d}", "accepted" if i % 3 else "declined")
    body = tenant.http.get(
        reg_url("be_1"), params={"status": "CONFIRMED", "offset": 5, "limit": 5}
    ).json()
    expected = [f"r{i:02d}" for i in range(30) if i % 3][5:10]
    assert [r["id"] for r in body["data"]] == expected
    assert body["meta"] == {"total": 20, "limit": 5, "offset": 5, "hasMore": True}


def test_repeated_check_in_on_a_cancelled_event_is_still_409(tenant: Tenant) -> None:  # K38
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    url = reg_url(event["id"], rid) + "/check-in"
    assert tenant.http.post(url, json={}).status_code == 200
    tenant.http.patch(f"/api/v1/events/{event['id']}", json={"status": "cancelled"})
    r = tenant.http.post(url, json={})  # the same count again: nothing would change
    assert (r.status_code, code(r)) == (409, "EVENT_CANCELLED")


def test_check_in_count_is_validated_before_the_cancelled_registration(tenant: Tenant) -> None:
    event = create_event(tenant.http)
    rid = create_registration(tenant.http, event["id"]).json()["data"]["id"]
    tenant.http.delete(reg_url(event["id"], rid))
    r = tenant.http.post(reg_url(event["id"], rid) + "/check-in", json={"count": 5})
    assert (r.status_code, code(r)) == (422, "VALIDATION_ERROR")
