"""A notice → the body of its message: `{"type", "timestamp", "data"}`, `data` as /v1 renders it."""

from __future__ import annotations

from typing import Any

import msgspec

from turnout.core import hub_notices
from turnout.core.model import Event
from turnout.core.notices import Notice
from turnout.core.times import format_utc
from turnout.surfaces.cronofy import render

_encode = msgspec.json.Encoder().encode


def data(notice: Notice) -> dict[str, Any]:
    if isinstance(notice.subject, Event):
        return render.event(notice.subject)
    if isinstance(notice.subject, hub_notices.DeviceState):
        return hub_notices.data(notice.subject)
    rendered = render.registration(notice.subject)
    rendered["bookable_event_id"] = notice.event_id
    if notice.type == "registration.updated":
        rendered["previous_status"] = notice.previous_status
    return rendered


def body(notice: Notice) -> str:
    message = {"type": notice.type, "timestamp": format_utc(notice.at), "data": data(notice)}
    return _encode(message).decode()
