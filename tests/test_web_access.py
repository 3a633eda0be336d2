"""Every page of the web app, walked from its route table: who may open it, and that one tenant's
people never see or change another tenant's data (Alice's tenant, Bob's tenant)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from starlette.routing import Route

from tests.live import LiveServer, Tenant
from tests.web import (
    Browsers,
    create_endpoint,
    create_hub,
    create_key,
    csrf_of,
    make_person,
    message_ids,
    post_form,
)
from turnout import web
from turnout.services import Services

LOWER = {"owner": "staff", "staff": "door"}


def pages(server: LiveServer) -> list[tuple[str, str, str | None]]:
    """(method, path template, role) for every page the web app routes."""
    app = web.build(Services.create(server.settings))
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, "/app" + route.path, getattr(route.endpoint, "role", None)))
    return found


@pytest.fixture
def browsers(server: LiveServer) -> Iterator[Browsers]:
    opened = Browsers(server)
    yield opened
    opened.close()


@pytest.fixture
def alices(server: LiveServer, tenant: Tenant, browsers: Browsers) -> dict[str, str]:
    """Alice's tenant has an event with one registration, an API key, a hub with its rules, and a
    webhook endpoint with deliveries; these are their ids."""
    email, password = make_person(server, tenant, "owner")
    alice = browsers.sign_in(email, password)
    hub = "alices-" + secrets.token_hex(4)
    assert create_hub(alice, hub).status_code == 200
    endpoint, _ = create_endpoint(alice)  # before the event, so its writes are delivered
    created = post_form(
        alice,
        "/app/events",
        {
            "id": "alices_event",
            "title": "Alice's",
            "start": "2030-01-01T10:00",
            "end": "2030-01-01T12:00",
            "timezone": "UTC",
            "capacity": "5",
        },
        "/app/events/new",
    )
    assert created.status_code == 303
    post_form(alice, "/app/events/alices_event/status", {"action": "publish"})
    added = post_form(
        alice,
        "/app/events/alices_event/registrations",
        {"name": "Ann", "email": "ann@example.org", "guest_count": "1"},
    )
    registration = added.headers["location"].rsplit("/", 1)[1]
    return {
        "event": "alices_event",
        "registration": registration,
        "email": email,
        "password": password,
        "prefix": create_key(alice)[:15],
        "hub": hub,
        "rule": hub + "-full",
        "endpoint": endpoint,
        "message": message_ids(alice, endpoint)[0],
    }


# Every field any form takes, with values that would change something if a refused post went through.
FORGED = {
    "action": "cancel",
    "seen": "0",
    "present": "2",
    "status": "removed",
    "guest_count": "3",
    "name": "Eve",
    "title": "Bob's now",
    "start": "2030-01-01T10:00",
    "end": "2030-01-01T11:00",
    "confirm": "yes",
    "quota": "1",
    "grace": "0",
    "enabled": "no",
    "url": "https://bob.example/hook",
    "all_types": "on",
    "right_manage": "on",
    "since": "2020-01-01T00:00",
}


def test_the_route_table_has_pages_for_every_role(server: LiveServer) -> None:
    roles = {role for _, _, role in pages(server)}
    assert roles == {None, "door", "staff", "owner"}


def test_every_page_sends_strangers_to_sign_in(
    server: LiveServer, browsers: Browsers, alices: dict[str, str]
) -> None:
    stranger = browsers.new()
    for method, path, role in pages(server):
        if role is None:
            continue
        answer = stranger.request(method, path.format(**alices))
        expected = 303 if method == "GET" else 401
        assert answer.status_code == expected, (method, path)
        if method == "GET":
            assert answer.headers["location"].startswith("/app/signin?next=")


def test_every_page_refuses_a_role_below_its_own(
    server: LiveServer, tenant: Tenant, browsers: Browsers, alices: dict[str, str]
) -> None:
    clients = {role: browsers.signed_in_as(tenant, role) for role in LOWER.values()}
    for method, path, role in pages(server):
        if role not in LOWER:
            continue
        client = clients[LOWER[role]]
        token = csrf_of(client.get("/app/").text)
        answer = client.request(
            method, path.format(**alices), data={"csrf": token} if method == "POST" else None
        )
        assert answer.status_code == 403, (method, path, LOWER[role])


def test_no_page_shows_or_changes_another_tenants_data(
    server: LiveServer,
    tenant: Tenant,
    other_tenant: Tenant,
    browsers: Browsers,
    alices: dict[str, str],
) -> None:
    bob = browsers.signed_in_as(other_tenant, "owner")
    form = {"csrf": csrf_of(bob.get("/app/").text), **FORGED}
    walked = 0
    for method, path, role in pages(server):
        if role is None or "{" not in path:
            continue
        walked += 1
        answer = bob.request(method, path.format(**alices), data=form if method == "POST" else None)
        assert answer.status_code == 404, (method, path)
        assert "Ann" not in answer.text and "Alice" not in answer.text
        assert alices["hub"] not in answer.text and alices["endpoint"] not in answer.text
    assert walked >= 25
    assert "Alice" not in bob.get("/app/").text
    assert_unchanged(tenant, browsers, alices)


def test_every_form_refuses_a_missing_forged_or_cross_site_token(
    server: LiveServer, tenant: Tenant, browsers: Browsers, alices: dict[str, str]
) -> None:
    """Alice herself, signed in as owner, but her forms' tokens are missing, wrong, or her own
    sent from another site's page: every POST of the route table answers 403 and changes nothing."""
    alice = browsers.sign_in(alices["email"], alices["password"])
    token = csrf_of(alice.get("/app/").text)
    walked = 0
    for method, path, role in pages(server):
        if method != "POST" or role is None:
            continue
        walked += 1
        for csrf, headers in (
            (None, {}),
            ("x" * len(token), {}),
            (token, {"Origin": "https://evil.example"}),
        ):
            data = {**FORGED, **({"csrf": csrf} if csrf else {})}
            answer = alice.post(path.format(**alices), data=data, headers=headers)
            assert answer.status_code == 403, (path, csrf == token, headers)
    assert walked >= 25
    assert_unchanged(tenant, browsers, alices)


def assert_unchanged(tenant: Tenant, browsers: Browsers, alices: dict[str, str]) -> None:
    """Alice's account, key, hub, endpoint, event and registration are as the fixture made them."""
    alice = browsers.sign_in(alices["email"], alices["password"])  # her account was not reset
    keys = alice.get("/app/keys").text
    assert f"<code>{alices['prefix']}</code>" in keys
    assert keys.count(">active<") == 1 + 1  # the tenant's own API key, and the one she made
    hub = alice.get(f"/app/hubs/{alices['hub']}")
    assert hub.status_code == 200 and 'name="quota" inputmode="numeric" value=""' in hub.text
    assert alices["rule"] in hub.text
    endpoint = alice.get(f"/app/webhooks/{alices['endpoint']}").text
    assert "<dt>State</dt><dd>enabled" in endpoint and "bob.example" not in endpoint
    event = tenant.http.get("/api/v1/events/alices_event").json()["data"]
    assert event["status"] != "CANCELLED" and event["title"] == "Alice's"
    registration = tenant.http.get(
        f"/api/v1/events/alices_event/registrations/{alices['registration']}"
    ).json()["data"]
    assert registration["guest_count"] == 1 and registration["checked_in_count"] == 0
