"""One identity per registration: the attendee's name, email and phone survive a cancellation on
either surface. /v1 shows a removed registration's metadata as null, as Cronofy does after its
DELETE; the data stays, and /api/v1 still shows who cancelled."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import make_event
from tests.live import Tenant

IDENTITY = {"name": "Ada Lovelace", "email": "ada@example.com", "phone_number": "+441234567890"}


def _on_webkasa(tenant: Tenant) -> dict[str, Any]:
    answer = tenant.http.get("/api/v1/events/e1/registrations/r1")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["data"])


def _on_v1(tenant: Tenant) -> dict[str, Any]:
    answer = tenant.http.get("/v1/bookable_events/e1/registrations/r1")
    assert answer.status_code == 200, answer.text
    return dict(answer.json()["registration"])


def _cancel(tenant: Tenant, surface: str) -> None:
    path = "/v1/bookable_events/e1/registrations/r1"
    if surface == "api/v1":
        path = "/api/v1/events/e1/registrations/r1"
    assert tenant.http.delete(path).status_code == 200


@pytest.mark.parametrize("surface", ["v1", "api/v1"])
def test_identity_survives_a_cancellation(tenant: Tenant, surface: str) -> None:
    make_event(tenant.http, "e1", capacity=5)
    body = {"registration_id": "r1", "status": "accepted", "metadata": IDENTITY}
    assert tenant.http.post("/v1/bookable_events/e1/registrations", json=body).status_code == 200
    _cancel(tenant, surface)
    cancelled = _on_webkasa(tenant)
    assert cancelled["status"] == "CANCELLED"
    assert (
        cancelled["attendee_name"],
        cancelled["attendee_email"],
        cancelled["attendee_phone"],
    ) == (IDENTITY["name"], IDENTITY["email"], IDENTITY["phone_number"])
    assert _on_v1(tenant)["metadata"] is None  # what Cronofy shows after a DELETE


def test_re_registering_on_v1_finds_the_identity_again(tenant: Tenant) -> None:
    make_event(tenant.http, "e1", capacity=5)
    body = {"registration_id": "r1", "status": "accepted", "metadata": IDENTITY}
    tenant.http.post("/v1/bookable_events/e1/registrations", json=body)
    _cancel(tenant, "v1")
    again = {"registration_id": "r1", "status": "accepted"}  # metadata omitted: kept
    assert tenant.http.post("/v1/bookable_events/e1/registrations", json=again).status_code == 200
    assert _on_v1(tenant)["metadata"] == IDENTITY
