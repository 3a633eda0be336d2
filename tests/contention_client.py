"""One CAP-6 client process: `python -m tests.contention_client URL KEY N WRITES`.

Makes WRITES mixed /v1 writes — event upserts, new registrations on the shared event, re-upserts
and removals of its own — and prints one JSON line per answer: [status or error, Retry-After,
whether the body mentions the database or a lock].
"""

from __future__ import annotations

import json
import sys

import httpx

from tests.builders import event_body


def main(url: str, key: str, n: int, writes: int) -> None:
    mine: list[str] = []
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        for i in range(writes):
            kind = i % 4
            try:
                if kind == 0:
                    r = http.post("/v1/bookable_events", json=event_body(f"c{n}", capacity=1 + i))
                elif kind == 1 or not mine:
                    rid = f"c{n}_{i}"
                    body = {"registration_id": rid, "status": "accepted"}
                    r = http.post("/v1/bookable_events/shared/registrations", json=body)
                    if r.status_code == 200:
                        mine.append(rid)
                elif kind == 2:
                    body = {"registration_id": mine[-1], "status": "accepted", "notes": f"n{i}"}
                    r = http.post("/v1/bookable_events/shared/registrations", json=body)
                else:
                    r = http.delete(f"/v1/bookable_events/shared/registrations/{mine.pop()}")
            except httpx.TransportError as exc:
                print(json.dumps([type(exc).__name__, None, False]), flush=True)
                continue
            leak = any(word in r.text.lower() for word in ("locked", "sqlite", "database"))
            print(json.dumps([r.status_code, r.headers.get("retry-after"), leak]), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
