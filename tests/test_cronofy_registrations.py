"""E4 upsert, E5 delete, E9 read: the spec's conformance lines C30–C38."""

from __future__ import annotations

import pytest

from tests.builders import counters, error_key, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant

DOC_EXAMPLE = {
    "registration_id": "87326",
    "status": "accepted",
    "metadata": {
        "email": "a@company.com",
        "name": "Bill the One",
        "locale": "en-US",
        "zoneinfo": "America/Chicago",
    },
}


def upsert(tenant: Tenant, body: dict[str, object], event_id: str = "83hi8qhfiaif"):  # type: ignore[no-untyped-def]
    return tenant.http.post(f"/v1/bookable_events/{event_id}/registrations", json=body)


def test_documented_upsert_example(tenant: Tenant) -> None:  # C30
    make_event(tenant.http, "83hi8qhfiaif", capacity=5)
    r = upsert(tenant, DOC_EXAMPLE)
    assert r.status_code == 200
    reg = r.json()["registration"]
    assert (reg["registered_count"], reg["total_count"], reg["seats_taken"]) == (1, 1, 1)
    [item] = reg["registrations"]
    assert item["registration_id"] == "87326"
    assert item["status"] == "accepted"
    assert item["metadata"] == DOC_EXAMPLE["metadata"]
    assert list(item["metadata"]) == list(DOC_EXAMPLE["metadata"])  # order kept too
    assert (item["guest_count"], item["checked_in_count"], item["checked_in_at"]) == (0, 0, None)


def test_identical_resend_returns_the_same_body(tenant: Tenant) -> None:  # C31
    make_event(tenant.http, "83hi8qhfiaif", capacity=5)
    first = upsert(tenant, DOC_EXAMPLE)
    again = upsert(tenant, DOC_EXAMPLE)
    assert again.status_code == 200
    assert again.content == first.content


def test_metadata_omitted_is_kept(tenant: Tenant) -> None:  # C32
    make_event(tenant.http, "83hi8qhfiaif")
    upsert(tenant, DOC_EXAMPLE)
    r = upsert(tenant, {"registration_id": "87326", "status": "tentative"})
    item = r.json()["registration"]["registrations"][0]
    assert item["metadata"] == DOC_EXAMPLE["metadata"]
    assert item["status"] == "tentative"


def test_metadata_given_replaces_everything(tenant: Tenant) -> None:  # C32
    make_event(tenant.http, "83hi8qhfiaif")
    upsert(tenant, DOC_EXAMPLE)
    r = upsert(tenant, {**DOC_EXAMPLE, "metadata": {"locale": "fr"}})
    assert r.json()["registration"]["registrations"][0]["metadata"] == {"locale": "fr"}


def test_metadata_null_clears_it(tenant: Tenant) -> None:  # C32
    make_event(tenant.http, "83hi8qhfiaif")
    upsert(tenant, DOC_EXAMPLE)
    r = upsert(tenant, {**DOC_EXAMPLE, "metadata": None})
    assert r.json()["registration"]["registrations"][0]["metadata"] is None


