"""CAP-8: a hypothesis state machine drives both surfaces over real HTTP and checks the invariants.

Two tenants create and change events (capacity, cancel, un-cancel) and registrations (statuses,
guests, deletes, check-ins) through `/v1` and `/api/v1`, on event ids they share by name. A small
model predicts each answer from the documented rules (docs/API.md, docs/WEBKASA.md). After every
step the touched event is read back through both surfaces and must satisfy:

- the registrations listed are the model's, and the event's counters (/v1 and /api/v1) are what
  those registrations add up to;
- seats taken never pass capacity: an event is over-full only after its capacity was lowered below
  the seats already taken ("evicts nobody"), and then its seats never grow until they fit again;
- `checked_in_at` is set exactly when someone is checked in;
- the other tenant never sees it: its reads of the same id answer with its own event or 404, and
  its writes to the owner's objects are 404 and change nothing.

`make test` runs a short, derandomized search on each database; `make soak` runs 500 × 30.
"""

from __future__ import annotations

import dataclasses
import itertools
import secrets
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.builders import END, START
from tests.live import LiveServer, Tenant
from turnout.auth import keys
from turnout.core import times

HOLDING = ("pending", "tentative", "accepted")
V1_EVENT_IDS = ("ev0", "ev1", "ev2")
V1_REGISTRATION_IDS = ("r0", "r1", "r2", "r3", "r4")
MAX_EVENTS = 4  # per tenant
MAX_REGISTRATIONS = 10  # per event
capacities = st.integers(0, 6).map(lambda n: n or None)  # mostly small; 0 is unlimited
guests = st.integers(0, 3)
pick = st.integers(0, 10**6)  # an index into whatever exists, so examples shrink well


@dataclasses.dataclass
class Reg:
    status: str  # the core status
    guests: int
    checked: int

    @property
    def held(self) -> int:
        return 1 + self.guests if self.status in HOLDING else 0

    @property
    def reading(self) -> str:  # the Webkasa status (docs/WEBKASA.md, the mapping table)
        if self.status in ("pending", "tentative"):
            return "PENDING"
        if self.status == "accepted":
            return "ATTENDED" if self.checked else "CONFIRMED"
        return "CANCELLED"


@dataclasses.dataclass
class Ev:
    capacity: int | None
    cancelled: bool = False
    regs: dict[str, Reg] = dataclasses.field(default_factory=dict)
    # The most seats the event may hold now: its capacity, or the seats it held when capacity was
    # lowered below them, shrinking as they are released. None: unlimited.
    ceiling: int | None = None

    @property
    def seats(self) -> int:
        return sum(r.held for r in self.regs.values())

    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats)

    def fits(self, delta: int) -> bool:
        free = self.free()
        return delta <= 0 or free is None or delta <= free


def v1_status(outcome: str) -> tuple[int, str | None]:
    """An outcome of the model as /v1 answers it: (status, errors key)."""
    return {
        "ok": (200, None),
        "capacity": (422, "errors.capacity_reached"),
        "cancelled": (422, "errors.event_cancelled"),
        "invalid": (422, "errors.out_of_range"),
        "missing": (404, None),
    }[outcome]


def webkasa_status(outcome: str) -> tuple[int, str | None]:
    return {
        "ok": (200, None),
        "capacity": (409, "EVENT_FULL"),
        "cancelled": (409, "EVENT_CANCELLED"),
        "registration_cancelled": (409, "REGISTRATION_CANCELLED"),
        "invalid": (422, "VALIDATION_ERROR"),
        "missing": (404, "NOT_FOUND"),
    }[outcome]


def make_tenants(server: LiveServer, n: int) -> list[Tenant]:
    async def go(store: Any) -> list[tuple[str, int, str]]:
        made = []
        for _ in range(n):
            name = "sm_" + secrets.token_hex(6)
            tenant = await store.create_tenant(name, times.now())
            secret = server.settings.server_secret()
            key = await keys.create_key(store, secret, tenant.id, "write", None, times.now())
            made.append((name, tenant.id, key))
        return made

    return [Tenant(server, *made) for made in server.run(go)]


