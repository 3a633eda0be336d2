"""The OpenAPI document: valid, in step with the /v1 and /api/v1 route tables and render.py, and its
HTML page self-contained. No server or database is needed."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import msgspec
import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from starlette.requests import Request
from starlette.types import ASGIApp

from tests.live import routes_of
from turnout import openapi
from turnout.auth.keys import Principal
from turnout.auth.tickets import ticket_code
from turnout.config import Settings
from turnout.core.errors import (
    CapacityReached,
    DuplicateRegistration,
    EventCancelled,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RegistrationCancelled,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from turnout.core.model import Event, Registration, StatusCounts
from turnout.ratelimit import Policy, decide
from turnout.services import Services
from turnout.surfaces.cronofy import render
from turnout.surfaces.cronofy.errors import core_error
from turnout.surfaces.cronofy.routes import build
from turnout.surfaces.webkasa import errors as webkasa_errors
from turnout.surfaces.webkasa import render as webkasa_render
from turnout.surfaces.webkasa import routes as webkasa_routes
from turnout.surfaces.webkasa.guard import Guard, _headers

PUBLIC_URL = "https://turnout.example.org"
SETTINGS = Settings(secret="x" * 32, public_url=PUBLIC_URL)
IETF_RATE_LIMIT_HEADERS = {"RateLimit-Policy", "RateLimit"}
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


def webkasa_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [op for op in operations(document) if op[1].startswith("/api/v1/")]


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
    app = routes_of(build(Services.create(SETTINGS)))
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
        assert {"200", "401", "403", "429", "500", "503"} <= set(responses), where
        assert "WWW-Authenticate" in responses["401"]["headers"], where
        assert "Retry-After" in responses["429"]["headers"], where
        assert "Retry-After" in responses["503"]["headers"], where
        assert set(responses["200"]["content"]) == {"application/json; charset=utf-8"}, where


def test_error_statuses_follow_the_operation(document: dict[str, Any]) -> None:
    for method, path, op in v1_operations(document):
        statuses = set(op["responses"])
        where = f"{method} {path}"
        write = method in ("POST", "DELETE")
        # 404 comes from an event or registration id in the path, or from a page token.
        path_or_query = [p for p in op.get("parameters", []) if p["in"] != "header"]
        assert ("404" in statuses) == bool(path_or_query), where
        assert ("413" in statuses) == ("requestBody" in op), where
        # 422: a refused body, or an Idempotency-Key reused with another request.
        assert ("422" in statuses) == ("requestBody" in op or write), where
        # 400 and 409 come only from turnout's write headers (Idempotency-Key, If-Match).
        assert ("400" in statuses) == ("409" in statuses) == write, where
        assert not statuses & {"201", "202", "204"}, where


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
        # notification-hub management (openapi/hubs.py)
        "listHubs",
        "createHub",
        "readHub",
        "changeHub",
        "deleteHub",
        "listHubRules",
        "createHubRule",
        "rotateHubRule",
        "deleteHubRule",
        "listApiKeys",
        "createApiKey",
        "readApiKey",
        "revokeApiKey",
        "rotateApiKey",
        "readTenant",
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


TICKET = ticket_code(b"s" * 32, 1, 1, 1)


def event_page(registrations: list[Registration], pages: bool) -> dict[str, Any]:
    body = render.event(make_event())
    body["registration"]["registrations"] = [render.registration(r, TICKET) for r in registrations]
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
        "registrations": [render.registration(make_registration(), TICKET)],
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
    for name in (
        set(response.get("headers", {})) - IETF_RATE_LIMIT_HEADERS
    ):  # Authenticate adds those
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


# The /api/v1 (Webkasa) part

JSON_UTF8 = "application/json; charset=utf-8"
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    *IETF_RATE_LIMIT_HEADERS,
}
WEBKASA_SECURITY = [{"bearerAuth": []}, {"apiKeyAuth": []}]
WEBKASA_CREATES = {
    ("POST", "/api/v1/events"),
    ("POST", "/api/v1/events/{event_id}/registrations"),
}


def test_every_webkasa_route_is_documented_with_the_same_methods(
    document: dict[str, Any],
) -> None:
    guard = webkasa_routes.build(Services.create(SETTINGS))
    assert isinstance(guard, Guard)
    routed = {
        (method, "/api/v1" + route.path)
        for route in routes_of(guard).routes
        for method in route.methods
        if method != "HEAD"
    }
    documented = {(method, path) for method, path, _ in webkasa_operations(document)}
    assert len(routed) == 10, routed
    assert documented == routed


def test_webkasa_operation_ids_are_unique_and_stable(document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert {op["operationId"] for _, _, op in webkasa_operations(document)} == {
        "webkasaListEvents",
        "webkasaCreateEvent",
        "webkasaReadEvent",
        "webkasaUpdateEvent",
        "webkasaListRegistrations",
        "webkasaCreateRegistration",
        "webkasaReadRegistration",
        "webkasaUpdateRegistration",
        "webkasaCancelRegistration",
        "webkasaCheckIn",
    }


def test_surfaces_do_not_share_schema_names() -> None:
    from turnout.openapi import cronofy, operability, webkasa

    names = [
        *openapi.build.shared_schemas(),
        *cronofy.schemas(),
        *operability.schemas(),
        *webkasa.schemas(),
    ]
    assert len(names) == len(set(names))
    assert all(name.startswith("Webkasa") for name in webkasa.schemas())


def test_every_webkasa_operation_takes_either_key_and_declares_the_common_errors(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"] == {**schemes["apiKeyAuth"], "type": "apiKey", "in": "header"}
    assert schemes["apiKeyAuth"]["name"] == "X-API-Key"
    for method, path, op in webkasa_operations(document):
        where = f"{method} {path}"
        assert op["security"] == WEBKASA_SECURITY, where
        assert op["tags"] == ["Webkasa events and registrations"], where
        responses = op["responses"]
        success = "201" if (method, path) in WEBKASA_CREATES else "200"
        assert {success, "401", "403", "429", "500", "503"} <= set(responses), where
        assert not set(responses) & {"200", "201"} - {success}, where
        assert not set(responses) & {"202", "204", "405"}, where
        assert ("400" in responses) == (method != "GET"), where  # turnout's write headers
        assert ("Location" in responses[success].get("headers", {})) == (success == "201"), where
        assert "WWW-Authenticate" in responses["401"]["headers"], where
        assert "Retry-After" in responses["429"]["headers"], where
        assert "Retry-After" in responses["503"]["headers"], where
        for status, response in responses.items():
            assert set(response["headers"]) >= RATE_LIMIT_HEADERS, f"{where} {status}"
            assert set(response["content"]) == {JSON_UTF8}, f"{where} {status}"
            schema = response["content"][JSON_UTF8]["schema"]["$ref"].rsplit("/", 1)[1]
            if status == "429":
                assert schema == "WebkasaRateLimited", where
            elif status >= "400":
                assert schema == "WebkasaError", where
            else:
                assert schema.startswith("Webkasa") and schema.endswith(("Envelope", "List"))


def test_webkasa_error_statuses_follow_the_operation(document: dict[str, Any]) -> None:
    conflicts = set()
    for method, path, op in webkasa_operations(document):
        statuses = set(op["responses"])
        where = f"{method} {path}"
        params = op.get("parameters", [])
        write = method != "GET"
        assert ("404" in statuses) == any(p["in"] == "path" for p in params), where
        assert ("413" in statuses) == ("requestBody" in op), where
        has_input = "requestBody" in op or any(p["in"] == "query" for p in params)
        # 422: a refused body or query, or an Idempotency-Key reused with another request.
        assert ("422" in statuses) == (has_input or write), where
        assert ("409" in statuses) == write, where  # at least IDEMPOTENCY_IN_PROGRESS
        described = op["responses"].get("409", {}).get("description", "")
        if any(c in described for c in ("EVENT_FULL", "EVENT_CANCELLED", "REGISTRATION_CANCELLED")):
            conflicts.add(op["operationId"])
    assert conflicts == {"webkasaCreateRegistration", "webkasaUpdateRegistration", "webkasaCheckIn"}


def test_webkasa_query_parameters(document: dict[str, Any]) -> None:
    def query_names(path: str, method: str) -> list[str]:
        op = document["paths"][path][method]
        return [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]

    events, registrations = "/api/v1/events", "/api/v1/events/{event_id}/registrations"
    assert set(query_names(events, "get")) == {
        "status",
        "upcoming",
        "past",
        "start_date",
        "end_date",
        "include_counts",
        "limit",
        "offset",
        "site_id",
    }
    assert query_names(events + "/{event_id}", "get") == ["include_counts"]
    assert set(query_names(registrations, "get")) == {"status", "limit", "offset"}
    for _, _, op in webkasa_operations(document):
        for p in op.get("parameters", []):
            if p["name"] in ("upcoming", "past", "include_counts", "status"):
                # Read trimmed and case-insensitively: the enum only names the usual spellings.
                for text in ("TRUE", " Published ", "confirmed", "other"):
                    assert Draft202012Validator(p["schema"]).is_valid(text)
                assert p["schema"]["anyOf"][0]["enum"]
            if p["name"] == "limit":
                assert p["schema"]["minimum"] == 1 and "100" in p["description"]
            if p["name"] == "offset":
                assert p["schema"]["minimum"] == 0


# /api/v1 against what the code sends and accepts


class StubAuth:
    """Knows one key, "good", which grants nothing: enough to reach the scope check."""

    async def authenticate(self, key: str | None) -> Principal:
        if key != "good":
            raise Unauthenticated("unknown key")
        return Principal(1, "t", frozenset(), "tk_stub")


def webkasa_app(budgets: tuple[Policy, Policy] | None = None) -> Guard:
    services = Services.create(SETTINGS)
    services._auth = StubAuth()  # type: ignore[assignment]
    guard = webkasa_routes.build(services)
    assert isinstance(guard, Guard)
    return guard if budgets is None else Guard(guard.app, services, budgets)


def call(app: ASGIApp, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            return await client.request(method, path, headers=headers)

    return asyncio.run(send())


def assert_documented(
    document: dict[str, Any], op: dict[str, Any], response: httpx.Response
) -> None:
    """The response's status, headers, content type and body are as `op` documents them."""
    documented = op["responses"][str(response.status_code)]
    for name in documented.get("headers", {}):
        assert name in response.headers, name
    assert response.headers["content-type"] == JSON_UTF8
    name = documented["content"][JSON_UTF8]["schema"]["$ref"].rsplit("/", 1)[1]
    assert_valid(document, name, response.json())


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-API-Key": "nope"}, 401),
        ({"Authorization": "Bearer good", "X-API-Key": "other"}, 401),
        ({"Authorization": "Basic good"}, 401),
        ({"Authorization": "Bearer good"}, 403),
        ({"X-API-Key": "good"}, 403),
    ],
)
def test_webkasa_refusals_match_the_documented_responses(
    document: dict[str, Any], headers: dict[str, str], status: int
) -> None:
    app = webkasa_app()
    for method, path, op in webkasa_operations(document):
        url = path.removeprefix("/api/v1").format(event_id="e1", registration_id="r1")
        response = call(app, method, url, headers)
        assert response.status_code == status, (method, path)
        assert_documented(document, op, response)
        if status == 403:  # the scope routes.py asks for is the one the description names
            scope = re.search(r"lacks the (\S+) scope", response.json()["error"])
            assert scope, response.json()
            assert f"Scope: `{scope[1]}`." in op["description"], (method, path)


