"""ETags and preconditions on both surfaces: reliability.md OCC-1 … OCC-6."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.builders import error_key, make_event, register
from tests.live import LiveServer, Tenant, make_tenant
from tests.race import burst
from tests.webkasa import code, create_event, create_registration

REG = "/v1/bookable_events/{}/registrations"


def webkasa_registration(tenant: Tenant) -> tuple[str, str, httpx.Response]:
    event = create_event(tenant.http)
    created = create_registration(tenant.http, event["id"])
    assert created.status_code == 201, created.text
    path = f"/api/v1/events/{event['id']}/registrations/{created.json()['data']['id']}"
    return event["id"], path, created


def test_every_representation_carries_the_resource_state_tag(tenant: Tenant) -> None:
    """OCC-4: one state, one tag, on every response and on both surfaces; any change, a new one."""
    http = tenant.http
    upserted = http.post("/v1/bookable_events", json=make_body("ev"))
    read = http.get("/v1/bookable_events/ev")
    via_webkasa = http.get("/api/v1/events/ev")
    assert upserted.headers["etag"] == read.headers["etag"] == via_webkasa.headers["etag"]
    assert upserted.headers["etag"].startswith('"')  # strong

    written = register(http, "ev", "r1")
    tag = written.headers["etag"]
    assert http.get(REG.format("ev") + "/r1").headers["etag"] == tag
    assert http.get("/api/v1/events/ev/registrations/r1").headers["etag"] == tag
    # The event's counters are part of its state.
    assert http.get("/v1/bookable_events/ev").headers["etag"] != read.headers["etag"]

    again = register(http, "ev", "r1")  # the same write changes nothing
    assert again.headers["etag"] == tag
    changed = register(http, "ev", "r1", notes="window seat")
    assert changed.headers["etag"] not in (tag, None)

    _, path, created = webkasa_registration(tenant)
    assert created.headers["etag"] == http.get(path).headers["etag"]
    patched = http.patch(path, json={"notes": "x"})
    assert patched.headers["etag"] not in (created.headers["etag"], None)
    checked_in = http.post(path + "/check-in", json={"count": 1})
    assert checked_in.headers["etag"] == http.get(path).headers["etag"]
    cancelled = http.delete(path)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.headers["etag"] == http.get(path).headers["etag"] != checked_in.headers["etag"]


def test_tags_survive_a_restart_and_another_process(server: LiveServer, tenant: Tenant) -> None:
    """OCC-4: the tag is computed from the state alone, not from anything a process holds."""
    make_event(tenant.http, "ev", capacity=5)
    assert register(tenant.http, "ev", "r1").status_code == 200
    paths = ("/v1/bookable_events/ev", "/v1/bookable_events/ev/registrations/r1")
    tags = [tenant.http.get(path).headers["etag"] for path in paths]
    with (
        LiveServer(server.settings) as other,
        httpx.Client(base_url=other.url, headers={"Authorization": f"Bearer {tenant.key}"}) as http,
    ):
        assert [http.get(path).headers["etag"] for path in paths] == tags


def test_one_of_two_racing_conditional_writes_wins(tenant: Tenant) -> None:
    """OCC-1: both clients hold the same tag; exactly one write lands, the other gets 412."""
    make_event(tenant.http, "ev")
    pairs = 25
    tags = {}
    for i in range(pairs):
        tags[i] = register(tenant.http, "ev", f"r{i}").headers["etag"]

    def write(i: int, note: str) -> Any:
        return lambda http: http.post(
            REG.format("ev"),
            json={"registration_id": f"r{i}", "status": "accepted", "notes": note},
            headers={"If-Match": tags[i]},
        )

    requests = [write(i, side) for i in range(pairs) for side in ("left", "right")]
    responses = burst(tenant.server.url, tenant.key, requests, threads=10)
    for i in range(pairs):
        first, second = responses[2 * i], responses[2 * i + 1]
        assert sorted([first.status_code, second.status_code]) == [200, 412], (first, second)
        loser = first if first.status_code == 412 else second
        assert error_key(loser, "if_match") == "errors.etag_mismatch"
        winner = second if loser is first else first
        stored = tenant.http.get(REG.format("ev") + f"/r{i}")
        assert stored.headers["etag"] == winner.headers["etag"]  # no lost update


def test_webkasa_conditional_patch_races(tenant: Tenant) -> None:
    """OCC-1 on /api/v1: PATCH with If-Match."""
    _, path, created = webkasa_registration(tenant)
    tag = created.headers["etag"]
    requests = [
        (
            lambda note: (
                lambda http: http.patch(path, json={"notes": note}, headers={"If-Match": tag})
            )
        )(f"n{i}")
        for i in range(6)
    ]
    responses = burst(tenant.server.url, tenant.key, requests, threads=6)
    assert sorted(r.status_code for r in responses) == [200] + [412] * 5
    assert {code(r) for r in responses if r.status_code == 412} == {"PRECONDITION_FAILED"}


def test_if_none_match_star_creates_only(tenant: Tenant) -> None:
    """OCC-2: If-None-Match: * refuses an existing id with 412 and creates a missing one."""
    make_event(tenant.http, "ev")
    only_new = {"If-None-Match": "*"}
    body = {"registration_id": "r1", "status": "accepted"}
    first = tenant.http.post(REG.format("ev"), json=body, headers=only_new)
    assert first.status_code == 200  # /v1 answers registration writes with 200, created or not
    clash = tenant.http.post(REG.format("ev"), json={**body, "notes": "other"}, headers=only_new)
    assert clash.status_code == 412 and error_key(clash, "if_match") == "errors.etag_mismatch"
    event = tenant.http.post("/v1/bookable_events", json=make_body("ev2"), headers=only_new)
    assert event.status_code == 200
    refused = tenant.http.post(
        "/v1/bookable_events", json=make_body("ev2", end="2030-01-24T18:00:00Z"), headers=only_new
    )
    assert refused.status_code == 412
    assert tenant.http.get("/v1/bookable_events/ev2").json()["end"] == "2030-01-24T17:00:00Z"


def test_a_retried_write_that_was_applied_is_not_a_conflict(tenant: Tenant) -> None:
    """OCC-3: the response was lost; the retry's If-Match is stale, but its write is already there."""
    make_event(tenant.http, "ev")
    tag = register(tenant.http, "ev", "r1").headers["etag"]
    body = {"registration_id": "r1", "status": "accepted", "notes": "aisle"}
    applied = tenant.http.post(REG.format("ev"), json=body, headers={"If-Match": tag})
    assert applied.status_code == 200
    retry = tenant.http.post(REG.format("ev"), json=body, headers={"If-Match": tag})
    assert retry.status_code == 200 and retry.headers["etag"] == applied.headers["etag"]
    other = tenant.http.post(
        REG.format("ev"), json={**body, "notes": "window"}, headers={"If-Match": tag}
    )
    assert other.status_code == 412


