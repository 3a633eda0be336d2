"""The decode of an accepted body, through each surface's reader, beside its ceiling: msgspec's own
decode of the same bytes into the same Struct (what no reader can beat), in one run, interleaved.

    python -m bench.decode [--rounds N]

Prints µs per body for the reader and the ceiling, and their ratio (ceiling / reader; 1.0 is free).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec

from turnout.surfaces.cronofy import parse as cronofy
from turnout.surfaces.webkasa import parse as webkasa

EVENT = {
    "bookable_event_id": "be_1",
    "start": "2030-01-24T12:30:00Z",
    "end": "2030-01-24T17:00:00Z",
    "status": "confirmed",
    "registration": {"capacity": 100},
}
REGISTRATION = {
    "registration_id": "r_1",
    "status": "accepted",
    "metadata": {"email": "ada@example.com", "name": "Ada Lovelace", "table": 7},
    "guest_count": 2,
    "notes": "window seat",
}
WEBKASA_REGISTRATION = {
    "attendee_email": "ada@example.com",
    "attendee_name": "Ada Lovelace",
    "guest_count": 2,
    "status": "confirmed",
}
WEBKASA_EVENT = {
    "title": "Meetup",
    "start_date": "2030-05-01",
    "start_time": "18:00",
    "end_date": "2030-05-01",
    "end_time": "20:00",
    "timezone": "Europe/Paris",
    "slots": 40,
    "cost": 12.5,
    "status": "published",
}
CASES: list[tuple[str, dict[str, Any], Callable[[bytes], Any], type[msgspec.Struct]]] = [
    ("/v1 event", EVENT, cronofy.event_upsert, cronofy.EventUpsert),
    ("/v1 registration", REGISTRATION, cronofy.registration_upsert, cronofy.RegistrationUpsert),
    (
        "/api/v1 registration",
        WEBKASA_REGISTRATION,
        lambda raw: webkasa.registration_fields(raw, None, creating=True),
        webkasa.RegistrationCreate,
    ),
    (
        "/api/v1 event",
        WEBKASA_EVENT,
        lambda raw: webkasa.event_fields(raw, None, creating=True),
        webkasa.EventCreate,
    ),
]


def per_call(run: Callable[[bytes], Any], raw: bytes, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        run(raw)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{'body':<22} {'reader µs':>10} {'ceiling µs':>11} {'ratio':>6}")
    for name, body, reader, kind in CASES:
        raw = json.dumps(body).encode()
        ceiling = msgspec.json.Decoder(kind).decode
        ours, floor = [], []
        for _ in range(args.rounds):  # interleaved, so both see the same machine
            ours.append(per_call(reader, raw, args.calls))
            floor.append(per_call(ceiling, raw, args.calls))
        mine, best = statistics.median(ours), statistics.median(floor)
        print(f"{name:<22} {mine:>10.2f} {best:>11.2f} {best / mine:>6.2f}")


if __name__ == "__main__":
    main()
