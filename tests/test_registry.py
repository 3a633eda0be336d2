"""The surface registry: a surface that claims paths by pattern (as Notification Hubs' /{hub}/...
will) is mounted after the fixed prefixes, and turnout's own routes still win over it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tests.conftest import base_settings
from tests.cronofy_errors import cronofy_body
from tests.live import LiveServer, surface_routes
from turnout.core.errors import Unauthenticated
from turnout.services import Services
from turnout.surfaces import registry
from turnout.surfaces.access import Access, Guard
from turnout.surfaces.http import json_response
from turnout.surfaces.surface import Prefixes, Surface


@dataclasses.dataclass(frozen=True)
class HubPrincipal:
    tenant_name: str


async def sas(request: Request) -> HubPrincipal:
    """A stand-in for credentials of the surface's own, checked without the API-key store."""
    if request.headers.get("authorization") != "SharedAccessSignature ok":
        raise Unauthenticated("bad token")
    return HubPrincipal("hub-tenant")


def build_hub(services: Services) -> ASGIApp:
    async def hub(request: Request) -> Response:
        return json_response(
            {
                "hub": request.path_params["hub"],
                "rest": request.url.path,
                "tenant": request.state.principal.tenant_name,
            }
        )

    routed = Starlette(routes=[Route("/registrations", hub, methods=["GET"])])
    access = Access(
        credential=lambda _: None,
        render_error=lambda _, exc: json_response({"hub_error": str(exc)}, 401),
        too_many=lambda decision: json_response({}, 429),
        authenticate=sas,
    )
    return Guard(routed, services, access)


HUB = Surface("hub", "/{hub}", build_hub, lambda status: json_response({"hub": status}, status))


@pytest.fixture
def with_hub() -> Iterator[None]:
    registry.SURFACES.insert(0, HUB)  # first in the list, yet mounted after the fixed prefixes
    try:
        yield
    finally:
        registry.SURFACES.remove(HUB)


@pytest.fixture
def client(with_hub: None, tmp_path: Path) -> Iterator[httpx.Client]:
    database = f"sqlite:///{tmp_path}/turnout.db"
    settings = base_settings(str(tmp_path), database, max_header_bytes=4096)
    with LiveServer(settings) as live, httpx.Client(base_url=live.url) as client:
        yield client


def test_a_pattern_surface_is_mounted_after_the_fixed_prefixes(client: httpx.Client) -> None:
    order = [s.name for s in registry.in_mount_order()]
    assert order.index("hub") > max(order.index("cronofy"), order.index("webkasa"))
    sas = {"Authorization": "SharedAccessSignature ok"}
    answer = client.get("/myhub/registrations", headers=sas).json()
    assert answer == {"hub": "myhub", "rest": "/myhub/registrations", "tenant": "hub-tenant"}
    assert cronofy_body(client.get("/v1/bookable_events", headers=sas)) == {}  # /v1's 401
    # The hub's pattern matches this path too, but /v1 is mounted first.
    assert cronofy_body(client.get("/v1/registrations", headers=sas)) == {}
    assert client.get("/api/v1/events").json()["code"] == "UNAUTHORIZED"


def test_a_surface_may_bring_its_own_credentials(client: httpx.Client) -> None:
    refused = client.get("/myhub/registrations", headers={"Authorization": "Bearer tk_x"})
    assert (refused.status_code, refused.json()) == (401, {"hub_error": "bad token"})


@pytest.mark.parametrize("path", ["/healthz", "/docs", "/openapi.json"])
def test_turnouts_own_routes_win_over_a_pattern_surface(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "hub" not in response.text[:100]


def test_a_refusal_before_routing_takes_the_shape_of_the_surface_the_path_is_for(
    client: httpx.Client,
) -> None:
    big = "x" * 5000
    assert client.get("/myhub/registrations", headers={"X-Big": big}).json() == {"hub": 431}
    assert (
        client.get("/api/v1/events", headers={"X-Big": big}).json()["code"] == "HEADERS_TOO_LARGE"
    )
    assert cronofy_body(client.get("/v1/bookable_events", headers={"X-Big": big})) == {}
    assert client.get("/healthz", headers={"X-Big": big}).json() == {}


def test_route_discovery_finds_a_new_surface_without_a_count(with_hub: None) -> None:
    assert ("hub", "GET", "/{hub}/registrations") in surface_routes()


def test_nothing_of_turnouts_own_may_lie_under_a_fixed_prefix(tmp_path: Path) -> None:
    """Prefixes sends /v1/… straight to its surface; that is the router's answer only while no
    route before the mount could take such a path, so an app with one is refused when built."""
    services = Services.create(base_settings(str(tmp_path), f"sqlite:///{tmp_path}/t.db"))
    cronofy = next(s for s in registry.SURFACES if s.path == "/v1")

    async def own(_: Request) -> Response:
        return json_response({})

    fine = Starlette(routes=[Route("/v1x", own), cronofy.mount(services)])
    assert [p for p, _ in Prefixes(fine).prefixes] == ["/v1/"]
    clash = Starlette(routes=[Route("/v1/status", own), cronofy.mount(services)])
    with pytest.raises(ValueError, match="/v1/status"):
        Prefixes(clash)
