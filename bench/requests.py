"""One request of each benchmark scenario, in Python: what bench/wrk.lua sends, for the test that
compares turnout's bodies with the ceiling's (tests/test_bench_ceiling.py)."""

from __future__ import annotations

import json
from typing import Any


def sample(scenario: str, n: int, deep_path: str) -> tuple[str, str, Any]:
    """(method, path, JSON body or None) of the scenario's `n`th request, as wrk.lua makes it."""
    new = f"{scenario}-{n}"  # as wrk.lua: unique per scenario and request
    upsert = {
        "registration_id": new,
        "status": "accepted",
        "metadata": {"email": f"{new}@example.org", "name": "P"},
    }
    event = f"e{n % 100}"
    if scenario == "new_upserts":
        return "POST", f"/v1/bookable_events/{event}/registrations", upsert
    if scenario == "upserts_small_event":
        return "POST", "/v1/bookable_events/small/registrations", upsert
    if scenario == "upserts_big_event":
        return "POST", "/v1/bookable_events/big/registrations", upsert
    if scenario == "reupserts":
        seed = n % 100
        body = {
            "registration_id": f"seed{seed}",
            "status": "accepted",
            "metadata": {"email": f"seed{seed}@example.org", "name": f"P{n}"},
        }
        return "POST", f"/v1/bookable_events/e{seed}/registrations", body
    if scenario == "webkasa_create":
        body = {"attendee_email": f"{new}@example.org", "attendee_name": "P"}
        return "POST", f"/api/v1/events/{event}/registrations", body
    if scenario == "event_read":
        return "GET", f"/v1/bookable_events/{event}", None
    if scenario == "big_first_page":
        return "GET", "/v1/bookable_events/big", None
    if scenario == "big_deep_page":
        return "GET", deep_path, None
    if scenario == "availability":
        ids = [{"bookable_event_id": f"e{(n + 7 * i) % 100}"} for i in range(10)]
        return "POST", "/v1/availability", {"bookable_events": ids}
    raise ValueError(scenario)


def encoded(body: Any) -> bytes:
    """Compact, as wrk.lua writes it."""
    return json.dumps(body, separators=(",", ":")).encode()
