"""SEC-1: on every route with an id, another tenant's object answers exactly like a missing one.

The routes come from the surfaces' own route tables, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re

import pytest

from tests.builders import make_event, register
from tests.live import Tenant, surface_routes
from turnout.surfaces.registry import SURFACES

# Every route with an id in its path, of every registered surface, from the app's route table.
FOUND = [(name, method, path) for name, method, path in surface_routes() if "{" in path]
ROUTES = [(method, path) for _, method, path in FOUND]


def test_the_matrix_covers_every_surface() -> None:
    assert {name for name, _, _ in FOUND} == {surface.name for surface in SURFACES}


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_another_tenants_object_is_indistinguishable_from_a_missing_one(
    tenant: Tenant, other_tenant: Tenant, method: str, path: str
) -> None:
    make_event(tenant.http, "own_event", capacity=5)
    register(tenant.http, "own_event", "own_reg", guest_count=1)
    before = tenant.http.get("/v1/bookable_events/own_event").content
    real = {"event_id": "own_event", "registration_id": "own_reg", "token": "AAAA"}
    missing = {"event_id": "no_such_event", "registration_id": "no_such_reg", "token": "AAAA"}
    body = {} if method in ("POST", "PATCH") else None
    theirs = other_tenant.http.request(method, fill(path, real), json=body)
    nothing = other_tenant.http.request(method, fill(path, missing), json=body)
    assert theirs.status_code == 404, theirs.text
    assert (theirs.status_code, theirs.content) == (nothing.status_code, nothing.content)
    assert tenant.http.get("/v1/bookable_events/own_event").content == before
