"""ID-1, ID-2 and ID-3 of reliability.md: client-chosen ids under concurrency, across tenants, and
under fuzzing, on each database."""

from __future__ import annotations

import re
import socket
from collections import Counter
from urllib.parse import quote

import pytest

from tests.builders import counters, make_event, register
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant
from tests.race import Request, burst
from tests.test_tenancy import ROUTES

# ID-1


@pytest.mark.parametrize("run", [1, 2])
def test_20_concurrent_upserts_of_one_id_make_one_row(tenant: Tenant, run: int) -> None:
    event_id = f"id1_{run}"
    make_event(tenant.http, event_id, capacity=5)
    body = {"registration_id": "same", "status": "accepted", "guest_count": 1}
    url = f"/v1/bookable_events/{event_id}/registrations"
    requests: list[Request] = [lambda http: http.post(url, json=body)] * 20
    responses = burst(tenant.server.url, tenant.key, requests, threads=20)
    assert Counter(r.status_code for r in responses) == Counter({200: 20})
    # The first created it; the others changed nothing, so every answer shows the same one row.
    shown = {r.content for r in responses}
    assert len(shown) == 1, shown
    listed = tenant.http.get(url).json()["registrations"]
    assert [(x["registration_id"], x["status"]) for x in listed] == [("same", "accepted")]
    assert responses[0].json()["registration"]["registrations"] == listed
    assert counters(tenant.http, event_id)["seats_taken"] == 2


# ID-2


def test_the_same_ids_in_two_tenants_are_independent(tenant: Tenant, other_tenant: Tenant) -> None:
    a, b = tenant.http, other_tenant.http
    make_event(a, "shared", capacity=1)
    make_event(b, "shared", capacity=5)
    assert register(a, "shared", "r1").status_code == 200
    assert register(b, "shared", "r1", guest_count=3).status_code == 200
    assert counters(a, "shared")["seats_taken"] == 1  # full for A, not for B
    assert register(a, "shared", "r2").status_code == 422
    assert register(b, "shared", "r2").status_code == 200
    assert a.delete("/v1/bookable_events/shared/registrations/r1").status_code == 200
    mine = a.get("/v1/bookable_events/shared/registrations/r1").json()["registration"]
    theirs = b.get("/v1/bookable_events/shared/registrations/r1").json()["registration"]
    assert (mine["status"], mine["guest_count"]) == ("removed", 0)
    assert (theirs["status"], theirs["guest_count"]) == ("accepted", 3)
    assert counters(b, "shared") == {
        "capacity": 5,
        "registered_count": 2,
        "total_count": 2,
        "seats_taken": 5,
    }


