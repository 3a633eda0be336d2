"""The spec's E2 example exchange (page size 2, three registrations), reproduced over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import base_settings
from tests.cronofy_errors import cronofy_body
from tests.live import LiveServer, make_tenant


@pytest.fixture
def small_pages(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("pages")),
        database_url,
        page_size=2,
        public_url="https://turnout.example.org",
    )
    with LiveServer(settings) as live:
        yield live


def test_read_example_with_page_size_two(small_pages: LiveServer) -> None:
    with make_tenant(small_pages) as t:
        t.http.post(
            "/v1/bookable_events",
            json={
                "bookable_event_id": "83hi8qhfiaif",
                "start": "2025-01-20T15:30:00Z",
                "end": "2025-01-20T17:00:00Z",
                "status": "confirmed",
                "registration": {"capacity": 5},
            },
        )
        for rid, status, name in [
            ("328746", "accepted", "Lashmi Sundar"),
            ("247629", "declined", "Sarah Overly"),
            ("991", "accepted", "Third"),
        ]:
            r = t.http.post(
                "/v1/bookable_events/83hi8qhfiaif/registrations",
                json={"registration_id": rid, "status": status, "metadata": {"name": name}},
            )
            assert r.status_code == 200
        body = t.http.get("/v1/bookable_events/83hi8qhfiaif").json()
        reg = body["registration"]
        assert {
            k: body[k] for k in ("bookable_event_id", "start", "end", "status", "timezone")
        } == {
            "bookable_event_id": "83hi8qhfiaif",
            "start": "2025-01-20T15:30:00Z",
            "end": "2025-01-20T17:00:00Z",
            "status": "confirmed",
            "timezone": "UTC",
        }
        assert (
            reg["capacity"],
            reg["registered_count"],
            reg["total_count"],
            reg["seats_taken"],
        ) == (5, 2, 3, 2)
        assert [
            (r["registration_id"], r["status"], r["metadata"]) for r in reg["registrations"]
        ] == [
            ("328746", "accepted", {"name": "Lashmi Sundar"}),
            ("247629", "declined", {"name": "Sarah Overly"}),
        ]
        assert set(reg["registrations"][0]) == {
            "registration_id",
            "status",
            "metadata",
            "guest_count",
            "notes",
            "checked_in_count",
            "checked_in_at",
            "created_at",
            "updated_at",
            "ticket_code",  # turnout's extension (docs/DASHBOARD.md)
        }
        pages = reg["pages"]
        assert (pages["current"], pages["total"]) == (1, 2)
        prefix = "https://turnout.example.org/v1/bookable_events/83hi8qhfiaif/registrations/pages/"
        assert pages["next_page"].startswith(prefix)
        token = pages["next_page"].removeprefix(prefix)
        assert token.replace("-", "").replace("_", "").isalnum()
        second = t.http.get(f"/v1/bookable_events/83hi8qhfiaif/registrations/pages/{token}").json()
        assert [r["registration_id"] for r in second["registration"]["registrations"]] == ["991"]
        assert second["registration"]["pages"] == {"current": 2, "total": 2}


def test_over_capacity_example_body(small_pages: LiveServer) -> None:
    with make_tenant(small_pages) as t:
        t.http.post(
            "/v1/bookable_events",
            json={
                "bookable_event_id": "e",
                "start": "2030-01-20T15:30:00Z",
                "end": "2030-01-20T17:00:00Z",
                "status": "confirmed",
                "registration": {"capacity": 1},
            },
        )
        t.http.post(
            "/v1/bookable_events/e/registrations",
            json={"registration_id": "a", "status": "accepted"},
        )
        r = t.http.post(
            "/v1/bookable_events/e/registrations",
            json={"registration_id": "b", "status": "accepted"},
        )
        assert r.status_code == 422
        assert cronofy_body(r) == {
            "errors": {
                "status": [
                    {
                        "key": "errors.capacity_reached",
                        "description": "the bookable event has no remaining capacity",
                    }
                ]
            }
        }