def test_webkasa_rate_limited_response_matches_the_documented_one(
    document: dict[str, Any],
) -> None:
    nothing = Policy("none", 0, 60)
    app = webkasa_app((nothing, nothing))  # no budget: every request is refused
    for method, path, op in webkasa_operations(document):
        url = path.removeprefix("/api/v1").format(event_id="e1", registration_id="r1")
        response = call(app, method, url, {"X-API-Key": "good"})
        assert response.status_code == 429, (method, path)
        assert_documented(document, op, response)
        assert response.json()["retry_after"] == int(response.headers["Retry-After"])


def test_rate_limit_header_names_are_the_guards(document: dict[str, Any]) -> None:
    decision = decide([Policy("per-key-reads", 100, 60)], [1], True, 1_704_067_203.5)
    headers = _headers(decision)
    assert set(headers) == RATE_LIMIT_HEADERS
    assert headers["RateLimit-Policy"] == '"per-key-reads";q=100;w=60'
    assert headers["RateLimit"] == '"per-key-reads";r=99;t=57'
    assert headers["X-RateLimit-Reset"] == "1704067260"
    documented = webkasa_operations(document)[0][2]["responses"]["401"]["headers"]
    for name in ("RateLimit-Policy", "RateLimit"):
        assert re.fullmatch(documented[name]["schema"]["pattern"].strip("^$"), headers[name])


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), ({"Authorization": "Bearer good"}, 403)]
)
def test_v1_responses_carry_the_documented_rate_limit_headers(
    document: dict[str, Any], headers: dict[str, str], status: int
) -> None:
    services = Services.create(SETTINGS)
    services._auth = StubAuth()  # type: ignore[assignment]
    response = call(build(services), "GET", "/bookable_events", headers)
    assert response.status_code == status
    documented = document["paths"]["/v1/bookable_events"]["get"]["responses"][str(status)]
    for name in IETF_RATE_LIMIT_HEADERS:
        pattern = documented["headers"][name]["schema"]["pattern"]
        assert re.search(pattern, response.headers[name]), response.headers[name]
    policies = "per-address-failed-auth" if status == 401 else "per-tenant-second"
    assert f'"{policies}";' in response.headers["RateLimit-Policy"]