class Turnout(RuleBasedStateMachine):
    server: LiveServer  # set by `machine_for`
    spare: list[Tenant]  # tenants made ahead, one list per run

    def __init__(self) -> None:
        super().__init__()
        self.tenants: list[Tenant] = [self.fresh_tenant(), self.fresh_tenant()]
        self.model: list[dict[str, Ev]] = [{}, {}]
        self.touched: set[tuple[int, str]] = set()
        self.emails = itertools.count()

    def teardown(self) -> None:
        for t in self.tenants:
            t.http.close()

    def fresh_tenant(self) -> Tenant:
        """A tenant no earlier example has touched. Made 50 at a time: opening the store per
        tenant costs a connection pool on PostgreSQL."""
        if not self.spare:
            self.spare.extend(make_tenants(self.server, 50))
        return self.spare.pop()

    # Helpers

    def http(self, who: int) -> httpx.Client:
        return self.tenants[who].http

    # Objects are picked by their index in the order they were made, never by sorting their ids:
    # /api/v1 ids are random, so a sorted pick would choose differently when hypothesis replays a
    # case, and the rules it may draw next (their preconditions) would change with it.

    def event_of(self, who: int, index: int) -> str:
        ids = list(self.model[who])
        return ids[index % len(ids)]

    def registration_of(self, ev: Ev, index: int) -> str:
        ids = list(ev.regs)
        return ids[index % len(ids)]

    def has_events(self) -> bool:
        return any(self.model)

    def has_registrations(self) -> bool:
        return any(ev.regs for events in self.model for ev in events.values())

    def some_event(self, who: int, index: int) -> tuple[int, str, Ev]:
        if not self.model[who]:
            who = 1 - who
        event_id = self.event_of(who, index)
        self.touched.add((who, event_id))
        return who, event_id, self.model[who][event_id]

    def some_registration(self, index: int) -> tuple[int, str, Ev, str]:
        found = [
            (who, event_id, ev)
            for who in (0, 1)
            for event_id, ev in self.model[who].items()
            if ev.regs
        ]
        who, event_id, ev = found[index % len(found)]
        self.touched.add((who, event_id))
        return who, event_id, ev, self.registration_of(ev, index // len(found))

    @staticmethod
    def expect(r: httpx.Response, status: int, key: str | None, surface: str) -> None:
        assert r.status_code == status, (r.status_code, r.text, status, key)
        if key is None:
            return
        body = r.json()
        if surface == "v1":
            assert [e["key"] for errors in body["errors"].values() for e in errors] == [key], body
        else:
            assert body["code"] == key, body

    def capacity_changed(self, ev: Ev, capacity: int | None) -> None:
        ev.capacity = capacity
        ev.ceiling = None if capacity is None else max(capacity, ev.seats)

    # Events

    @precondition(lambda self: sum(map(len, self.model)) < 2 * MAX_EVENTS)
    @rule(who=st.integers(0, 1), event_id=st.sampled_from(V1_EVENT_IDS), capacity=capacities)
    def v1_upsert_event(self, who: int, event_id: str, capacity: int | None) -> None:
        ev = self.model[who].get(event_id)
        if ev is None and len(self.model[who]) >= MAX_EVENTS:
            return
        status = "cancelled" if ev and ev.cancelled else "confirmed"
        body = {"bookable_event_id": event_id, "start": START, "end": END, "status": status}
        body["registration"] = {"capacity": capacity}
        r = self.http(who).post("/v1/bookable_events", json=body)
        self.expect(r, 200, None, "v1")
        if ev is None:
            ev = self.model[who][event_id] = Ev(capacity)
        self.capacity_changed(ev, capacity)
        self.touched.add((who, event_id))

    @precondition(lambda self: sum(map(len, self.model)) < 2 * MAX_EVENTS)
    @rule(who=st.integers(0, 1), capacity=capacities)
    def webkasa_create_event(self, who: int, capacity: int | None) -> None:
        if len(self.model[who]) >= MAX_EVENTS:
            return
        body = {"title": "T", "start_date": "2030-05-01", "start_time": "18:00"}
        body |= {"status": "published", "slots": capacity}
        r = self.http(who).post("/api/v1/events", json=body)
        self.expect(r, 201, None, "webkasa")
        event_id = r.json()["data"]["id"]
        self.model[who][event_id] = Ev(capacity, ceiling=capacity)
        self.touched.add((who, event_id))

    @precondition(has_events)
    @rule(who=st.integers(0, 1), index=pick, capacity=capacities, surface=st.booleans())
    def change_capacity(self, who: int, index: int, capacity: int | None, surface: bool) -> None:
        who, event_id, ev = self.some_event(who, index)
        if surface:
            status = "cancelled" if ev.cancelled else "confirmed"
            body: dict[str, Any] = {"bookable_event_id": event_id, "start": START, "end": END}
            body |= {"status": status, "registration": {"capacity": capacity}}
            self.expect(self.http(who).post("/v1/bookable_events", json=body), 200, None, "v1")
        else:
            r = self.http(who).patch(f"/api/v1/events/{event_id}", json={"slots": capacity})
            self.expect(r, 200, None, "webkasa")
        self.capacity_changed(ev, capacity)

    @precondition(has_registrations)
    @rule(index=pick, below=st.integers(1, 3))
    def lower_capacity_below_the_seats_taken(self, index: int, below: int) -> None:
        """The documented edge: lowering capacity under the seats taken evicts nobody."""
        who, event_id, ev, _ = self.some_registration(index)
        capacity = max(1, ev.seats - below)
        r = self.http(who).patch(f"/api/v1/events/{event_id}", json={"slots": capacity})
        self.expect(r, 200, None, "webkasa")
        self.capacity_changed(ev, capacity)

    @precondition(has_events)
    @rule(who=st.integers(0, 1), index=pick, cancel=st.booleans(), surface=st.booleans())
    def cancel_or_reopen(self, who: int, index: int, cancel: bool, surface: bool) -> None:
        who, event_id, ev = self.some_event(who, index)
        if surface:
            body: dict[str, Any] = {"bookable_event_id": event_id, "start": START, "end": END}
            body["status"] = "cancelled" if cancel else "confirmed"
            self.expect(self.http(who).post("/v1/bookable_events", json=body), 200, None, "v1")
        else:
            status = "cancelled" if cancel else "published"
            r = self.http(who).patch(f"/api/v1/events/{event_id}", json={"status": status})
            self.expect(r, 200, None, "webkasa")
        ev.cancelled = cancel

    # Registrations through /v1

    @precondition(has_events)
    @rule(
        who=st.integers(0, 1),
        index=pick,
        registration_id=st.sampled_from(V1_REGISTRATION_IDS),
        status=st.sampled_from(("pending", "tentative", "accepted", "declined", "removed")),
        guest_count=guests,
    )
    def v1_upsert_registration(
        self, who: int, index: int, registration_id: str, status: str, guest_count: int
    ) -> None:
        who, event_id, ev = self.some_event(who, index)
        old = ev.regs.get(registration_id)
        new = Reg(status, guest_count, old.checked if old else 0)
        outcome = "ok"
        if new.checked > 1 + guest_count:
            outcome = "invalid"
        elif ev.cancelled and new.held > (old.held if old else 0):
            outcome = "cancelled"
        elif not ev.fits(new.held - (old.held if old else 0)):
            outcome = "capacity"
        body = {"registration_id": registration_id, "status": status, "guest_count": guest_count}
        r = self.http(who).post(f"/v1/bookable_events/{event_id}/registrations", json=body)
        self.expect(r, *v1_status(outcome), "v1")
        if outcome == "ok":
            ev.regs[registration_id] = new

    @precondition(has_registrations)
    @rule(index=pick)
    def v1_delete_registration(self, index: int) -> None:
        who, event_id, ev, registration_id = self.some_registration(index)
        r = self.http(who).delete(f"/v1/bookable_events/{event_id}/registrations/{registration_id}")
        self.expect(r, 200, None, "v1")
        ev.regs[registration_id].status = "removed"

    # Registrations through /api/v1

    @precondition(has_events)
    @rule(
        who=st.integers(0, 1),
        index=pick,
        status=st.sampled_from(("PENDING", "CONFIRMED")),
        guest_count=guests,
    )
    def webkasa_register(self, who: int, index: int, status: str, guest_count: int) -> None:
        who, event_id, ev = self.some_event(who, index)
        if len(ev.regs) >= MAX_REGISTRATIONS:
            return
        new = Reg("pending" if status == "PENDING" else "accepted", guest_count, 0)
        outcome = "ok"
        if ev.cancelled:
            outcome = "cancelled"
        elif not ev.fits(new.held):
            outcome = "capacity"
        body = {
            "attendee_email": f"p{next(self.emails)}@example.org",
            "attendee_name": "P",
            "status": status,
            "guest_count": guest_count,
        }
        r = self.http(who).post(f"/api/v1/events/{event_id}/registrations", json=body)
        code, key = webkasa_status(outcome)
        self.expect(r, 201 if outcome == "ok" else code, key, "webkasa")
        if outcome == "ok":
            ev.regs[r.json()["data"]["id"]] = new

    @precondition(has_registrations)
    @rule(
        index=pick,
        status=st.sampled_from((None, "PENDING", "CONFIRMED", "ATTENDED", "CANCELLED")),
        guest_count=st.none() | guests,
    )
    def webkasa_patch_registration(
        self, index: int, status: str | None, guest_count: int | None
    ) -> None:
        who, event_id, ev, registration_id = self.some_registration(index)
        old = ev.regs[registration_id]
        new = dataclasses.replace(old)
        if guest_count is not None:
            new.guests = guest_count
        if status == "ATTENDED":
            new.status, new.checked = "accepted", 1 + new.guests
        elif status is not None and old.reading != status:
            new.status = {"PENDING": "pending", "CONFIRMED": "accepted"}.get(status, "removed")
            new.checked = 0 if status != "CANCELLED" else old.checked
        releases = new.held < old.held or new.held == 0
        outcome = "ok"
        if new.checked > 1 + new.guests:
            outcome = "invalid"
        elif ev.cancelled and not releases:
            outcome = "cancelled"
        elif not ev.fits(new.held - old.held):
            outcome = "capacity"
        body: dict[str, Any] = {}
        if status is not None:
            body["status"] = status
        if guest_count is not None:
            body["guest_count"] = guest_count
        url = f"/api/v1/events/{event_id}/registrations/{registration_id}"
        r = self.http(who).patch(url, json=body)
        self.expect(r, *webkasa_status(outcome), "webkasa")
        if outcome == "ok":
            ev.regs[registration_id] = new

    @precondition(has_registrations)
    @rule(index=pick)
    def webkasa_cancel_registration(self, index: int) -> None:
        who, event_id, ev, registration_id = self.some_registration(index)
        url = f"/api/v1/events/{event_id}/registrations/{registration_id}"
        self.expect(self.http(who).delete(url), 200, None, "webkasa")
        reg = ev.regs[registration_id]
        if reg.reading != "CANCELLED":
            reg.status = "removed"

    @precondition(has_registrations)
    @rule(index=pick, count=st.none() | st.integers(0, 4))
    def check_in(self, index: int, count: int | None) -> None:
        who, event_id, ev, registration_id = self.some_registration(index)
        reg = ev.regs[registration_id]
        present = 1 + reg.guests if count is None else count
        outcome = "ok"
        if present > 1 + reg.guests:
            outcome = "invalid"
        elif reg.reading == "CANCELLED":
            outcome = "registration_cancelled"
        elif ev.cancelled:
            outcome = "cancelled"
        url = f"/api/v1/events/{event_id}/registrations/{registration_id}/check-in"
        r = self.http(who).post(url, json={} if count is None else {"count": count})
        self.expect(r, *webkasa_status(outcome), "webkasa")
        if outcome == "ok":
            if present and reg.status != "accepted":
                reg.status = "accepted"
            reg.checked = present

    # Tenancy

    @precondition(has_registrations)
    @rule(index=pick, kind=st.sampled_from(("v1_upsert", "v1_delete", "patch", "check_in")))
    def other_tenant_writes(self, index: int, kind: str) -> None:
        """The other tenant writes to this tenant's registration: 404, and the invariant check
        that follows sees the owner's event unchanged. Skipped where the other tenant has an event
        of the same id, since that write would be to its own event."""
        who, event_id, _, registration_id = self.some_registration(index)
        other = 1 - who
        if event_id in self.model[other]:
            return  # that would be the other tenant's own event: not a cross-tenant write
        http = self.http(other)
        base = f"/v1/bookable_events/{event_id}/registrations"
        wk = f"/api/v1/events/{event_id}/registrations/{registration_id}"
        if kind == "v1_upsert":
            r = http.post(base, json={"registration_id": registration_id, "status": "declined"})
        elif kind == "v1_delete":
            r = http.delete(f"{base}/{registration_id}")
        elif kind == "patch":
            r = http.patch(wk, json={"status": "CANCELLED"})
        else:
            r = http.post(wk + "/check-in", json={})
        assert r.status_code == 404, (kind, r.status_code, r.text)

    # Invariants, through the API

    @invariant()
    def touched_events_hold_the_invariants(self) -> None:
        for who, event_id in sorted(self.touched):
            self.check_event(who, event_id)
            self.check_isolation(who, event_id)
        self.touched.clear()

    def check_event(self, who: int, event_id: str) -> None:
        ev = self.model[who][event_id]
        r = self.http(who).get(f"/v1/bookable_events/{event_id}")
        assert r.status_code == 200, r.text
        reg = r.json()["registration"]
        listed = {x["registration_id"]: x for x in reg["registrations"]}
        assert "pages" not in reg  # every registration is on this one page
        assert {
            rid: Reg(x["status"], x["guest_count"], x["checked_in_count"])
            for rid, x in listed.items()
        } == ev.regs
        for x in listed.values():
            assert (x["checked_in_at"] is None) == (x["checked_in_count"] == 0), x
        held = [x for x in listed.values() if x["status"] in HOLDING]
        seats = sum(1 + x["guest_count"] for x in held)
        assert reg["capacity"] == ev.capacity
        assert reg["seats_taken"] == seats
        assert reg["registered_count"] == len(held)
        assert reg["total_count"] == len(listed)
        if ev.ceiling is not None:
            assert seats <= ev.ceiling, (seats, ev.capacity, ev.ceiling)
        ev.ceiling = None if ev.capacity is None else max(ev.capacity, seats)

        r = self.http(who).get(f"/api/v1/events/{event_id}", params={"include_counts": "true"})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["slots"] == ev.capacity
        assert data["status"] == ("cancelled" if ev.cancelled else "published")
        assert data["counts"] == {
            "registrations": len(held),
            "seats_taken": seats,
            "seats_available": None if ev.capacity is None else max(0, ev.capacity - seats),
            "checked_in": sum(x["checked_in_count"] for x in listed.values()),
        }

    def check_isolation(self, who: int, event_id: str) -> None:
        other = 1 - who
        theirs = self.model[other].get(event_id)
        for path in (f"/v1/bookable_events/{event_id}", f"/api/v1/events/{event_id}"):
            r = self.http(other).get(path)
            if theirs is None:
                assert r.status_code == 404, (path, r.text)
                continue
            assert r.status_code == 200, r.text
            body = r.json()
            capacity = body["data"]["slots"] if "data" in body else body["registration"]["capacity"]
            assert capacity == theirs.capacity
        listed = self.http(other).get("/api/v1/events", params={"limit": 100}).json()["data"]
        assert {e["id"] for e in listed} == set(self.model[other])


def machine_for(server: LiveServer) -> type[Turnout]:
    return type("TurnoutMachine", (Turnout,), {"server": server, "spare": []})


def run(server: LiveServer, examples: int, steps: int) -> None:
    run_state_machine_as_test(
        machine_for(server),
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_both_surfaces_keep_the_invariants(server: LiveServer) -> None:
    run(server, examples=30, steps=30)


@pytest.mark.soak
def test_both_surfaces_keep_the_invariants_at_length(server: LiveServer) -> None:
    run(server, examples=500, steps=30)
