"""OpenAPI links: how one operation's answer names the objects the next operations act on.

A client (and schemathesis's stateful phase, reliability.md FUZZ-2) follows them to chain
create → read → update → delete, and event → its registrations, on each surface. They live in one
table, apart from the operations, because a link is about a pair of operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turnout.openapi.build import HTTP_METHODS

# Runtime expressions (OpenAPI 3.1 §4.8.20.4) reused below.
V1_EVENT = "$response.body#/bookable_event_id"
V1_EVENT_IN_PATH = "$request.path.event_id"
V1_REGISTRATION = "$request.body#/registration_id"
WK_EVENT = "$response.body#/data/id"
WK_REGISTRATION_EVENT = "$response.body#/data/event_id"
WK_REGISTRATION = "$response.body#/data/id"


@dataclass(frozen=True)
class Link:
    source: str  # operationId
    status: str
    name: str
    target: str  # operationId
    parameters: dict[str, str]
    body: dict[str, Any] | None = field(default=None)
    description: str = ""


def _v1_event(name: str, target: str, body: dict[str, Any] | None = None) -> Link:
    return Link("upsertBookableEvent", "200", name, target, {"event_id": V1_EVENT}, body)


def _v1_registration(
    source: str, name: str, target: str, body: dict[str, Any] | None = None
) -> Link:
    parameters = {"event_id": V1_EVENT_IN_PATH}
    if target != "upsertRegistration":
        parameters["registration_id"] = (
            V1_REGISTRATION if source == "upsertRegistration" else "$request.path.registration_id"
        )
    return Link(source, "200", name, target, parameters, body)


def _wk_event(name: str, target: str) -> Link:
    return Link("webkasaCreateEvent", "201", name, target, {"event_id": WK_EVENT})


def _wk_registration(source: str, status: str, name: str, target: str) -> Link:
    parameters = {"event_id": WK_REGISTRATION_EVENT, "registration_id": WK_REGISTRATION}
    return Link(source, status, name, target, parameters)


LINKS = (
    # /v1: an event is created and updated by the same upsert, keyed by bookable_event_id.
    _v1_event("ReadEvent", "readBookableEvent"),
    Link(
        "upsertBookableEvent",
        "200",
        "UpdateEvent",
        "upsertBookableEvent",
        {},
        {"bookable_event_id": V1_EVENT},
        "Upsert the same event again (an update).",
    ),
    _v1_event("ListRegistrations", "listRegistrations"),
    _v1_event("CreateRegistration", "upsertRegistration"),
    Link(
        "upsertBookableEvent",
        "200",
        "Availability",
        "availability",
        {},
        {"bookable_events": [{"bookable_event_id": V1_EVENT}]},
        "Ask whether this event can take registrations.",
    ),
    # /v1: a registration, too, is created and updated by one upsert, keyed by registration_id.
    _v1_registration("upsertRegistration", "ReadRegistration", "readRegistration"),
    _v1_registration(
        "upsertRegistration",
        "UpdateRegistration",
        "upsertRegistration",
        {"registration_id": V1_REGISTRATION},
    ),
    _v1_registration("upsertRegistration", "DeleteRegistration", "deleteRegistration"),
    _v1_registration("deleteRegistration", "ReadRegistration", "readRegistration"),
    # /api/v1: generated ids, answered as data.id.
    _wk_event("ReadEvent", "webkasaReadEvent"),
    _wk_event("UpdateEvent", "webkasaUpdateEvent"),
    _wk_event("ListRegistrations", "webkasaListRegistrations"),
    _wk_event("CreateRegistration", "webkasaCreateRegistration"),
    _wk_registration(
        "webkasaCreateRegistration", "201", "ReadRegistration", "webkasaReadRegistration"
    ),
    _wk_registration(
        "webkasaCreateRegistration", "201", "UpdateRegistration", "webkasaUpdateRegistration"
    ),
    _wk_registration("webkasaCreateRegistration", "201", "CheckIn", "webkasaCheckIn"),
    _wk_registration(
        "webkasaCreateRegistration", "201", "CancelRegistration", "webkasaCancelRegistration"
    ),
    _wk_registration(
        "webkasaCancelRegistration", "200", "ReadRegistration", "webkasaReadRegistration"
    ),
    # Both surfaces share one core: an event made on /v1 is readable on /api/v1.
    Link(
        "upsertBookableEvent",
        "200",
        "ReadEventOnApiV1",
        "webkasaReadEvent",
        {"event_id": V1_EVENT},
        description="The same event through /api/v1.",
    ),
)


def add_links(document: dict[str, Any]) -> None:
    """Put each link of LINKS under its source operation's response, in place."""
    operations = {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    for link in LINKS:
        response = operations[link.source]["responses"][link.status]
        definition: dict[str, Any] = {"operationId": link.target}
        if link.parameters:
            definition["parameters"] = dict(link.parameters)
        if link.body is not None:
            definition["requestBody"] = link.body
        if link.description:
            definition["description"] = link.description
        response.setdefault("links", {})[link.name] = definition