def make_webkasa_event(**changes: Any) -> Event:
    fields: dict[str, Any] = {
        "id": "evt_Hq3Vb8XkT2nW9pLm4cRz",
        "title": "Monthly Meditation",
        "location": "Community Center",
        "cost_cents": 2500,
        "timezone": "America/Los_Angeles",
    }
    return msgspec.structs.replace(make_event(), **{**fields, **changes})


@pytest.mark.parametrize(
    "event",
    [
        make_event(),  # made through /v1: no title, UTC
        make_event(None),
        make_webkasa_event(),
        make_webkasa_event(status="draft", capacity=None, cost_cents=None),
        make_webkasa_event(status="cancelled", cost_cents=1, description="d"),
    ],
)
@pytest.mark.parametrize("include_counts", [False, True])
def test_rendered_webkasa_events_match_their_schemas(
    document: dict[str, Any], event: Event, include_counts: bool
) -> None:
    body = webkasa_render.event(event, include_counts)
    assert_valid(document, "WebkasaEvent", body)
    assert_valid(document, "WebkasaEventEnvelope", {"data": body})
    assert ("counts" in body) == include_counts
    assert_required_is_exactly(
        component(document, "WebkasaEvent"), {k: v for k, v in body.items() if k != "counts"}
    )
    if include_counts:
        assert_required_is_exactly(component(document, "WebkasaEventCounts"), body["counts"])
    listed = {"data": [body], "meta": webkasa_render.page_meta(3, 1, 1, 1)}
    assert_valid(document, "WebkasaEventList", listed)
    assert_required_is_exactly(component(document, "WebkasaListMeta"), listed["meta"])


