"""LIM-1, LIM-2 and LIM-3 of reliability.md: oversized and extreme requests, on each database.

Each gets a 4xx in its surface's shape (or is clamped), never a 5xx, and answers within a second.
The HTTP server's own limits (LIM-2) are uvicorn's with httptools; docs/API.md lists them.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

import httpx
import pytest

from tests.builders import event_body, make_event
from tests.cronofy_errors import cronofy_body
from tests.live import Tenant

LIMIT = 64 * 1024


def timed(call: Callable[[], httpx.Response]) -> httpx.Response:
    started = time.perf_counter()
    r = call()
    assert time.perf_counter() - started < 1.0, r.request.url
    assert r.status_code < 500, (r.status_code, r.text)
    return r


def padded(surface: str, size: int) -> bytes:
    """A valid body of exactly `size` bytes: on /v1 the padding is an ignored field; /api/v1
    refuses unknown fields, so there it is JSON whitespace."""
    if surface == "v1":
        body = event_body("lim1", pad="")
        body["pad"] = "x" * (size - len(json.dumps(body, separators=(",", ":")).encode()))
        raw = json.dumps(body, separators=(",", ":")).encode()
    else:
        raw = json.dumps({"title": "T", "start_date": "2030-05-01"}).encode()
        raw += b" " * (size - len(raw))
    assert len(raw) == size
    return raw


@pytest.mark.parametrize(
    ("surface", "path"), [("v1", "/v1/bookable_events"), ("api", "/api/v1/events")]
)
def test_a_body_of_64_kib_is_accepted_and_one_byte_more_is_413(
    tenant: Tenant, surface: str, path: str
) -> None:  # LIM-1
    assert tenant.server.settings.max_body_bytes == LIMIT
    ok = timed(lambda: tenant.http.post(path, content=padded(surface, LIMIT)))
    assert ok.status_code in (200, 201), ok.text
    over = timed(lambda: tenant.http.post(path, content=padded(surface, LIMIT + 1)))
    assert over.status_code == 413
    if surface == "v1":
        assert cronofy_body(over) == {}
    else:
        assert over.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_over_the_limit_is_413(tenant: Tenant) -> None:
    """No Content-Length to refuse early: the limit holds while the body streams in."""

    def chunks() -> object:
        yield padded("v1", LIMIT)
        yield b" "

    r = timed(lambda: tenant.http.post("/v1/bookable_events", content=chunks()))  # type: ignore[arg-type]
    assert (r.status_code, cronofy_body(r)) == (413, {})


def raw_status(tenant: Tenant, head: bytes) -> int:
    port = int(tenant.server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        answer = s.recv(4096)
    return int(answer.split()[1])


def test_an_url_over_64_kib_is_400_and_below_it_a_plain_404(tenant: Tenant) -> None:  # LIM-2
    auth = f"Authorization: Bearer {tenant.key}\r\nConnection: close\r\n\r\n".encode()
    # Past the head's cap (16 KiB of headers + 65,535) the connection layer cuts it off: 431.
    for length, status in ((8_000, 404), (60_000, 404), (70_000, 400), (1_000_000, 431)):
        line = b"GET /v1/bookable_events/" + b"a" * length + b" HTTP/1.1\r\nHost: x\r\n"
        assert raw_status(tenant, line + auth) == status, length


def test_headers_over_the_limit_are_431(tenant: Tenant) -> None:  # LIM-2
    """Headers up to TURNOUT_MAX_HEADER_BYTES (16 KiB) together are served; more is 431 in the
    surface's shape, never a 500; past the head's cap, 431 before they are read whole."""
    assert tenant.http.get("/v1/bookable_events", headers={"X-Big": "a" * 8_000}).is_success
    cut = timed(lambda: tenant.http.get("/api/v1/events", headers={"X-Big": "a" * 1_000_000}))
    assert (cut.status_code, cut.json()["code"]) == (431, "HEADERS_TOO_LARGE")  # connections.py
    for size in (17_000, 64_000):
        big = {"X-Big": "a" * size}
        v1 = timed(lambda big=big: tenant.http.get("/v1/bookable_events", headers=big))
        assert (v1.status_code, cronofy_body(v1)) == (431, {})
        api = timed(lambda big=big: tenant.http.get("/api/v1/events", headers=big))
        assert (api.status_code, api.json()["code"]) == (431, "HEADERS_TOO_LARGE")
    many = {f"X-{i}": "a" for i in range(1000)}  # ~10 bytes each: under the limit
    assert timed(lambda: tenant.http.get("/api/v1/events", headers=many)).status_code == 200
    more = {f"X-{i}": "a" for i in range(3000)}
    assert timed(lambda: tenant.http.get("/api/v1/events", headers=more)).status_code == 431


@pytest.mark.parametrize(
    ("query", "status", "limit"),
    [
        ({"limit": "1000000"}, 200, 100),  # clamped
        ({"limit": "1" + "0" * 30}, 422, None),
        ({"limit": "-1"}, 422, None),
        ({"offset": "-5"}, 422, None),
        ({"offset": str(10**12)}, 422, None),
        ({"offset": "1e9"}, 422, None),
        ({"limit": "0"}, 422, None),
    ],
)
def test_extreme_pages_are_clamped_or_422(
    tenant: Tenant, query: dict[str, str], status: int, limit: int | None
) -> None:  # LIM-3
    make_event(tenant.http, "lim3")
    for path in ("/api/v1/events", "/api/v1/events/lim3/registrations"):
        r = timed(lambda path=path: tenant.http.get(path, params=query))
        assert r.status_code == status, (path, r.text)
        if limit is not None:
            assert r.json()["meta"]["limit"] == limit
        else:
            assert r.json()["code"] == "VALIDATION_ERROR"


def test_a_page_token_of_any_size_is_404(tenant: Tenant) -> None:  # LIM-3, /v1 has no page size
    make_event(tenant.http, "lim3")
    for token in ("A" * 10_000, "-1", "0" * 128):
        r = timed(lambda t=token: tenant.http.get("/v1/bookable_events", params={"page_token": t}))
        assert (r.status_code, cronofy_body(r)) == (404, {})
        r = timed(
            lambda t=token: tenant.http.get(f"/v1/bookable_events/lim3/registrations/pages/{t}")
        )
        assert (r.status_code, cronofy_body(r)) == (404, {})


def test_arrays_of_10_000_items_are_refused(tenant: Tenant) -> None:  # LIM-3
    make_event(tenant.http, "lim3")
    items = [{"bookable_event_id": f"e{i}"} for i in range(10_000)]  # over 64 KiB: 413
    r = timed(lambda: tenant.http.post("/v1/availability", json={"bookable_events": items}))
    assert (r.status_code, cronofy_body(r)) == (413, {})
    r = timed(lambda: tenant.http.post("/v1/availability", json={"bookable_events": items[:2000]}))
    assert r.json()["errors"]["bookable_events"][0]["key"] == "errors.too_many"
    bare = b'{"bookable_events":[' + b",".join([b"0"] * 10_000) + b"]}"  # 10,000 items in 20 KB
    r = timed(lambda: tenant.http.post("/v1/availability", content=bare))
    assert r.status_code == 422
    metadata = {f"k{i}": i for i in range(5_000)}
    r = timed(
        lambda: tenant.http.post(
            "/v1/bookable_events/lim3/registrations",
            json={"registration_id": "r1", "status": "accepted", "metadata": metadata},
        )
    )
    assert r.status_code == 422 and "metadata" in r.json()["errors"]


@pytest.mark.parametrize("depth", [100, 10_000, 30_000])
def test_deeply_nested_json_is_422(tenant: Tenant, depth: int) -> None:  # LIM-3
    make_event(tenant.http, "lim3")
    nested = b"[" * depth + b"]" * depth
    for path, body in (
        ("/v1/bookable_events", b'{"bookable_event_id":' + nested + b"}"),
        ("/v1/bookable_events/lim3/registrations", b'{"metadata":{"k":' + nested + b"}}"),
        ("/api/v1/events", b'{"title":' + nested + b"}"),
        ("/api/v1/events/lim3/registrations", b"[" * depth + b"]" * depth),
    ):
        r = timed(lambda path=path, body=body: tenant.http.post(path, content=body))
        assert r.status_code == 422, (path, r.text)
