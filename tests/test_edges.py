"""Hostile values at the edges of the calendar: refused with the surface's 422, never a 500."""

from __future__ import annotations

import pytest

from tests.builders import event_body
from tests.live import Tenant


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T23:00:00Z", "9999-12-31T23:59:59-05:00"),  # the end is in year 10000 in UTC
        ("0001-01-01T00:30:00+05:00", "0001-01-01T10:00:00Z"),  # the start is before year 1 in UTC
    ],
)
def test_v1_times_outside_years_1_to_9999_are_refused(tenant: Tenant, start: str, end: str) -> None:
    r = tenant.http.post("/v1/bookable_events", json=event_body("edge", start=start, end=end))
    assert r.status_code == 422, r.text
    assert tenant.http.get("/v1/bookable_events/edge").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"start_date": "9999-12-31", "start_time": "23:30"},  # the default hour ends in year 10000
        {"start_date": "9999-12-31", "start_time": "22:00", "timezone": "Pacific/Kiritimati"},
        {"start_date": "0001-01-01", "start_time": "00:10", "timezone": "Asia/Tokyo"},
    ],
)
def test_webkasa_schedules_outside_years_1_to_9999_are_refused(
    tenant: Tenant, fields: dict[str, str]
) -> None:
    r = tenant.http.post("/api/v1/events", json={"title": "T", **fields})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "VALIDATION_ERROR"
    assert tenant.http.get("/api/v1/events").json()["meta"]["total"] == 0
