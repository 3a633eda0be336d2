"""The OpenAPI document, derived from the route records: valid, covering every route the app serves,
its schemas holding the field limits, and what the code renders matching what it documents. No
server or database is needed (tests/test_openapi_live.py drives a real server)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import jsonschema_rs
import msgspec
import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_spec_validator import validate
from starlette.requests import Request
from starlette.types import ASGIApp

from tests.live import surface_routes
from turnout import openapi
from turnout.app import build_app
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
from turnout.openapi.walk import endpoints, routes_of
from turnout.ratelimit import Policy
from turnout.services import Services
from turnout.surfaces.cronofy import render, shapes
from turnout.surfaces.cronofy.errors import core_error
from turnout.surfaces.cronofy.routes import build
from turnout.surfaces.operation import Documented
from turnout.surfaces.webkasa import errors as webkasa_errors
from turnout.surfaces.webkasa import render as webkasa_render
from turnout.surfaces.webkasa import routes as webkasa_routes
from turnout.surfaces.webkasa import shapes as webkasa_shapes
from turnout.surfaces.webkasa.guard import Guard

PUBLIC_URL = "https://turnout.example.org"
SETTINGS = Settings(secret="x" * 32, public_url=PUBLIC_URL)
JSON_UTF8 = "application/json; charset=utf-8"
IETF_RATE_LIMIT_HEADERS = {"RateLimit-Policy", "RateLimit"}
RATE_LIMIT_HEADERS = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
T0 = 1_737_721_800  # 2025-01-24T12:30:00Z


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.document(SETTINGS)


def operations(document: dict[str, Any], prefix: str = "/") -> list[tuple[str, str, Any]]:
    return [
        (method.upper(), path, item[method])
        for path, item in document["paths"].items()
        for method in openapi.HTTP_METHODS
        if method in item and path.startswith(prefix)
    ]


def schema_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
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


def refs(schema: dict[str, Any]) -> set[str]:
    found = [schema["$ref"]] if "$ref" in schema else [s["$ref"] for s in schema.get("anyOf", [])]
    return {ref.rsplit("/", 1)[1] for ref in found}


# The document and the route table


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_servers_are_the_public_base_url(document: dict[str, Any]) -> None:
    assert document["servers"] == [{"url": PUBLIC_URL}]
    default = openapi.document(Settings(secret="x" * 32))["servers"]
    assert default == [{"url": "http://127.0.0.1:8000"}]


def test_document_is_json_serialisable(document: dict[str, Any]) -> None:
    assert json.loads(json.dumps(document)) == document


def test_every_route_the_app_serves_has_a_record_and_is_documented(
    document: dict[str, Any],
) -> None:
    """Discovered from the route table, twice: by the document's own walker and by the tests'."""
    found = list(endpoints(routes_of(build_app(SETTINGS))))
    missing = [(e.method, e.path) for e in found if not isinstance(e.route, Documented)]
    assert not missing, f"routes without a record: {missing}"
    documented = {(method, path) for method, path, _ in operations(document)}
    assert {(e.method, e.path) for e in found} == documented
    assert {"/healthz", "/v1/webhook_endpoints", "/api/v1/events", "/{hub}/registrations"} <= {
        path for _, path in documented
    }
    assert {(method, path) for _, method, path in surface_routes()} <= documented


def test_each_route_enforces_the_scopes_its_record_declares() -> None:
    """The record is the one declaration of a route's scopes: the route checks them, before its
    handler, for a key that holds none."""
    checked = 0
    for e in endpoints(routes_of(build_app(SETTINGS))):
        if e.operation is None or not e.operation.scopes:
            continue
        principal = Principal(1, "t", frozenset(), "tk_stub")
        scope = {
            "type": "http",
            "method": e.method,
            "path": e.path,
            "headers": [],
            "query_string": b"",
            "path_params": {},
            "state": {"principal": principal},
        }
        with pytest.raises(Forbidden) as refused:
            asyncio.run(e.route.app(scope, _nothing, _nothing))
        assert refused.value.needed == e.operation.scopes[0], e.path
        checked += 1
    assert checked > 40


async def _nothing(*_: Any) -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


def test_operation_ids_are_unique_and_links_name_operations(document: dict[str, Any]) -> None:
    ops = operations(document)
    ids = [op["operationId"] for _, _, op in ops]
    assert len(ids) == len(set(ids))
    by_id = {op["operationId"]: op for _, _, op in ops}
    links = [
        (op["operationId"], link)
        for _, _, op in ops
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert len(links) >= 19  # create → read → update → delete on both surfaces, and more
    for source, link in links:
        target = by_id[link["operationId"]]
        names = {p["name"] for p in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= names, (source, link)
        assert "requestBody" not in link or "requestBody" in target, (source, link)


def test_every_path_template_parameter_is_declared(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        names = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == names, f"{method} {path}"


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    for name in re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)):
        assert name in document["components"]["schemas"], name


def test_health_endpoints_are_documented_without_security(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "503"}
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert "security" not in paths[path]["get"]
    assert "security" not in document


# Errors: every example is rendered by the surface's error table


def test_every_v1_operation_requires_bearer_and_declares_the_common_errors(
    document: dict[str, Any],
) -> None:
    for method, path, op in operations(document, "/v1/"):
        where = f"{method} {path}"
        assert op["security"] == [{"bearerAuth": []}], where
        responses = op["responses"]
        assert {"401", "403", "429", "500", "503"} <= set(responses), where
        assert "WWW-Authenticate" in responses["401"]["headers"], where
        assert "Retry-After" in responses["429"]["headers"], where
        assert "Retry-After" in responses["503"]["headers"], where
        assert set(responses["401"]["headers"]) >= IETF_RATE_LIMIT_HEADERS, where


def test_write_headers_follow_the_record(document: dict[str, Any]) -> None:
    """Idempotency-Key brings 400, 409 and 422; If-Match brings 412 and 428; an ETag is a header
    of the success, on both surfaces."""
    for method, path, op in operations(document):
        where = f"{method} {path}"
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        statuses = set(op["responses"])
        if "Idempotency-Key" in headers:
            assert {"400", "409", "422"} <= statuses, where
        if "If-Match" in headers:
            assert {"412", "428"} <= statuses or path.startswith("/{hub}/"), where
            assert "412" in statuses, where
        if path.startswith(("/v1/", "/api/v1/")):
            idempotent = path.startswith("/api/v1/") or "webhook_endpoints" not in path
            assert ("Idempotency-Key" in headers) == (method != "GET" and idempotent), where
    etags = {
        op["operationId"]
        for _, _, op in operations(document)
        for status, response in op["responses"].items()
        if status < "300" and "ETag" in response.get("headers", {})
    }
    assert {"readBookableEvent", "upsertRegistration", "webkasaCheckIn", "nhGetRegistration"} <= (
        etags
    )


def test_v1_documents_every_error_key_it_emits(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    from turnout.surfaces.cronofy.errors import ERROR_KEYS

    for key in ERROR_KEYS:
        assert f"errors.{key}" in text, key


def test_error_examples_decode_as_their_declared_schema(document: dict[str, Any]) -> None:
    seen = 0
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status < "400":
                continue
            for media, content in response["content"].items():
                for name, example in content.get("examples", {}).items():
                    seen += 1
                    if not media.startswith("application/json"):
                        assert "<Error><Code>" in example["value"], (method, path, status)
                        continue
                    assert any(
                        schema_validator(document, shape).is_valid(example["value"])
                        for shape in refs(content["schema"])
                    ), (method, path, status, name)
    assert seen > 300


def error_body(exc: Exception) -> tuple[int, dict[str, str], Any]:
    request = Request({"type": "http", "method": "POST", "path": "/v1/x", "headers": []})
    response = core_error(request, exc)
    return response.status_code, dict(response.headers), json.loads(bytes(response.body))


@pytest.mark.parametrize(
    "exc",
    [
        Unauthenticated(),
        Forbidden("write"),
        NotFound("be_1"),
        PayloadTooLarge(),
        Unavailable(),
        ValidationFailed([FieldError("registration.capacity", "out_of_range", "x")]),
        CapacityReached(1, 0),
        EventCancelled(),
    ],
)
def test_v1_error_bodies_match_the_documented_responses(
    document: dict[str, Any], exc: Exception
) -> None:
    status, headers, body = error_body(exc)
    msgspec.convert(body, shapes.ErrorObject if "errors" in body else shapes.Empty)
    documented = [op["responses"] for _, _, op in operations(document, "/v1/")]
    response = next(r[str(status)] for r in documented if str(status) in r)
    for name in set(response.get("headers", {})) - IETF_RATE_LIMIT_HEADERS:
        assert name.lower() in headers


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
        ValidationFailed([FieldError("attendee_email", "required", "attendee_email is required")]),
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
    msgspec.convert(body, webkasa_shapes.WebkasaError)
    documented = [
        op["responses"][str(status)]
        for _, _, op in operations(document, "/api/v1/")
        if str(status) in op["responses"]
    ]
    assert documented, status
    examples = [r["content"][JSON_UTF8].get("examples", {}) for r in documented]
    assert any(body["code"] in e for e in examples), body
    for response in documented:
        for name in set(response["headers"]) - RATE_LIMIT_HEADERS - IETF_RATE_LIMIT_HEADERS:
            assert name.lower() in headers, name


def test_webkasa_operations_take_either_key_and_name_their_scope(
    document: dict[str, Any],
) -> None:
    for method, path, op in operations(document, "/api/v1/"):
        where = f"{method} {path}"
        assert op["security"] == [{"bearerAuth": []}, {"apiKeyAuth": []}], where
        assert re.search(r"Scope: `[a-z:]+`\.", op["description"]), where
        for status, response in op["responses"].items():
            if status != "204":
                assert set(response["headers"]) >= RATE_LIMIT_HEADERS, f"{where} {status}"
        created = "201" in op["responses"]
        assert created == (method == "POST" and path.count("/") in (3, 5)), where
        if created:
            assert "Location" in op["responses"]["201"]["headers"], where


def test_the_hubs_document_their_xml(document: dict[str, Any]) -> None:
    ops = {op["operationId"]: op for _, _, op in operations(document, "/{hub}/")}
    assert {"nhCreateRegistrationId", "nhListRegistrationsByTag", "nhPatchInstallation"} <= set(ops)
    create = ops["nhCreateRegistration"]
    assert "AppleRegistrationDescription" in json.dumps(create["requestBody"])
    assert "atom+xml" in next(iter(create["responses"]["200"]["content"]))
    assert create["security"] == [{"sharedAccessSignature": []}]
    errors = create["responses"]["404"]["content"]["application/xml; charset=utf-8"]
    assert "HubNotFound" in errors["examples"]
    installation = ops["nhGetInstallation"]["responses"]["200"]["content"][JSON_UTF8]
    assert refs(installation["schema"]) == {"Installation"}


# /api/v1 refusals, through the real guard and route table


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
    documented = op["responses"][str(response.status_code)]
    for name in documented.get("headers", {}):
        assert name in response.headers, name
    assert response.headers["content-type"] == JSON_UTF8
    schema = documented["content"][JSON_UTF8]["schema"]
    assert any(schema_validator(document, n).is_valid(response.json()) for n in refs(schema))


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
    for method, path, op in operations(document, "/api/v1/"):
        url = path.removeprefix("/api/v1").format(event_id="e1", registration_id="r1")
        response = call(app, method, url, headers)
        assert response.status_code == status, (method, path)
        assert_documented(document, op, response)
        if status == 403:  # the scope the route asks for is the one the description names
            scope = re.search(r"lacks the (\S+) scope", response.json()["error"])
            assert scope, response.json()
            assert f"Scope: `{scope[1]}`." in op["description"], (method, path)


def test_webkasa_rate_limited_response_matches_the_documented_one(
    document: dict[str, Any],
) -> None:
    nothing = Policy("none", 0, 60)
    app = webkasa_app((nothing, nothing))  # no budget: every request is refused
    for method, path, op in operations(document, "/api/v1/"):
        url = path.removeprefix("/api/v1").format(event_id="e1", registration_id="r1")
        response = call(app, method, url, {"X-API-Key": "good"})
        assert response.status_code == 429, (method, path)
        assert_documented(document, op, response)


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


# Schemas derived from the declarations keep their limits


def request_schema(document: dict[str, Any], path: str) -> tuple[str, Any]:
    media = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return media["schema"]["$ref"].rsplit("/", 1)[1], media["example"]


@pytest.mark.parametrize(
    "path",
    ["/v1/bookable_events", "/v1/bookable_events/{event_id}/registrations", "/v1/availability"],
)
def test_request_examples_match_their_schemas(document: dict[str, Any], path: str) -> None:
    name, example = request_schema(document, path)
    assert_valid(document, name, example)
    assert_valid(document, name, {**example, "bearer_token": "ignored"})  # unknown keys allowed


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
    assert_valid(document, "AvailabilityQuery", {"bookable_events": [item] * 100})
    assert_invalid(document, "AvailabilityQuery", {"bookable_events": [item] * 101})
    assert_invalid(document, "AvailabilityQuery", {"bookable_events": []})
    assert_invalid(document, "AvailabilityQuery", {})


def test_webkasa_registration_bodies_follow_the_field_rules(document: dict[str, Any]) -> None:
    good = {"attendee_email": "a@example.com", "attendee_name": "A"}
    assert_valid(document, "RegistrationCreate", good)
    extras = {"guest_count": 9999, "notes": "n" * 2000, "attendee_phone": None}
    assert_valid(document, "RegistrationCreate", {**good, **extras})
    for field, value in [
        ("guest_count", -1),
        ("guest_count", 1.5),
        ("guest_count", "2"),
        ("guest_count", 10000),
        ("notes", "n" * 2001),
        ("attendee_email", "a" * 257),
        ("capacity", 1),  # an unknown field
    ]:
        assert_invalid(document, "RegistrationCreate", {**good, field: value})
    assert_invalid(document, "RegistrationCreate", {"attendee_name": "A"})
    assert_valid(document, "RegistrationChange", {})
    assert_valid(document, "RegistrationChange", {"attendee_phone": None, "notes": None})
    for field in ("attendee_email", "attendee_name", "status", "guest_count"):
        assert_invalid(document, "RegistrationChange", {field: None})
    for body in ({}, {"count": 0}, {"count": None}, {"count": 12}):
        assert_valid(document, "CheckIn", body)
    for count in (-1, 1.5, "2"):
        assert_invalid(document, "CheckIn", {"count": count})


def test_webkasa_event_bodies_follow_the_field_rules(document: dict[str, Any]) -> None:
    good = {"title": "T", "start_date": "2024-05-01"}
    assert_valid(document, "EventCreate", good)
    assert_valid(document, "EventCreate", {**good, "slots": None, "cost": 25})
    for field, value in [
        ("slots", 0),
        ("slots", 2.5),
        ("slots", "30"),
        ("cost", -1),
        ("status", 1),
        ("description", "d" * 5001),
        ("location", "l" * 501),
        ("title", None),
        ("capacity", 1),
    ]:
        assert_invalid(document, "EventCreate", {**good, field: value})
    assert_invalid(document, "EventCreate", {"title": "T"})
    assert_valid(document, "EventCreate", {**good, "status": None, "timezone": None})
    assert_valid(document, "EventChange", {})
    nulls = {k: None for k in ("description", "location", "cost", "slots", "end_time", "end_date")}
    assert_valid(document, "EventChange", {**nulls, "timezone": None})
    for field in ("title", "start_date", "status"):
        assert_invalid(document, "EventChange", {field: None})


def test_request_examples_decode_as_their_declarations() -> None:
    for e in endpoints(routes_of(build_app(SETTINGS))):
        op = e.operation
        if op is not None and op.body is not None and op.example is not None:
            msgspec.convert(op.example, op.body)


def test_query_parameters_come_from_their_declarations(document: dict[str, Any]) -> None:
    def query(path: str) -> dict[str, Any]:
        op = document["paths"][path]["get"]
        return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}

    events = query("/api/v1/events")
    assert set(events) == {
        *("status", "upcoming", "past", "start_date", "end_date", "include_counts"),
        *("limit", "offset", "site_id"),
    }
    assert events["limit"]["schema"]["minimum"] == 1 and events["limit"]["schema"]["default"] == 50
    assert events["status"]["schema"]["examples"] == ["published", "draft", "cancelled"]
    assert set(query("/api/v1/events/{event_id}/registrations")) == {"status", "limit", "offset"}
    assert set(query("/v1/bookable_events")) == {"page_token"}
    assert set(query("/{hub}/registrations")) == {
        *("api-version", "$top", "$skip", "continuationtoken", "$filter"),
    }


# What render.py writes decodes strictly against the declarations (the live test does the same
# with real answers; these need no server)


def make_event(capacity: int | None = 5, **changes: Any) -> Event:
    event = Event(
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
    return msgspec.structs.replace(event, **changes)


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
    return Registration(**{**fields, **changes})


REGISTRATIONS = [
    make_registration(),
    make_registration(id="r2", metadata=None, notes="vip", checked_in_count=1, checked_in_at=T0),
    make_registration(id="r3", status="removed", metadata={}),
]


def test_rendered_v1_bodies_decode_as_their_declarations() -> None:
    ticket = ticket_code(b"s" * 32, 1, 1, 1)
    body = render.event(make_event())
    body["registration"]["registrations"] = [render.registration(r, ticket) for r in REGISTRATIONS]
    msgspec.convert(body, shapes.Event)
    body["registration"]["pages"] = render.pages(1, 2, PUBLIC_URL + "/v1/x/pages/AQgA")
    msgspec.convert(body, shapes.Event)
    listed = {
        "bookable_events": [render.event(make_event(None))],
        "pages": render.pages(1, 1, None),
    }
    msgspec.convert(listed, shapes.EventList)
    available = {"available_bookable_events": [render.availability(make_event())]}
    msgspec.convert(available, shapes.AvailabilityResponse)
    with pytest.raises(msgspec.ValidationError):  # an event in a list has no registrations
        msgspec.convert(render.event(make_event()), shapes.Event)


@pytest.mark.parametrize(
    "event",
    [
        make_event(),
        make_event(None, title="T", status="draft", cost_cents=2500, timezone="America/Denver"),
        make_event(status="cancelled", cost_cents=1, description="d"),
    ],
)
def test_rendered_webkasa_bodies_decode_as_their_declarations(event: Event) -> None:
    for counts in (False, True):
        msgspec.convert(
            {"data": webkasa_render.event(event, counts)}, webkasa_shapes.WebkasaEventEnvelope
        )
    rendered = [webkasa_render.registration(r, event.id) for r in REGISTRATIONS]
    meta = webkasa_render.page_meta(3, 50, 0, 3)
    msgspec.convert({"data": rendered, "meta": meta}, webkasa_shapes.WebkasaRegistrationList)


def test_every_pattern_is_an_ecma_regex_that_reads_as_the_server_reads_it(
    document: dict[str, Any],
) -> None:
    """A JSON Schema `pattern` is an ECMA-262 regex; the server applies the same text with Python's
    `re.search`. Each must compile in the document's dialect (a client validating against it would
    fail otherwise: `\\Z` was one), and both must agree on strings at the edges of an id."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.append(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert found
    samples = ["a", "abc", "abcZ", "abc\n", "\nabc", "", "a b", "x@y", " Accepted ", "Z"]
    for pattern in set(found):
        ecma = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        for sample in samples:
            assert ecma.is_valid(sample) == bool(re.search(pattern, sample)), (pattern, sample)
