"""Plain builders for /api/v1 tests."""

from __future__ import annotations

from typing import Any

import httpx

SPEC_EVENT = {
    "title": "Monthly Meditation",
    "start_date": "2024-02-15",
    "start_time": "19:00",
    "end_time": "21:00",
    "timezone": "America/Los_Angeles",
    "location": "Community Center",
    "cost": 25.00,
    "slots": 30,
    "status": "published",
}

SPEC_REGISTRATION = {
    "attendee_email": "user@example.com",
    "attendee_name": "John Doe",
    "attendee_phone": "+1234567890",
    "status": "PENDING",
    "guest_count": 2,
    "notes": "Dietary restrictions: vegan",
}


def create_event(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A published event starting in 2030, unlimited unless `slots` is given; returns its data."""
    body = {
        "title": "T",
        "start_date": "2030-05-01",
        "start_time": "18:00",
        "status": "published",
        **fields,
    }
    r = http.post("/api/v1/events", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def create_registration(
    http: httpx.Client, event_id: str, email: str = "a@example.com", **fields: Any
) -> httpx.Response:
    body = {"attendee_email": email, "attendee_name": "A", **fields}
    return http.post(f"/api/v1/events/{event_id}/registrations", json=body)


def event_counts(http: httpx.Client, event_id: str) -> dict[str, Any]:
    r = http.get(f"/api/v1/events/{event_id}", params={"include_counts": "true"})
    assert r.status_code == 200, r.text
    return dict(r.json()["data"]["counts"])


def code(response: httpx.Response) -> str:
    return str(response.json()["code"])


def detail_fields(response: httpx.Response) -> set[str]:
    return {d["field"] for d in response.json().get("details", [])}