def test_rendered_webkasa_registrations_match_their_schemas(document: dict[str, Any]) -> None:
    attendee = {"email": "user@example.com", "name": "John Doe", "phone_number": 1234567890}
    registrations = [
        make_registration(metadata=attendee, notes="vegan"),
        make_registration(id="reg_a", status="tentative", metadata=None),
        make_registration(status="accepted", checked_in_count=2, checked_in_at=T0),
        make_registration(status="removed", metadata={}, checked_in_count=1, checked_in_at=T0),
        make_registration(status="declined", guest_count=0),
    ]
    rendered = [webkasa_render.registration(r, "evt_abc123") for r in registrations]
    assert {r["status"] for r in rendered} == {"CONFIRMED", "PENDING", "ATTENDED", "CANCELLED"}
    for body in rendered:
        assert_valid(document, "WebkasaRegistration", body)
        assert_valid(document, "WebkasaRegistrationEnvelope", {"data": body})
        assert_required_is_exactly(component(document, "WebkasaRegistration"), body)
    listed = {"data": rendered, "meta": webkasa_render.page_meta(5, 50, 0, 5)}
    assert_valid(document, "WebkasaRegistrationList", listed)
    assert_invalid(document, "WebkasaRegistration", {**rendered[0], "status": "accepted"})
    assert_invalid(document, "WebkasaEventList", {"data": []})  # meta is required


