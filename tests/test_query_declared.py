"""Every route whose record declares a query Struct reads its query through it: a value the Struct
refuses is refused by the live handler with a 4xx in the surface's shape, where the same request
without it succeeds. The operations are found by walking the route table, not listed here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from msgspec import inspect

from tests.live import LiveServer, make_tenant
from tests.nhub import HubClient
from turnout.app import build_app
from turnout.openapi.walk import Endpoint, endpoints, routes_of
from turnout.surfaces.query import given_type


def refused_value(t: inspect.Type) -> str | None:
    """A query text the declared type refuses, or None when it takes any text."""
    if isinstance(t, inspect.IntType):
        return "x"
    if isinstance(t, inspect.BoolType):
        return "maybe"
    if isinstance(t, inspect.StrType) and t.pattern is not None:
        assert not re.search(t.pattern, "!")
        return "!"
    if isinstance(t, inspect.StrType) and t.max_length is not None:
        return "x" * (t.max_length + 1)
    return None


def refusal(endpoint: Endpoint) -> tuple[str, str] | None:
    """(parameter, value) for the first field of the endpoint's query Struct that refuses some
    text, checked against the Struct itself."""
    kind = endpoint.operation.query  # type: ignore[union-attr]
    for f in msgspec.structs.fields(kind):
        value = refused_value(given_type(inspect.type_info(f.type)))
        if value is not None:
            with pytest.raises(msgspec.ValidationError):
                msgspec.convert({f.encode_name: value}, kind, strict=False)
            return f.encode_name, value
    return None


def declared_queries(server: LiveServer) -> list[tuple[Endpoint, str, str]]:
    found = []
    for e in endpoints(routes_of(build_app(server.settings))):
        if e.operation is not None and e.operation.query is not None:
            refused = refusal(e)
            if refused is not None:
                found.append((e, *refused))
    return found


@pytest.fixture
def world(server: LiveServer) -> Iterator[dict[str, Any]]:
    """An admin tenant with an event on each surface and a webhook endpoint, and a hub."""
    with make_tenant(server, "admin") as admin:
        http = admin.http
        cronofy = {"bookable_event_id": "q1", "status": "confirmed"}
        span = {"start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}
        assert http.post("/v1/bookable_events", json={**cronofy, **span}).status_code < 300
        event = {"title": "Query", "start_date": "2030-02-15", "status": "published"}
        made = http.post("/api/v1/events", json=event)
        assert made.status_code == 201, made.text
        hook = http.post("/v1/webhook_endpoints", json={"url": "https://hooks.example.com/turnout"})
        assert hook.status_code == 201, hook.text
        hub = HubClient(server)
        with hub.client() as hub_http:
            yield {
                "http": http,
                "hub_http": hub_http,
                "/api/v1": {"event_id": made.json()["data"]["id"]},
                "/v1": {
                    "event_id": "q1",
                    "endpoint_id": hook.json()["webhook_endpoint"]["id"],
                },
                "/{hub}": {"hub": hub.name, "tag": "news"},
            }


def _request(world: dict[str, Any], e: Endpoint, params: dict[str, str]) -> httpx.Response:
    prefix = next(p for p in ("/api/v1", "/v1", "/{hub}") if e.path.startswith(p + "/"))
    path = re.sub(r"{(\w+)}", lambda m: world[prefix][m[1]], e.path)
    if prefix == "/{hub}":  # the hub client's base names the hub
        return world["hub_http"].request(e.method, path.split("/", 2)[2], params=params)
    return world["http"].request(e.method, path, params=params)


def test_every_declared_query_is_read_through_its_struct(
    server: LiveServer, world: dict[str, Any]
) -> None:
    found = declared_queries(server)
    assert {e.path.split("/")[1] for e, _, _ in found} >= {"api", "v1", "{hub}"}
    for e, name, value in found:
        plain = _request(world, e, {})
        assert plain.status_code < 300, (e.method, e.path, plain.status_code, plain.text)
        refused = _request(world, e, {name: value})
        assert 400 <= refused.status_code < 500, (e.method, e.path, name, refused.status_code)
        if e.path.startswith("/{hub}"):
            assert "<Error>" in refused.text  # the hubs' XML error body
        else:
            assert refused.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"limit": " 7\x1f", "upcoming": "TRUE", "past": "0"}, {"limit": 7, "upcoming": True}),
        ({"include_counts": "1", "offset": "0"}, {"include_counts": True, "offset": 0}),
        ({"limit": "5.0"}, [("limit", "invalid")]),  # msgspec alone would take these three
        ({"limit": "1e2"}, [("limit", "invalid")]),
        ({"limit": "٣"}, [("limit", "invalid")]),
        ({"limit": "+3"}, [("limit", "invalid")]),
        ({"limit": "0", "offset": "-1"}, [("limit", "out_of_range"), ("offset", "out_of_range")]),
        (
            {"offset": "x", "upcoming": "yes", "limit": "1" + "0" * 30, "include_counts": ""},
            [
                ("upcoming", "invalid"),
                ("include_counts", "invalid"),
                ("limit", "out_of_range"),
                ("offset", "invalid"),
            ],
        ),
    ],
)
def test_the_reader_converts_leniently_and_reports_every_field(
    params: dict[str, str], expected: Any
) -> None:
    from turnout.surfaces.webkasa.parse import EVENTS_QUERY

    query, errors = EVENTS_QUERY.decode(params)
    if isinstance(expected, dict):
        assert errors == []
        assert {name: getattr(query, name) for name in expected} == expected
    else:
        assert [(e.field, e.code) for e in errors] == expected


def test_the_hubs_read_a_blank_as_absent_and_refuse_with_one_invalid_query() -> None:
    from turnout.core.devices import DeviceInputError
    from turnout.surfaces.nhub.operations import LISTING

    assert LISTING.read({"$top": " ", "$skip": ""}).top is msgspec.UNSET
    with pytest.raises(DeviceInputError) as refused:
        LISTING.read({"$top": "-1", "$skip": "10001"})
    assert (refused.value.reason, str(refused.value)) == (
        "InvalidQuery",
        "$top must be a whole number.",
    )
