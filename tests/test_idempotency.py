"""Idempotency-Key on both surfaces: reliability.md IDEM-1 … IDEM-7 (IDEM-5 as the rows a crash
leaves behind; tests/test_durability.py kills real processes)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.builders import error_key, make_event, register
from tests.conftest import base_settings
from tests.live import LiveServer, Tenant, make_tenant
from tests.race import burst
from tests.webkasa import code, create_event, event_counts
from turnout.store.queries import numbered

REGS = "/v1/bookable_events/{}/registrations"


def key() -> str:
    return "idem-" + secrets.token_hex(8)


def webkasa_create(event_id: str, idem: str, email: str = "a@example.com") -> Any:
    body = {"attendee_email": email, "attendee_name": "A", "guest_count": 1}
    return lambda http: http.post(
        f"/api/v1/events/{event_id}/registrations", json=body, headers={"Idempotency-Key": idem}
    )


def same_response(a: httpx.Response, b: httpx.Response) -> bool:
    return (a.status_code, a.content, a.headers.get("etag"), a.headers.get("location")) == (
        b.status_code,
        b.content,
        b.headers.get("etag"),
        b.headers.get("location"),
    )


def create_event_with(idem: str, title: str) -> Any:
    body = {"title": title, "start_date": "2030-05-01", "start_time": "18:00"}
    return lambda http: http.post("/api/v1/events", json=body, headers={"Idempotency-Key": idem})


def events_titled(tenant: Tenant, title: str) -> int:
    listed = tenant.http.get("/api/v1/events", params={"limit": 100, "status": "draft"})
    return sum(e["title"] == title for e in listed.json()["data"])


def concurrent_creates(tenant: Tenant, runs: int, check_answers: bool = True) -> list[int]:
    """IDEM-1's harness: per run, 20 concurrent creates (W3: no other rule stops a duplicate)
    under one key and body; how many events each run made."""
    made = []
    for _ in range(runs):
        title = "t-" + secrets.token_hex(4)
        requests = [create_event_with(key(), title)] * 20
        responses = burst(tenant.server.url, tenant.key, requests, threads=20)
        made.append(events_titled(tenant, title))
        if not check_answers:
            continue
        originals = [r for r in responses if r.status_code == 201]
        for r in responses:
            assert r.status_code in (201, 409), r.text
            if r.status_code == 409:
                assert code(r) == "IDEMPOTENCY_IN_PROGRESS" and int(r.headers["retry-after"]) >= 1
        assert originals and all(same_response(originals[0], r) for r in originals)
    return made


def test_concurrent_retries_have_one_effect(tenant: Tenant) -> None:
    """IDEM-1: 20 concurrent requests with one key and body: one event, and every answer is the
    original (byte for byte) or 409 with Retry-After."""
    assert concurrent_creates(tenant, runs=5) == [1] * 5


def test_the_harness_sees_duplicates_without_the_claim(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """IDEM-1n: a look-up-then-store implementation (no claim in the write's transaction) makes
    duplicates under the same harness."""
    settings = base_settings(
        str(tmp_path_factory.mktemp("unsafe")), database_url, debug_unsafe_idempotency=True
    )
    with LiveServer(settings) as server, make_tenant(server) as tenant:
        made = concurrent_creates(tenant, runs=3, check_answers=False)
    assert max(made) > 1, made


def test_a_replay_is_the_original_response(tenant: Tenant) -> None:
    make_event(tenant.http, "ev", capacity=5)
    idem = {"Idempotency-Key": key()}
    body = {"registration_id": "r1", "status": "accepted"}
    first = tenant.http.post(REGS.format("ev"), json=body, headers=idem)
    register(tenant.http, "ev", "r2")  # the event changes; the replay does not
    again = tenant.http.post(REGS.format("ev"), json=body, headers=idem)
    assert same_response(first, again) and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert tenant.http.get("/v1/bookable_events/ev").json()["registration"]["registered_count"] == 2


def test_the_same_key_with_another_request_is_refused(tenant: Tenant) -> None:
    """IDEM-2: 422 idempotency_key_reused, and nothing happens."""
    make_event(tenant.http, "ev")
    idem = {"Idempotency-Key": key()}
    first = tenant.http.post(
        REGS.format("ev"), json={"registration_id": "r1", "status": "accepted"}, headers=idem
    )
    assert first.status_code == 200
    other = tenant.http.post(
        REGS.format("ev"), json={"registration_id": "r2", "status": "accepted"}, headers=idem
    )
    assert other.status_code == 422
    assert error_key(other, "idempotency_key") == "errors.idempotency_key_reused"
    assert tenant.http.get(REGS.format("ev") + "/r2").status_code == 404

    event = create_event(tenant.http)
    idem_w = key()
    assert webkasa_create(event["id"], idem_w)(tenant.http).status_code == 201
    other_w = webkasa_create(event["id"], idem_w, email="b@example.com")(tenant.http)
    assert other_w.status_code == 422 and code(other_w) == "IDEMPOTENCY_KEY_REUSED"
    assert event_counts(tenant.http, event["id"])["registrations"] == 1


def test_keys_belong_to_one_credential(tenant: Tenant, other_tenant: Tenant) -> None:
    """IDEM-3: the same key from another API key, or another tenant, is a different key."""
    event = create_event(tenant.http)
    idem = key()
    create = webkasa_create(event["id"], idem)
    first = create(tenant.http)
    with tenant.client(tenant.key_with("write")) as second_key:
        again = webkasa_create(event["id"], idem, email="b@example.com")(second_key)
    assert first.status_code == again.status_code == 201
    assert first.json()["data"]["id"] != again.json()["data"]["id"]
    theirs = create_event(other_tenant.http)
    assert webkasa_create(theirs["id"], idem)(other_tenant.http).status_code == 201
    assert event_counts(tenant.http, event["id"])["registrations"] == 2


def execute(server: LiveServer, sql: str, *args: Any) -> None:
    """One statement (`?` placeholders) on the server's database, as a crash or a clock would."""

    async def go(store: Any) -> None:
        if store.dialect == "sqlite":
            store.db.execute(sql, args)
        else:
            await store.pool.execute(numbered(sql), *args)

    server.run(go)


def backdate(server: LiveServer, idem: str, seconds: int) -> None:
    execute(
        server,
        "UPDATE idempotency_keys SET created_at = created_at - ? WHERE key = ?",
        seconds,
        idem,
    )


def test_keys_are_kept_for_the_retention_period(server: LiveServer, tenant: Tenant) -> None:
    """IDEM-4: replayed after 23 h 59 min; run afresh once the 24 h retention has passed."""
    make_event(tenant.http, "ev")
    idem = key()
    body = {"registration_id": "r1", "status": "accepted"}
    first = tenant.http.post(REGS.format("ev"), json=body, headers={"Idempotency-Key": idem})
    register(tenant.http, "ev", "r1", status="declined")  # changed since, without a key

    backdate(server, idem, 23 * 3600 + 59 * 60)
    replay = tenant.http.post(REGS.format("ev"), json=body, headers={"Idempotency-Key": idem})
    assert same_response(first, replay)
    assert tenant.http.get(REGS.format("ev") + "/r1").json()["registration"]["status"] == "declined"

    backdate(server, idem, 2 * 60)  # now 24 h 1 min old
    fresh = tenant.http.post(REGS.format("ev"), json=body, headers={"Idempotency-Key": idem})
    assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
    assert tenant.http.get(REGS.format("ev") + "/r1").json()["registration"]["status"] == "accepted"


def test_a_claim_left_by_a_dead_process_blocks_only_for_the_lease(
    server: LiveServer, tenant: Tenant
) -> None:
    """IDEM-5, second half: the work committed, the process died before storing the response.
    Retries get 409 + Retry-After until the lease ends, then run again and converge: no duplicate."""
    event = create_event(tenant.http)
    idem = key()
    create = webkasa_create(event["id"], idem)
    first = create(tenant.http)
    assert first.status_code == 201

    lose_response = "UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL"
    execute(server, lose_response + " WHERE key = ?", idem)
    blocked = create(tenant.http)
    assert blocked.status_code == 409 and code(blocked) == "IDEMPOTENCY_IN_PROGRESS"
    assert int(blocked.headers["retry-after"]) >= 1

    backdate(server, idem, 31)  # past the 30 s lease
    rerun = create(tenant.http)
    assert rerun.status_code == 201 and "idempotent-replayed" not in rerun.headers
    assert rerun.json()["data"]["id"] == first.json()["data"]["id"]  # the same registration
    assert event_counts(tenant.http, event["id"])["registrations"] == 1
    assert same_response(create(tenant.http), rerun)  # and that answer is now the stored one


def test_refusals_that_may_pass_later_are_not_stored(tenant: Tenant) -> None:
    """IDEM-6: a 409 (the event is full) is not stored; the retry runs again once there is room."""
    event = create_event(tenant.http, slots=2)
    assert webkasa_create(event["id"], key(), email="x@example.com")(tenant.http).status_code == 201
    idem = key()
    full = webkasa_create(event["id"], idem)(tenant.http)
    assert full.status_code == 409 and code(full) == "EVENT_FULL"
    tenant.http.patch(f"/api/v1/events/{event['id']}", json={"slots": 4})
    assert webkasa_create(event["id"], idem)(tenant.http).status_code == 201


def test_a_stored_error_is_replayed(tenant: Tenant) -> None:
    """A 404 or 422 is the request's answer, and is kept like any other."""
    idem = {"Idempotency-Key": key()}
    missing = tenant.http.post(REGS.format("nope"), json={"registration_id": "r"}, headers=idem)
    make_event(tenant.http, "nope")
    again = tenant.http.post(REGS.format("nope"), json={"registration_id": "r"}, headers=idem)
    assert missing.status_code == again.status_code == 404 and again.headers["idempotent-replayed"]


@pytest.mark.parametrize(
    "value",
    [b"x" * 256, b"", b"tab\there", "\u00e9t\u00e9".encode("latin-1")],
    ids=["256-chars", "empty", "control", "non-ascii"],
)
def test_bad_keys_are_refused(tenant: Tenant, value: bytes) -> None:
    """IDEM-7: 400 in each surface's shape, and nothing is written."""
    make_event(tenant.http, "ev")
    headers = [("Idempotency-Key", value)]
    cronofy = tenant.http.post(
        REGS.format("ev"),
        json={"registration_id": "r1", "status": "accepted"},
        headers=httpx.Headers(headers),
    )
    assert cronofy.status_code == 400 and error_key(cronofy, "idempotency_key") == "errors.invalid"
    event = create_event(tenant.http)
    webkasa = tenant.http.post(
        f"/api/v1/events/{event['id']}/registrations",
        json={"attendee_email": "a@example.com", "attendee_name": "A"},
        headers=httpx.Headers(headers),
    )
    assert webkasa.status_code == 400 and code(webkasa) == "INVALID_HEADER"
    assert tenant.http.get(REGS.format("ev") + "/r1").status_code == 404
    assert event_counts(tenant.http, event["id"])["registrations"] == 0


def test_several_key_headers_are_refused(tenant: Tenant) -> None:
    make_event(tenant.http, "ev")
    headers = httpx.Headers([("Idempotency-Key", "a"), ("Idempotency-Key", "b")])
    r = tenant.http.post(
        REGS.format("ev"), json={"registration_id": "r1", "status": "accepted"}, headers=headers
    )
    assert r.status_code == 400 and error_key(r, "idempotency_key") == "errors.invalid"


def test_a_key_of_255_characters_is_fine_and_reads_ignore_keys(tenant: Tenant) -> None:
    make_event(tenant.http, "ev")
    headers = {"Idempotency-Key": "k" * 255}
    assert tenant.http.post(
        REGS.format("ev"), json={"registration_id": "r1", "status": "accepted"}, headers=headers
    )
    first = tenant.http.get("/v1/bookable_events/ev", headers=headers)
    register(tenant.http, "ev", "r2")
    second = tenant.http.get("/v1/bookable_events/ev", headers=headers)
    assert first.content != second.content  # a GET is never replayed
    # A method the path does not have is a 405, key or not, reused or not.
    for method in ("PUT", "TRACE", "DELETE"):
        assert (
            tenant.http.request(method, "/v1/bookable_events", headers=headers).status_code == 405
        )


@pytest.fixture
def every_write(tenant: Tenant) -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """(method, path, body) for every write route, on objects that exist."""
    make_event(tenant.http, "ev")
    register(tenant.http, "ev", "r1")
    event = create_event(tenant.http)
    created = webkasa_create(event["id"], key())(tenant.http)
    reg = f"/api/v1/events/{event['id']}/registrations/{created.json()['data']['id']}"
    yield [
        (
            "POST",
            "/v1/bookable_events",
            {
                "bookable_event_id": "ev2",
                "start": "2030-01-24T12:30:00Z",
                "end": "2030-01-24T17:00:00Z",
                "status": "confirmed",
            },
        ),
        ("POST", REGS.format("ev"), {"registration_id": "r2", "status": "accepted"}),
        ("DELETE", REGS.format("ev") + "/r1", {}),
        (
            "POST",
            "/api/v1/events",
            {"title": "T", "start_date": "2030-05-01", "start_time": "18:00"},
        ),
        ("PATCH", f"/api/v1/events/{event['id']}", {"title": "U"}),
        (
            "POST",
            f"/api/v1/events/{event['id']}/registrations",
            {"attendee_email": "z@example.com", "attendee_name": "Z"},
        ),
        ("PATCH", reg, {"notes": "n"}),
        ("POST", reg + "/check-in", {"count": 1}),
        ("DELETE", reg, {}),
    ]


def test_every_write_route_replays(
    tenant: Tenant, every_write: list[tuple[str, str, dict[str, Any]]]
) -> None:
    for method, path, body in every_write:
        headers = {"Idempotency-Key": key()}
        content = None if method == "DELETE" else body
        first = tenant.http.request(method, path, json=content, headers=headers)
        assert first.is_success, (method, path, first.text)
        again = tenant.http.request(method, path, json=content, headers=headers)
        assert same_response(first, again) and again.headers["idempotent-replayed"] == "true", (
            method,
            path,
        )


def test_keyed_creates_of_one_new_event_all_succeed(tenant: Tenant) -> None:
    """Ten requests, each with its own key, create the same new event at once: one creates it, the
    others update it; none is told its key is in use (a retry inside the store records the claim
    once)."""
    body = {
        "bookable_event_id": "race-" + secrets.token_hex(4),
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
    }

    def create(idem: str) -> Any:
        return lambda http: http.post(
            "/v1/bookable_events", json=body, headers={"Idempotency-Key": idem}
        )

    for _ in range(3):
        body["bookable_event_id"] = "race-" + secrets.token_hex(4)
        responses = burst(tenant.server.url, tenant.key, [create(key()) for _ in range(10)], 10)
        assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
