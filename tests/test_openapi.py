"""The OpenAPI document: valid, in step with the /v1 route table and render.py, and its HTML page
self-contained. No server or database is needed."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from starlette.requests import Request

from turnout import openapi
from turnout.config import Settings
from turnout.core.errors import (
    CapacityReached,
    EventCancelled,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from turnout.core.model import Event, Registration, StatusCounts
from turnout.services import Services
from turnout.surfaces.cronofy import render
from turnout.surfaces.cronofy.errors import core_error
from turnout.surfaces.cronofy.routes import build

PUBLIC_URL = "https://turnout.example.org"
SETTINGS = Settings(secret="x" * 32, public_url=PUBLIC_URL)
T0 = 1_737_721_800  # 2025-01-24T12:30:00Z


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.document(SETTINGS)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in openapi.HTTP_METHODS
        if method in item
    ]


def v1_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [op for op in operations(document) if op[1].startswith("/v1/")]


def schema_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A JSON Schema 2020-12 validator for one component, resolving the document's $refs."""
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        "$ref": f"#/components/schemas/{name}",
    }
    return Draft202012Validator(root)


def assert_valid(document: dict[str, Any], name: str, instance: Any) -> None:
    schema_validator(document, name).validate(instance)


def assert_invalid(document: dict[str, Any], name: str, instance: Any) -> None:
    assert not schema_validator(document, name).is_valid(instance), instance