def test_delete_with_if_match(tenant: Tenant) -> None:
    """OCC-6: a matching tag deletes, a stale one is refused, and a missing id is 404 (both
    surfaces document 404 for an unknown registration)."""
    make_event(tenant.http, "ev")
    old = register(tenant.http, "ev", "r1").headers["etag"]
    current = register(tenant.http, "ev", "r1", notes="x").headers["etag"]
    url = REG.format("ev") + "/r1"
    assert tenant.http.delete(url, headers={"If-Match": old}).status_code == 412
    assert tenant.http.get(url).json()["registration"]["status"] == "accepted"
    assert tenant.http.delete(url, headers={"If-Match": current}).status_code == 200
    assert tenant.http.get(url).json()["registration"]["status"] == "removed"
    missing = tenant.http.delete(REG.format("ev") + "/nope", headers={"If-Match": current})
    assert missing.status_code == 404

    _, path, created = webkasa_registration(tenant)
    assert tenant.http.delete(path, headers={"If-Match": '"stale"'}).status_code == 412
    assert (
        tenant.http.delete(path, headers={"If-Match": created.headers["etag"]}).status_code == 200
    )


def test_weak_and_malformed_tags(tenant: Tenant) -> None:
    make_event(tenant.http, "ev")
    tag = register(tenant.http, "ev", "r1").headers["etag"]
    body = {"registration_id": "r1", "status": "declined"}
    weak = tenant.http.post(REG.format("ev"), json=body, headers={"If-Match": "W/" + tag})
    assert weak.status_code == 412  # If-Match compares strongly (RFC 9110 §13.1.1)
    bad = tenant.http.post(REG.format("ev"), json=body, headers={"If-Match": "no-quotes"})
    assert bad.status_code == 400 and error_key(bad, "if_match") == "errors.invalid"
    listed = tenant.http.post(REG.format("ev"), json=body, headers={"If-Match": f'"other", {tag}'})
    assert listed.status_code == 200

    _, path, _ = webkasa_registration(tenant)
    bad = tenant.http.patch(path, json={"notes": "x"}, headers={"If-Match": "nope"})
    assert bad.status_code == 400 and code(bad) == "INVALID_HEADER"


@pytest.fixture
def strict_tenant(server: LiveServer) -> Iterator[Tenant]:
    """A tenant whose writes must carry a precondition (`turnout tenant set --require-precondition`)."""
    with make_tenant(server) as tenant:
        server.run(lambda store: store.set_require_precondition(tenant.name, True))
        yield tenant


def test_a_tenant_can_require_preconditions(strict_tenant: Tenant) -> None:
    """OCC-5: without If-Match or If-None-Match, writes to existing resources get 428."""
    http = strict_tenant.http
    assert http.post("/v1/bookable_events", json=make_body("ev")).status_code == 428
    created = http.post("/v1/bookable_events", json=make_body("ev"), headers={"If-None-Match": "*"})
    assert created.status_code == 200
    body = {"registration_id": "r1", "status": "accepted"}
    required = http.post(REG.format("ev"), json=body)
    assert required.status_code == 428
    assert error_key(required, "if_match") == "errors.precondition_required"
    first = http.post(REG.format("ev"), json=body, headers={"If-None-Match": "*"})
    assert first.status_code == 200
    assert http.delete(REG.format("ev") + "/r1").status_code == 428
    ok = http.delete(REG.format("ev") + "/r1", headers={"If-Match": first.headers["etag"]})
    assert ok.status_code == 200

    # /api/v1: creating under a new id needs nothing; changing needs a tag.
    event = http.post(
        "/api/v1/events", json={"title": "T", "start_date": "2030-05-01", "start_time": "18:00"}
    )
    assert event.status_code == 201
    patch = http.patch(f"/api/v1/events/{event.json()['data']['id']}", json={"title": "U"})
    assert patch.status_code == 428 and code(patch) == "PRECONDITION_REQUIRED"
    patched = http.patch(
        f"/api/v1/events/{event.json()['data']['id']}",
        json={"title": "U"},
        headers={"If-Match": event.headers["etag"]},
    )
    assert patched.status_code == 200
    assert http.get("/v1/bookable_events/ev").status_code == 200  # reads need nothing


def make_body(event_id: str, **fields: Any) -> dict[str, Any]:
    from tests.builders import event_body

    return event_body(event_id, **fields)