def test_concurrent_upserts_of_the_same_ids_from_two_tenants(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    for t in (tenant, other_tenant):
        make_event(t.http, "both", capacity=3)

    def upsert(t: Tenant, i: int) -> Request:
        body = {"registration_id": f"r{i % 5}", "status": "accepted"}
        headers = {"Authorization": f"Bearer {t.key}"}
        url = "/v1/bookable_events/both/registrations"
        return lambda http: http.post(url, json=body, headers=headers)

    requests = [upsert(t, i) for i in range(40) for t in (tenant, other_tenant)]
    responses = burst(tenant.server.url, tenant.key, requests, threads=40)
    assert {r.status_code for r in responses} <= {200, 422}
    for t in (tenant, other_tenant):
        listed = t.http.get("/v1/bookable_events/both/registrations").json()["registrations"]
        ids = [x["registration_id"] for x in listed if x["status"] == "accepted"]
        assert len(ids) == len(set(ids)) == 3  # each tenant filled its own 3 seats, once each
        assert counters(t.http, "both")["seats_taken"] == 3


# ID-3

# (label, the id as it goes on the wire in a path). None of these is a valid id, so each must be
# a 4xx: no 5xx, no redirect, and never another object than the one named.
PATH_IDS = [
    ("unicode", quote("é💥")),
    ("encoded slash", "own%2Freg"),
    ("raw slash", "own/reg"),
    ("encoded dot-dot", "%2E%2E"),
    ("dot-dot inside", "a..b"),
    ("nul", "own_reg%00"),
    ("1 KB", "x" * 1024),
    ("lone percent", "%"),
    ("bad percent", "%zz"),
    ("space", "own%20reg"),
    ("trailing slash", "{real}/"),
    ("case", "{REAL}"),
    ("encoded quote", "%27%22"),
]


def fill(path: str, value: str, real: dict[str, str]) -> str:
    """The route with `value` for one of its ids and the real objects' ids for the others."""
    params = re.findall(r"\{(\w+)\}", path)
    last = params[-1]
    value = value.replace("{real}", real[last]).replace("{REAL}", real[last].upper())
    return re.sub(r"\{(\w+)\}", lambda m: value if m.group(1) == last else real[m.group(1)], path)


# The Notification Hubs surface takes SAS tokens only: an API key is refused before any id in its path
# is read, so its ids are fuzzed by its own tests (tests/test_nhub_*.py) and by tests/test_fuzz.py.
KEYED_ROUTES = [(m, p) for m, p in ROUTES if not p.startswith("/{hub}")]


@pytest.mark.parametrize(
    ("method", "path"), KEYED_ROUTES, ids=[f"{m} {p}" for m, p in KEYED_ROUTES]
)
def test_fuzzed_ids_in_paths_are_4xx(tenant: Tenant, method: str, path: str) -> None:
    make_event(tenant.http, "own_event", capacity=5)
    register(tenant.http, "own_event", "own_reg", guest_count=1)
    real = {
        "event_id": "own_event",
        "registration_id": "own_reg",
        "token": "AAAA",
        "prefix": tenant.key[:15],
        "name": "own_hub",  # /v1/hubs/{name}: the tenant's key is no admin key, so 403s
    }
    before = tenant.http.get("/v1/bookable_events/own_event").content
    body = {} if method in ("POST", "PATCH") else None
    for label, value in PATH_IDS:
        url = fill(path, value, real)
        r = tenant.http.request(method, url, json=body)
        assert 400 <= r.status_code < 500, (label, url, r.status_code, r.text)
        if url.startswith("/api/"):
            assert r.json()["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED"), (label, r.text)
        else:
            assert cronofy_body(r) == {}, (label, r.text)
    assert tenant.http.get("/v1/bookable_events/own_event").content == before


def test_percent_encoded_letters_name_the_same_object(tenant: Tenant) -> None:
    """Percent-encoding an unreserved letter is the same URL (RFC 3986 §6.2.2.2): it finds the
    same event, not another one and not an error."""
    make_event(tenant.http, "own_event")
    plain = tenant.http.get("/v1/bookable_events/own_event")
    encoded = tenant.http.get("/v1/bookable_events/%6Fwn_event")
    assert (encoded.status_code, encoded.content) == (plain.status_code, plain.content)


def raw_get(tenant: Tenant, target: str) -> int:
    """Send a request line exactly as given (clients remove dot segments before sending)."""
    port = int(tenant.server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(
            f"GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        head = s.recv(4096)
    return int(head.split()[1])


@pytest.mark.parametrize(
    "target",
    [
        "/v1/bookable_events/own_event/registrations/../registrations/own_reg",
        "/v1/bookable_events/../bookable_events/own_event",
        "/api/v1/events/./own_event",
        "/v1/bookable_events/own_event/registrations/own_reg/..",
    ],
)
def test_dot_segments_are_not_resolved_on_the_server(tenant: Tenant, target: str) -> None:
    make_event(tenant.http, "own_event")
    register(tenant.http, "own_event", "own_reg")
    assert raw_get(tenant, target) == 404


@pytest.mark.parametrize(
    "value",
    ["é", "a/b", "..", "a\x00b", "x" * 1024, "own%2Fevent", "", " own_event", "own_event\n", 7],
    ids=repr,
)
def test_fuzzed_ids_in_bodies_are_422(tenant: Tenant, value: object) -> None:
    make_event(tenant.http, "own_event")
    event = {"bookable_event_id": value, "start": "2030-01-24T12:30:00Z"}
    event |= {"end": "2030-01-24T17:00:00Z", "status": "confirmed"}
    responses = {
        "bookable_event_id": tenant.http.post("/v1/bookable_events", json=event),
        "registration_id": tenant.http.post(
            "/v1/bookable_events/own_event/registrations",
            json={"registration_id": value, "status": "accepted"},
        ),
    }
    for field, r in responses.items():
        assert r.status_code == 422, (field, r.text)
        keys = [e["key"] for e in r.json()["errors"][field]]
        assert keys in (["errors.invalid"], ["errors.too_long"], ["errors.required"]), r.text
    assert counters(tenant.http, "own_event")["total_count"] == 0


def test_a_trailing_slash_is_404_not_a_redirect_to_the_host_header(tenant: Tenant) -> None:
    make_event(tenant.http, "own_event")
    for path in ("/v1/bookable_events/own_event/", "/api/v1/events/own_event/", "/api/v1/events/"):
        r = tenant.http.get(path, headers={"Host": "attacker.example"})
        assert r.status_code == 404, (path, r.status_code, r.headers.get("location"))
        assert "location" not in r.headers


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/bookable_events/own_event/registrations", {"notes": "a\x00b"}, "notes"),
        (
            "/v1/bookable_events/own_event/registrations",
            {"metadata": {"email": "\x00"}},
            "metadata",
        ),
        ("/v1/bookable_events/own_event/registrations", {"metadata": {"k\x00": 1}}, "metadata"),
        ("/api/v1/events/own_event/registrations", {"attendee_name": "a\x00"}, "attendee_name"),
        ("/api/v1/events", {"title": "T", "location": "\x00"}, "location"),
    ],
)
def test_nul_in_body_text_is_422_in_the_surface_shape(
    tenant: Tenant, path: str, body: dict[str, object], field: str
) -> None:
    """Regression: PostgreSQL text cannot hold NUL; it was a 500 (or a reset connection)."""
    make_event(tenant.http, "own_event")
    base = {"registration_id": "r1", "status": "accepted"} if path.startswith("/v1") else {}
    if path.endswith("/registrations") and path.startswith("/api"):
        base = {"attendee_email": "a@example.org", "attendee_name": "A"}
    if path == "/api/v1/events":
        base = {"start_date": "2030-05-01"}
    r = tenant.http.post(path, json=base | body)
    assert r.status_code == 422, r.text
    if path.startswith("/v1"):
        assert r.json()["errors"][field][0]["key"] == "errors.invalid"
    else:
        assert r.json()["code"] == "VALIDATION_ERROR"
        assert {d["field"] for d in r.json()["details"]} == {field}
    assert counters(tenant.http, "own_event")["total_count"] == 0
