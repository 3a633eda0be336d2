"""Plain builder functions for tests: make an event, register people, read counters."""

from __future__ import annotations

from typing import Any

import httpx

START, END = "2030-01-24T12:30:00Z", "2030-01-24T17:00:00Z"


def event_body(event_id: str, capacity: int | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "bookable_event_id": event_id,
        "start": START,
        "end": END,
        "status": "confirmed",
    }
    if capacity is not None:
        body["registration"] = {"capacity": capacity}
    body.update(fields)
    return body


def make_event(
    http: httpx.Client, event_id: str = "be_1", capacity: int | None = None, **fields: Any
) -> dict[str, Any]:
    r = http.post("/v1/bookable_events", json=event_body(event_id, capacity, **fields))
    assert r.status_code == 200, r.text
    return dict(r.json())


def register(
    http: httpx.Client, event_id: str, registration_id: str, status: str = "accepted", **fields: Any
) -> httpx.Response:
    return http.post(
        f"/v1/bookable_events/{event_id}/registrations",
        json={"registration_id": registration_id, "status": status, **fields},
    )


def counters(http: httpx.Client, event_id: str) -> dict[str, Any]:
    r = http.get(f"/v1/bookable_events/{event_id}")
    assert r.status_code == 200, r.text
    reg = r.json()["registration"]
    return {k: reg[k] for k in ("capacity", "registered_count", "total_count", "seats_taken")}


def error_key(response: httpx.Response, field: str) -> str:
    return str(response.json()["errors"][field][0]["key"])