def component(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


# The document itself


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_servers_are_the_public_base_url(document: dict[str, Any]) -> None:
    assert document["servers"] == [{"url": PUBLIC_URL}]
    assert openapi.document(Settings(secret="x" * 32))["servers"] == [
        {"url": "http://127.0.0.1:8000"}
    ]


def test_document_is_json_serialisable(document: dict[str, Any]) -> None:
    assert json.loads(json.dumps(document)) == document


def test_every_v1_route_is_documented_with_the_same_methods(document: dict[str, Any]) -> None:
    app = build(Services.create(SETTINGS)).app  # type: ignore[attr-defined]
    routed = {
        (method, "/v1" + route.path)
        for route in app.routes
        for method in route.methods
        if method != "HEAD"
    }
    documented = {(method, path) for method, path, _ in v1_operations(document)}
    assert routed, "the route table is empty"
    assert documented == routed


def test_health_endpoints_are_documented_without_security(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/healthz"]) == {"get"}
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "503"}
    for path in ("/healthz", "/readyz"):
        assert "security" not in paths[path]["get"]
    assert "security" not in document  # no global requirement leaks onto the health checks


def test_every_v1_operation_requires_bearer_and_declares_the_common_errors(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path, op in v1_operations(document):
        where = f"{method} {path}"
        assert op["security"] == [{"bearerAuth": []}], where
        responses = op["responses"]
        assert {"200", "401", "403", "500", "503"} <= set(responses), where
        assert "WWW-Authenticate" in responses["401"]["headers"], where
        assert "Retry-After" in responses["503"]["headers"], where
        assert set(responses["200"]["content"]) == {"application/json; charset=utf-8"}, where


def test_error_statuses_follow_the_operation(document: dict[str, Any]) -> None:
    for method, path, op in v1_operations(document):
        statuses = set(op["responses"])
        where = f"{method} {path}"
        # 404 comes from an event or registration id in the path, or from a page token.
        assert ("404" in statuses) == bool(op.get("parameters")), where
        assert ("413" in statuses) == ("requestBody" in op), where
        assert ("422" in statuses) == ("requestBody" in op), where
        assert not statuses & {"201", "202", "204", "400"}, where


def test_operation_ids_are_unique_and_stable(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in v1_operations(document)]
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "upsertBookableEvent",
        "listBookableEvents",
        "readBookableEvent",
        "readBookableEventPage",
        "upsertRegistration",
        "listRegistrations",
        "readRegistration",
        "deleteRegistration",
        "availability",
    }


def test_every_path_template_parameter_is_declared(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        names = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == names, f"{method} {path}"


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    for name in re.findall(r'"#/components/schemas/([^"]+)"', text):
        assert name in document["components"]["schemas"], name


# The document against what the code sends and accepts


def make_event(capacity: int | None = 5) -> Event:
    return Event(
        pk=1,
        tenant_id=1,
        id="83hi8qhfiaif",
        start_at=T0,
        end_at=T0 + 3600,
        timezone="UTC",
        status="confirmed",
        capacity=capacity,
        counts=StatusCounts(accepted=1, declined=1),
        seats_taken=2,
        checked_in=0,
        version=1,
        created_at=T0,
        updated_at=T0,
    )


def make_registration(**changes: Any) -> Registration:
    fields: dict[str, Any] = {
        "id": "328746",
        "status": "accepted",
        "guest_count": 1,
        "metadata": {"name": "Lashmi Sundar", "seats": 2, "score": 1.5},
        "notes": None,
        "checked_in_count": 0,
        "checked_in_at": None,
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return Registration(**fields)


def event_page(registrations: list[Registration], pages: bool) -> dict[str, Any]:
    body = render.event(make_event())
    body["registration"]["registrations"] = [render.registration(r) for r in registrations]
    if pages:
        body["registration"]["pages"] = render.pages(1, 2, PUBLIC_URL + "/v1/x/pages/AQgA")
    return body


def assert_required_is_exactly(schema: dict[str, Any], body: dict[str, Any]) -> None:
    assert set(schema["required"]) == set(body), (schema["required"], sorted(body))


@pytest.mark.parametrize("pages", [False, True])
def test_rendered_event_page_matches_event_schema(document: dict[str, Any], pages: bool) -> None:
    registrations = [
        make_registration(),
        make_registration(
            id="r2", metadata=None, notes="vip", checked_in_count=1, checked_in_at=T0
        ),
        make_registration(id="r3", status="removed", metadata={}),
    ]
    body = event_page(registrations, pages)
    assert_valid(document, "Event", body)
    assert_required_is_exactly(component(document, "Event"), body)
    counters = {k: v for k, v in body["registration"].items() if k != "pages"}
    assert_required_is_exactly(component(document, "EventRegistration"), counters)
    assert_required_is_exactly(
        component(document, "Registration"), body["registration"]["registrations"][0]
    )


def test_rendered_list_items_match_their_schemas(document: dict[str, Any]) -> None:
    listed: dict[str, Any] = {
        "bookable_events": [render.event(make_event()), render.event(make_event(None))],
        "pages": render.pages(1, 1, None),
    }
    assert_valid(document, "EventList", listed)
    assert_required_is_exactly(component(document, "EventSummary"), listed["bookable_events"][0])
    regs: dict[str, Any] = {
        "registrations": [render.registration(make_registration())],
        "pages": render.pages(
            1, 2, PUBLIC_URL + "/v1/bookable_events/e/registrations?page_token=x"
        ),
    }
    assert_valid(document, "RegistrationList", regs)
    assert_valid(document, "RegistrationEnvelope", {"registration": regs["registrations"][0]})
    available = {"available_bookable_events": [render.availability(make_event())]}
    assert_valid(document, "AvailabilityResponse", available)
    item = component(document, "AvailableEvent")
    assert_required_is_exactly(item, available["available_bookable_events"][0])


def test_an_event_list_item_may_not_be_confused_with_a_page(document: dict[str, Any]) -> None:
    assert_invalid(document, "Event", render.event(make_event()))  # no registrations array
    assert_invalid(document, "Pages", {"current": 1})


def error_body(exc: Exception) -> tuple[int, dict[str, str], Any]:
    request = Request({"type": "http", "method": "POST", "path": "/v1/x", "headers": []})
    response = core_error(request, exc)
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


@pytest.mark.parametrize(
    ("exc", "schema"),
    [
        (Unauthenticated(), "Empty"),
        (Forbidden("write"), "Empty"),
        (NotFound("be_1"), "Empty"),
        (PayloadTooLarge(), "Empty"),
        (Unavailable(), "Empty"),
        (
            ValidationFailed([FieldError("registration.capacity", "out_of_range", "x")]),
            "ErrorObject",
        ),
        (CapacityReached(1, 0), "ErrorObject"),
        (EventCancelled(), "ErrorObject"),
    ],
)
def test_error_bodies_match_the_documented_responses(
    document: dict[str, Any], exc: Exception, schema: str
) -> None:
    status, headers, body = error_body(exc)
    assert_valid(document, schema, body)
    documented = [op["responses"] for _, _, op in v1_operations(document)]
    response = next(r[str(status)] for r in documented if str(status) in r)
    assert response["content"]["application/json; charset=utf-8"]["schema"] == {
        "$ref": f"#/components/schemas/{schema}"
    }
    for name in response.get("headers", {}):
        assert name.lower() in headers


def request_schema(document: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    media = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    name = media["schema"]["$ref"].rsplit("/", 1)[1]
    return name, media["example"]


@pytest.mark.parametrize(
    "path",
    ["/v1/bookable_events", "/v1/bookable_events/{event_id}/registrations", "/v1/availability"],
)
def test_request_examples_match_their_schemas(document: dict[str, Any], path: str) -> None:
    name, example = request_schema(document, path)
    assert_valid(document, name, example)
    assert_valid(document, name, {**example, "bearer_token": "ignored"})  # unknown keys allowed


def test_error_examples_match_the_error_object(document: dict[str, Any]) -> None:
    examples = [
        media["example"]
        for _, _, op in v1_operations(document)
        if "422" in op["responses"]
        for media in op["responses"]["422"]["content"].values()
    ]
    assert examples
    for example in examples:
        assert_valid(document, "ErrorObject", example)


def test_event_upsert_schema_follows_the_field_rules(document: dict[str, Any]) -> None:
    _, good = request_schema(document, "/v1/bookable_events")
    assert_valid(document, "EventUpsert", {**good, "registration": {"capacity": None}})
    assert_valid(document, "EventUpsert", {**good, "registration": {"capacity": 2**31 - 1}})
    for capacity in (0, 2**31, "5", 5.5, True):
        assert_invalid(document, "EventUpsert", {**good, "registration": {"capacity": capacity}})
    assert_invalid(document, "EventUpsert", {**good, "status": "draft"})
    assert_invalid(document, "EventUpsert", {**good, "bookable_event_id": "a.b"})
    assert_invalid(document, "EventUpsert", {**good, "bookable_event_id": "a" * 65})
    assert_invalid(document, "EventUpsert", {k: v for k, v in good.items() if k != "start"})


def test_registration_upsert_schema_follows_the_field_rules(document: dict[str, Any]) -> None:
    good = {"registration_id": "r1", "status": "accepted"}
    assert_valid(document, "RegistrationUpsert", {**good, "metadata": None, "notes": None})
    assert_valid(document, "RegistrationUpsert", {**good, "guest_count": 9999, "notes": "n" * 2000})
    assert_invalid(document, "RegistrationUpsert", {**good, "status": "maybe"})
    assert_invalid(document, "RegistrationUpsert", {**good, "guest_count": 10000})
    assert_invalid(document, "RegistrationUpsert", {**good, "notes": "n" * 2001})
    assert_invalid(document, "RegistrationUpsert", {"status": "accepted"})
    too_many = {f"k{i}": i for i in range(11)}
    for metadata in (too_many, {"a": True}, {"a": None}, {"a": [1]}, {"a": "x" * 257}, {"": 1}):
        assert_invalid(document, "RegistrationUpsert", {**good, "metadata": metadata})


def test_availability_schema_bounds_the_list(document: dict[str, Any]) -> None:
    item = {"bookable_event_id": "e"}
    assert_valid(document, "AvailabilityRequest", {"bookable_events": [item] * 100})
    assert_invalid(document, "AvailabilityRequest", {"bookable_events": [item] * 101})
    assert_invalid(document, "AvailabilityRequest", {"bookable_events": []})
    assert_invalid(document, "AvailabilityRequest", {})


# The HTML page


def test_html_lists_every_operation(document: dict[str, Any]) -> None:
    page = openapi.html(document)
    assert page.startswith("<!DOCTYPE html>")
    assert "Authorization: Bearer &lt;API key&gt;" in page
    for _, path, op in operations(document):
        assert f"<code>{path}</code>" in page, path
        assert op["operationId"] in page
        assert escape(op["summary"]) in page
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page


def test_html_is_self_contained(document: dict[str, Any]) -> None:
    page = openapi.html(document)
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    links = re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', page, re.IGNORECASE)
    assert links
    for link in links:
        assert link.startswith(("#", "/")) and not link.startswith("//"), link


def test_html_escapes_document_text(document: dict[str, Any]) -> None:
    hostile = json.loads(json.dumps(document))
    hostile["info"]["title"] = "<script>alert(1)</script>"
    hostile["paths"]["/healthz"]["get"]["description"] = '<img src="http://evil.example/x">'
    page = openapi.html(hostile)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<img src="http://evil.example' not in page
