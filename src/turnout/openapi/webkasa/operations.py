"""The /api/v1 path items: each route of surfaces/webkasa/routes.py and its operation."""

from __future__ import annotations

from typing import Any

from turnout.config import Settings
from turnout.openapi.webkasa import events, registrations
from turnout.openapi.webkasa.responses import Responses

EVENT = "/api/v1/events/{event_id}"
REGISTRATION = EVENT + "/registrations/{registration_id}"


def paths(settings: Settings) -> dict[str, Any]:
    """The /api/v1 path items, from the route table in surfaces/webkasa/routes.py."""
    r = Responses(settings)
    return {
        "/api/v1/events": {"get": events.list_events(r), "post": events.create_event(r)},
        EVENT: {"get": events.read_event(r), "patch": events.update_event(r)},
        EVENT + "/registrations": {
            "get": registrations.list_registrations(r),
            "post": registrations.create_registration(r),
        },
        REGISTRATION: {
            "get": registrations.read_registration(r),
            "patch": registrations.update_registration(r),
            "delete": registrations.cancel_registration(r),
        },
        REGISTRATION + "/check-in": {"post": registrations.check_in(r)},
    }