def webkasa_error(exc: Exception) -> tuple[int, dict[str, str], Any]:
    request = Request({"type": "http", "method": "POST", "path": "/api/v1/x", "headers": []})
    response = webkasa_errors.core_error(request, exc)
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


@pytest.mark.parametrize(
    "exc",
    [
        Unauthenticated(),
        Forbidden("registrations:write"),
        NotFound("e"),
        PayloadTooLarge(),
        Unavailable(),
        ValidationFailed(
            [
                FieldError("attendee_email", "required", "attendee_email is required"),
                FieldError("slots", "must_be_integer", "x"),
                FieldError("body", "invalid_json", "x"),
                FieldError("metadata", "too_many", "x"),
            ]
        ),
        CapacityReached(3, 1),
        EventCancelled(),
        DuplicateRegistration(),
        RegistrationCancelled("r"),
    ],
)
def test_webkasa_error_bodies_match_the_documented_responses(
    document: dict[str, Any], exc: Exception
) -> None:
    status, headers, body = webkasa_error(exc)
    assert_valid(document, "WebkasaError", body)
    documented = [
        op["responses"][str(status)]
        for _, _, op in webkasa_operations(document)
        if str(status) in op["responses"]
    ]
    assert documented, status
    # Some operation documents this very code, with an example of it.
    examples = [r["content"][JSON_UTF8].get("examples", {}) for r in documented]
    assert any(body["code"] in e for e in examples), body
    for response in documented:
        for name in set(response["headers"]) - RATE_LIMIT_HEADERS:  # the guard adds those
            assert name.lower() in headers, name


def test_webkasa_server_error_and_rate_limit_bodies(document: dict[str, Any]) -> None:
    request = Request({"type": "http", "method": "GET", "path": "/api/v1/x", "headers": []})
    logging_off = webkasa_errors.log.disabled
    webkasa_errors.log.disabled = True
    try:
        response = webkasa_errors.server_error(request, RuntimeError("boom"))
    finally:
        webkasa_errors.log.disabled = logging_off
    assert response.status_code == 500
    assert_valid(document, "WebkasaError", json.loads(bytes(response.body)))
    limited = webkasa_errors.rate_limited(45)
    assert limited.headers["retry-after"] == "45"
    assert_valid(document, "WebkasaRateLimited", json.loads(bytes(limited.body)))
    assert_invalid(document, "WebkasaError", {"error": "x", "code": "NOPE"})


def test_webkasa_examples_match_their_schemas(document: dict[str, Any]) -> None:
    seen = 0
    for method, path, op in webkasa_operations(document):
        if "requestBody" in op:
            media = op["requestBody"]["content"]["application/json"]
            name = media["schema"]["$ref"].rsplit("/", 1)[1]
            assert_valid(document, name, media["example"])
            # Webkasa's own read-only fields are ignored; any other unknown field is a 422.
            if name != "WebkasaCheckIn":
                assert_valid(document, name, {**media["example"], "id": "ignored"})
            assert_invalid(document, name, {**media["example"], "capacity": 1})
            seen += 1
        for status, response in op["responses"].items():
            media = response["content"][JSON_UTF8]
            name = media["schema"]["$ref"].rsplit("/", 1)[1]
            for code, example in media.get("examples", {}).items():
                assert_valid(document, name, example["value"])
                assert example["value"]["code"] == code, f"{method} {path} {status}"
                seen += 1
    assert seen > 30
    check_in = document["paths"][
        "/api/v1/events/{event_id}/registrations/{registration_id}/check-in"
    ]
    assert check_in["post"]["requestBody"]["required"] is False