def test_new_registration_without_metadata_stores_empty_object(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    r = register(tenant.http, "be_1", "r1")
    assert r.json()["registration"]["registrations"][0]["metadata"] == {}


@pytest.mark.parametrize(
    ("metadata", "field", "key"),
    [
        ({f"k{i}": "v" for i in range(11)}, "metadata", "errors.too_many"),
        ({"k" * 65: "v"}, "metadata", "errors.too_long"),
        ({"note": "v" * 257}, "metadata.note", "errors.too_long"),
        ({"flag": True}, "metadata.flag", "errors.invalid"),
        ({"none": None}, "metadata.none", "errors.invalid"),
        ({"list": [1]}, "metadata.list", "errors.invalid"),
        ({"obj": {"a": 1}}, "metadata.obj", "errors.invalid"),
        ({"big": 2147483648}, "metadata.big", "errors.out_of_range"),
        ({"": "v"}, "metadata", "errors.invalid"),
        ("text", "metadata", "errors.invalid"),
    ],
)
def test_bad_metadata_is_refused(
    tenant: Tenant, metadata: object, field: str, key: str
) -> None:  # C33 C34
    make_event(tenant.http, "be_1")
    r = register(tenant.http, "be_1", "r1", metadata=metadata)
    assert r.status_code == 422
    assert error_key(r, field) == key
    assert counters(tenant.http, "be_1")["total_count"] == 0


def test_metadata_limits_are_inclusive(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    metadata = {f"k{i}": "v" * 256 for i in range(9)} | {"k" * 64: -2147483648}
    r = register(tenant.http, "be_1", "r1", metadata=metadata)
    assert r.status_code == 200
    assert r.json()["registration"]["registrations"][0]["metadata"] == metadata


def test_float_metadata_is_kept_as_a_float(tenant: Tenant) -> None:  # C34
    make_event(tenant.http, "be_1")
    r = register(tenant.http, "be_1", "r1", metadata={"score": 1.5, "whole": 2.0, "n": 2})
    assert r.status_code == 200
    assert b'"score":1.5' in r.content and b'"whole":2.0' in r.content and b'"n":2' in r.content


def test_path_event_id_wins_over_body(tenant: Tenant) -> None:  # C35
    make_event(tenant.http, "be_1")
    make_event(tenant.http, "other")
    r = register(tenant.http, "be_1", "r1", bookable_event_id="other")
    assert r.status_code == 200
    assert counters(tenant.http, "be_1")["total_count"] == 1
    assert counters(tenant.http, "other")["total_count"] == 0


def test_unknown_status_is_invalid(tenant: Tenant) -> None:  # C36
    make_event(tenant.http, "be_1")
    r = register(tenant.http, "be_1", "r1", status="maybe")
    assert r.status_code == 422
    assert error_key(r, "status") == "errors.invalid"


def test_missing_registration_id_is_required(tenant: Tenant) -> None:  # C36
    make_event(tenant.http, "be_1")
    r = tenant.http.post("/v1/bookable_events/be_1/registrations", json={"status": "accepted"})
    assert r.status_code == 422
    assert error_key(r, "registration_id") == "errors.required"


def test_unknown_event_is_404_before_validation(tenant: Tenant) -> None:
    r = tenant.http.post("/v1/bookable_events/nope/registrations", json={"status": "maybe"})
    assert r.status_code == 404
    assert cronofy_body(r) == {}


def test_delete_removes_and_clears_metadata_but_keeps_listing(tenant: Tenant) -> None:  # C37
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", metadata={"name": "A"})
    register(tenant.http, "be_1", "r2")
    r = tenant.http.delete("/v1/bookable_events/be_1/registrations/r1")
    assert r.status_code == 200
    reg = r.json()["registration"]
    assert (reg["registered_count"], reg["total_count"], reg["seats_taken"]) == (1, 2, 1)
    removed = reg["registrations"][0]
    assert (removed["registration_id"], removed["status"], removed["metadata"]) == (
        "r1",
        "removed",
        None,
    )


def test_second_delete_is_idempotent(tenant: Tenant) -> None:  # C37
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1")
    first = tenant.http.delete("/v1/bookable_events/be_1/registrations/r1")
    second = tenant.http.delete("/v1/bookable_events/be_1/registrations/r1")
    assert second.status_code == 200
    assert second.content == first.content


def test_delete_of_unknown_registration_is_404_without_tombstone(tenant: Tenant) -> None:  # C37
    make_event(tenant.http, "be_1")
    r = tenant.http.delete("/v1/bookable_events/be_1/registrations/ghost")
    assert r.status_code == 404
    assert cronofy_body(r) == {}
    assert counters(tenant.http, "be_1")["total_count"] == 0


def test_delete_ignores_a_body(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1")
    r = tenant.http.request(
        "DELETE",
        "/v1/bookable_events/be_1/registrations/r1",
        json={"bookable_event_id": "be_1", "registration_id": "zzz", "bearer_token": "x"},
    )
    assert r.status_code == 200
    assert r.json()["registration"]["registrations"][0]["status"] == "removed"


def test_read_one_registration(tenant: Tenant) -> None:  # C38
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", metadata={"name": "A"}, guest_count=2, notes="vegan")
    r = tenant.http.get("/v1/bookable_events/be_1/registrations/r1")
    assert r.status_code == 200
    item = r.json()["registration"]
    assert (item["registration_id"], item["guest_count"], item["notes"]) == ("r1", 2, "vegan")
    assert item["created_at"].endswith("Z")


def test_read_unknown_registration_is_404(tenant: Tenant) -> None:  # C38
    make_event(tenant.http, "be_1")
    r = tenant.http.get("/v1/bookable_events/be_1/registrations/ghost")
    assert r.status_code == 404
    assert cronofy_body(r) == {}


def test_guest_count_and_notes_are_kept_when_omitted(tenant: Tenant) -> None:
    make_event(tenant.http, "be_1")
    register(tenant.http, "be_1", "r1", guest_count=2, notes="n")
    register(tenant.http, "be_1", "r1", status="tentative")
    item = tenant.http.get("/v1/bookable_events/be_1/registrations/r1").json()["registration"]
    assert (item["guest_count"], item["notes"], item["status"]) == (2, "n", "tentative")


@pytest.mark.parametrize(
    ("fields", "field", "key"),
    [
        ({"guest_count": -1}, "guest_count", "errors.out_of_range"),
        ({"guest_count": 10000}, "guest_count", "errors.out_of_range"),
        ({"guest_count": 1.5}, "guest_count", "errors.must_be_integer"),
        ({"guest_count": "2"}, "guest_count", "errors.must_be_integer"),
        ({"notes": "x" * 2001}, "notes", "errors.too_long"),
        ({"notes": 5}, "notes", "errors.invalid"),
        ({"registration_id": "a/b"}, "registration_id", "errors.invalid"),
    ],
)
def test_bad_extension_fields_are_refused(
    tenant: Tenant, fields: dict[str, object], field: str, key: str
) -> None:
    make_event(tenant.http, "be_1")
    r = tenant.http.post(
        "/v1/bookable_events/be_1/registrations",
        json={"registration_id": "r1", "status": "accepted", **fields},
    )
    assert r.status_code == 422
    assert error_key(r, field) == key
