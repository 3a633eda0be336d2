"""SEC-1: on every route with an id, another tenant's object answers exactly like a missing one.

The routes come from the surfaces' own route tables, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest

from tests.builders import make_event, register
from tests.live import Tenant, routes_of
from turnout.config import Settings
from turnout.services import Services
from turnout.surfaces.cronofy import routes as cronofy
from turnout.surfaces.webkasa import routes as webkasa


def routes_with_ids() -> list[tuple[str, str]]:
    services = Services.create(Settings(secret="x" * 32))
    found = []
    for prefix, surface in (("/v1", cronofy), ("/api/v1", webkasa)):
        for route in routes_of(surface.build(services)).routes:
            if "{" in route.path:
                found += [
                    (method, prefix + route.path) for method in sorted(route.methods - {"HEAD"})
                ]
    return found


ROUTES = routes_with_ids()


def test_the_matrix_covers_both_surfaces() -> None:
    prefixes = {path.split("/")[1] + "/" + path.split("/")[2] for _, path in ROUTES}
    assert prefixes == {"v1/bookable_events", "v1/keys", "api/v1"}
    assert len(ROUTES) >= 12


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_another_tenants_object_is_indistinguishable_from_a_missing_one(
    tenant: Tenant, other_tenant: Tenant, method: str, path: str
) -> None:
    make_event(tenant.http, "own_event", capacity=5)
    register(tenant.http, "own_event", "own_reg", guest_count=1)
    before = tenant.http.get("/v1/bookable_events/own_event").content
    real = {
        "event_id": "own_event",
        "registration_id": "own_reg",
        "token": "AAAA",
        "prefix": tenant.key[:15],
    }
    missing = {
        "event_id": "no_such_event",
        "registration_id": "no_such_reg",
        "token": "AAAA",
        "prefix": "tk_AAAAAAAAAAAA",
    }
    body = {} if method in ("POST", "PATCH") else None
    # Key routes answer admin keys only; any other key is a 403 before an id is looked at.
    key = other_tenant.key_with("admin") if path.startswith("/v1/keys") else other_tenant.key
    with other_tenant.client(key) as http:
        theirs = http.request(method, fill(path, real), json=body)
        nothing = http.request(method, fill(path, missing), json=body)
    assert theirs.status_code == 404, theirs.text
    assert (theirs.status_code, theirs.content) == (nothing.status_code, nothing.content)
    assert tenant.http.get("/v1/bookable_events/own_event").content == before