def test_webkasa_event_bodies_follow_the_field_rules(document: dict[str, Any]) -> None:
    good = {"title": "T", "start_date": "2024-05-01"}
    assert_valid(document, "WebkasaEventCreate", good)
    assert_valid(document, "WebkasaEventCreate", {**good, "slots": None, "cost": 25, "id": "x"})
    assert_valid(
        document, "WebkasaEventCreate", {**good, "end_date": "2024-05-02", "end_time": "01:00"}
    )
    for field, value in [
        ("slots", 0),
        ("slots", 2.5),
        ("slots", "30"),
        ("cost", -1),
        ("status", 1),
        ("start_time", "9:00"),
        ("start_time", "24:00"),
        ("start_date", "2024/05/01"),
        ("description", "d" * 5001),
        ("location", "l" * 501),
        ("title", None),
    ]:
        assert_invalid(document, "WebkasaEventCreate", {**good, field: value})
    assert_invalid(document, "WebkasaEventCreate", {"title": "T"})
    assert_invalid(document, "WebkasaEventCreate", {**good, "end_date": "2024-05-02"})
    # Read case-insensitively, and null means the default (test_webkasa_events.py pins both).
    defaults = {"status": None, "timezone": None, "end_date": None}
    assert_valid(document, "WebkasaEventCreate", {**good, **defaults})
    assert_valid(document, "WebkasaEventCreate", {**good, "status": "Published"})
    assert_valid(document, "WebkasaEventUpdate", {})
    nulls = {k: None for k in ("description", "location", "cost", "slots", "end_time", "end_date")}
    assert_valid(document, "WebkasaEventUpdate", {**nulls, "timezone": None})
    for field in ("title", "start_date", "status"):
        assert_invalid(document, "WebkasaEventUpdate", {field: None})


def test_webkasa_registration_bodies_follow_the_field_rules(document: dict[str, Any]) -> None:
    good = {"attendee_email": "a@example.com", "attendee_name": "A"}
    assert_valid(document, "WebkasaRegistrationCreate", good)
    for status in ("PENDING", "confirmed", "Attended", "CANCELLED"):  # case-insensitive
        assert_valid(document, "WebkasaRegistrationCreate", {**good, "status": status})
    extras = {"guest_count": 9999, "notes": "n" * 2000, "attendee_phone": None}
    assert_valid(document, "WebkasaRegistrationCreate", {**good, **extras})
    for field, value in [
        ("guest_count", -1),
        ("guest_count", 1.5),
        ("guest_count", "2"),
        ("guest_count", 10000),
        ("notes", "n" * 2001),
        ("attendee_email", "a" * 257),
        ("attendee_email", "@example.com"),
        ("attendee_email", "a@b@c"),
        ("attendee_name", ""),
    ]:
        assert_invalid(document, "WebkasaRegistrationCreate", {**good, field: value})
    assert_invalid(document, "WebkasaRegistrationCreate", {"attendee_name": "A"})
    assert_valid(document, "WebkasaRegistrationUpdate", {})
    assert_valid(document, "WebkasaRegistrationUpdate", {"attendee_phone": None, "notes": None})
    for field in ("attendee_email", "attendee_name", "status", "guest_count"):
        assert_invalid(document, "WebkasaRegistrationUpdate", {field: None})
    for body in ({}, {"count": 0}, {"count": None}, {"count": 12}):
        assert_valid(document, "WebkasaCheckIn", body)
    for count in (-1, 1.5, "2"):
        assert_invalid(document, "WebkasaCheckIn", {"count": count})


# The HTML page


def test_every_link_names_an_operation_and_its_parameters(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    links = [
        (op["operationId"], link)
        for _, _, op in operations(document)
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 19  # create → read → update → delete on both surfaces, and more
    for source, link in links:
        target = by_id[link["operationId"]]
        names = {p["name"] for p in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= names, (source, link)
        assert "requestBody" not in link or "requestBody" in target, (source, link)
