"""Real answers from a live server decode strictly (unknown fields refused) against the response
Struct their route's record declares, for every operation the document lists: render.py and the
declarations cannot drift. Every operation is found in the route table, not listed here; the
scenario below only has to reach each one (a new route without a call fails the test)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.nhub import HubClient, apple_entry
from turnout.app import build_app
from turnout.openapi.walk import Endpoint, endpoints, routes_of
from turnout.surfaces.operation import Operation

PAGE_SIZE = 2  # so that an event's second page exists after three registrations


@pytest.fixture(scope="module")
def live(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = base_settings(
        str(tmp_path_factory.mktemp("live")),
        database_url,
        page_size=PAGE_SIZE,
        webhook_allow_networks="127.0.0.0/8",  # the endpoint below points at a closed local port
    )
    with LiveServer(settings) as server:
        yield server


class Recorder:
    """Sends requests and keeps each answer under the operation the router gave it to."""

    def __init__(self, server: LiveServer) -> None:
        found = list(endpoints(routes_of(build_app(server.settings))))
        self.endpoints = [e for e in found if e.operation is not None]
        self.answers: dict[str, list[httpx.Response]] = {}

    def operation(self, method: str, path: str) -> Endpoint:
        for e in self.endpoints:
            pattern = "^" + re.sub(r"{[^}]+}", "[^/]+", e.path) + "$"
            if e.method == method and re.match(pattern, path, re.IGNORECASE):
                return e
        raise AssertionError(f"no route for {method} {path}")

    def send(self, client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        response = client.request(method, url, **kw)
        path = response.request.url.path
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        operation = self.operation(method, path).operation
        assert operation is not None
        self.answers.setdefault(operation.id, []).append(response)
        return response


def drive_v1(r: Recorder, admin: Tenant) -> None:
    http = admin.http
    event = {
        "bookable_event_id": "e1",
        "start": "2030-01-01T10:00:00Z",
        "end": "2030-01-01T11:00:00Z",
    }
    r.send(http, "POST", "/v1/bookable_events", json={**event, "status": "confirmed"})
    for n in range(3):
        body = {
            "registration_id": f"r{n}",
            "status": "accepted",
            "metadata": {"email": f"{n}@x.io"},
        }
        r.send(http, "POST", "/v1/bookable_events/e1/registrations", json=body)
    read = r.send(http, "GET", "/v1/bookable_events/e1").json()
    r.send(http, "GET", read["registration"]["pages"]["next_page"])
    r.send(http, "GET", "/v1/bookable_events")
    listed = r.send(http, "GET", "/v1/bookable_events/e1/registrations").json()
    r.send(http, "GET", listed["pages"]["next_page"])
    r.send(http, "GET", "/v1/bookable_events/e1/registrations/r1")
    r.send(http, "DELETE", "/v1/bookable_events/e1/registrations/r2")
    r.send(
        http, "POST", "/v1/availability", json={"bookable_events": [{"bookable_event_id": "e1"}]}
    )


def drive_admin(r: Recorder, admin: Tenant) -> None:
    http = admin.http
    r.send(http, "GET", "/v1/keys")
    made = r.send(http, "POST", "/v1/keys", json={"scope": "read", "name": "reporting"}).json()
    prefix = made["key"]["prefix"]
    r.send(http, "GET", f"/v1/keys/{prefix}")
    rotated = r.send(http, "POST", f"/v1/keys/{prefix}/rotate", json={"grace_seconds": 0}).json()
    r.send(http, "DELETE", f"/v1/keys/{rotated['key']['prefix']}")
    r.send(http, "GET", "/v1/tenant")
    r.send(http, "POST", "/v1/hubs", json={"name": "livehub", "registration_quota": 10})
    r.send(http, "GET", "/v1/hubs")
    r.send(http, "GET", "/v1/hubs/livehub")
    r.send(http, "POST", "/v1/hubs/livehub", json={"registration_quota": None})
    r.send(http, "POST", "/v1/hub_rules", json={"name": "live-backend", "rights": ["listen"]})
    r.send(http, "GET", "/v1/hub_rules")
    r.send(http, "POST", "/v1/hub_rules/live-backend/rotate")
    r.send(http, "DELETE", "/v1/hub_rules/live-backend")
    r.send(http, "DELETE", "/v1/hubs/livehub")


def drive_webhooks(r: Recorder, admin: Tenant) -> None:
    http = admin.http
    made = r.send(http, "POST", "/v1/webhook_endpoints", json={"url": "http://127.0.0.1:9/hook"})
    one = "/v1/webhook_endpoints/" + made.json()["webhook_endpoint"]["id"]
    r.send(http, "GET", "/v1/webhook_endpoints")
    r.send(http, "GET", one)
    r.send(http, "PATCH", one, json={"description": "the CRM"})
    r.send(http, "POST", one + "/rotate_secret")
    event = {
        "bookable_event_id": "e2",
        "start": "2030-01-01T10:00:00Z",
        "end": "2030-01-01T11:00:00Z",
    }
    http.post("/v1/bookable_events", json={**event, "status": "confirmed"})  # a message to list
    deliveries = r.send(http, "GET", one + "/deliveries").json()["deliveries"]
    message = deliveries[0]["message_id"]
    r.send(http, "POST", f"{one}/deliveries/{message}/redeliver")
    r.send(http, "POST", one + "/replay", json={"since": "2020-01-01T00:00:00Z"})
    r.send(http, "DELETE", one)


def drive_webkasa(r: Recorder, admin: Tenant) -> None:
    http = admin.http
    event = {"title": "Meditation", "start_date": "2030-02-15", "slots": 30, "status": "published"}
    made = r.send(http, "POST", "/api/v1/events", json=event).json()["data"]
    one = f"/api/v1/events/{made['id']}"
    r.send(http, "GET", "/api/v1/events", params={"include_counts": "true"})
    r.send(http, "GET", one, params={"include_counts": "true"})
    r.send(http, "PATCH", one, json={"location": "Community Center"})
    attendee = {"attendee_email": "a@example.com", "attendee_name": "A", "guest_count": 1}
    registration = r.send(http, "POST", one + "/registrations", json=attendee).json()["data"]
    reg = f"{one}/registrations/{registration['id']}"
    r.send(http, "GET", one + "/registrations")
    r.send(http, "GET", reg)
    r.send(http, "PATCH", reg, json={"notes": "vegan"})
    r.send(http, "POST", reg + "/check-in", json={"count": 2})
    r.send(http, "DELETE", reg)


def drive_hubs(r: Recorder, server: LiveServer) -> None:
    hub = HubClient(server)
    with hub.client() as http:
        r.send(http, "POST", "/registrationids")
        created = r.send(
            http,
            "POST",
            "/registrations",
            content=apple_entry(tags="news"),
            headers={"Content-Type": "application/atom+xml;type=entry;charset=utf-8"},
        )
        rid = re.search(r"<RegistrationId>([^<]+)<", created.text)
        assert rid
        one = f"/registrations/{rid[1]}"
        r.send(http, "PUT", one, content=apple_entry(tags="news,sport"))
        r.send(http, "GET", one)
        r.send(http, "GET", "/registrations")
        r.send(http, "GET", "/registrations", params={"$filter": "DeviceToken eq '00FC13AD'"})
        r.send(http, "GET", "/tags/news/registrations")
        r.send(http, "DELETE", one)
        installation = {"installationId": "inst-1", "platform": "apns", "pushChannel": "00fc13ad"}
        r.send(http, "PUT", "/installations/inst-1", json=installation)
        patch = [{"op": "add", "path": "/tags", "value": "news"}]
        r.send(http, "PATCH", "/installations/inst-1", json=patch)
        r.send(http, "GET", "/installations/inst-1")
        r.send(http, "DELETE", "/installations/inst-1")


def drive_own(r: Recorder, server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            r.send(http, "GET", path)


def assert_answers_as_declared(operation: Operation, response: httpx.Response) -> None:
    where = f"{operation.id} {response.request.method} {response.request.url.path}"
    assert response.status_code == operation.status, where
    media = response.headers.get("content-type", "")
    if operation.ok is not None:
        assert media == operation.media, where
        msgspec.json.decode(response.content, type=operation.ok)  # strict: unknown fields refused
    elif operation.example_text:
        assert media == operation.media.replace("; ", ";") or media == operation.media, where
    else:
        assert response.content == b"", where
    assert ("etag" in response.headers) == operation.etag, where
    assert ("location" in response.headers) == operation.location, where


def test_every_operation_answers_with_its_declared_shape(live: LiveServer, tmp_path: Path) -> None:
    r = Recorder(live)
    with make_tenant(live, "admin") as admin:
        drive_own(r, live)
        drive_v1(r, admin)
        drive_admin(r, admin)
        drive_webhooks(r, admin)
        drive_webkasa(r, admin)
    drive_hubs(r, live)
    declared = {e.operation.id: e.operation for e in r.endpoints if e.operation is not None}
    unreached = set(declared) - set(r.answers)
    assert not unreached, f"operations the scenario never reached: {sorted(unreached)}"
    for operation_id, answers in r.answers.items():
        for response in answers:
            assert_answers_as_declared(declared[operation_id], response)


def test_a_stray_field_fails_the_strict_decode() -> None:
    """The negative control: a body with one field its Struct does not declare is refused."""
    from turnout.surfaces.cronofy import shapes

    body = b'{"keys": [], "surprise": 1}'
    with pytest.raises(msgspec.ValidationError, match="surprise"):
        msgspec.json.decode(body, type=shapes.KeyList)
