"""The real client libraries against a live server: C04, C60–C62."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pycronofy
import pytest
from pycronofy.exceptions import PyCronofyRequestError
from pycronofy.pagination import Pages

from tests.builders import make_event, register
from tests.live import Tenant

JS = Path(__file__).parent / "js"


def run_node(tenant: Tenant, event_id: str) -> dict[str, object]:
    if shutil.which("node") is None or not (JS / "node_modules" / "cronofy").exists():
        pytest.fail("the Node SDK is not installed: run `make install`")
    done = subprocess.run(
        ["node", str(JS / "drive_cronofy.js"), tenant.server.url, tenant.key, event_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_node_sdk_create_read_upsert_delete(
    tenant: Tenant, access_log: list[str]
) -> None:  # C60 C04
    out = run_node(tenant, "node_1")
    assert out["created"]["bookable_event_id"] == "node_1"  # type: ignore[index]
    assert out["read"]["registration"]["capacity"] == 1  # type: ignore[index]
    upserted = out["upserted"]["registration"]  # type: ignore[index]
    assert upserted["registered_count"] == 1
    assert upserted["registrations"][0]["metadata"] == {"email": "a@company.com", "name": "Bill"}
    assert out["full"] == {"statusCode": 422, "key": "errors.capacity_reached"}
    assert out["missing"] == {"statusCode": 404, "turnout": "not_found"}
    assert out["stranger"] == {"statusCode": 401, "turnout": "invalid_token"}
    deleted = out["deleted"]["registration"]  # type: ignore[index]
    assert (deleted["registered_count"], deleted["total_count"]) == (0, 1)
    reads = [line for line in access_log if line.startswith("GET /v1/bookable_events/node_1")]
    assert reads, access_log
    assert all(tenant.key not in line for line in access_log)


def pyclient(tenant: Tenant) -> pycronofy.Client:
    client = pycronofy.Client(client_secret=tenant.key, access_token=tenant.key)
    client.request_handler.base_url = tenant.server.url
    return client


def test_pycronofy_post_get_delete(tenant: Tenant) -> None:  # C61
    handler = pyclient(tenant).request_handler
    body = {
        "bookable_event_id": "py_1",
        "start": "2030-01-24T12:30:00Z",
        "end": "2030-01-24T17:00:00Z",
        "status": "confirmed",
        "registration": {"capacity": 1},
    }
    created = handler.post(endpoint="bookable_events", data=body, use_api_key=True)
    assert created.status_code == 200
    reg = {"registration_id": "r1", "status": "accepted"}
    r = handler.post(endpoint="bookable_events/py_1/registrations", data=reg, use_api_key=True)
    assert r.status_code == 200
    read = handler.get(endpoint="bookable_events/py_1", use_api_key=True)
    assert (read.status_code, read.json()["registration"]["registered_count"]) == (200, 1)
    deleted = handler.delete(endpoint="bookable_events/py_1/registrations/r1")
    assert deleted.status_code == 200
    assert deleted.json()["registration"]["registered_count"] == 0


def test_pycronofy_reads_the_422_key(tenant: Tenant) -> None:  # C61
    handler = pyclient(tenant).request_handler
    make_event(tenant.http, "py_2", capacity=1)
    register(tenant.http, "py_2", "r1")
    with pytest.raises(PyCronofyRequestError) as caught:
        handler.post(
            endpoint="bookable_events/py_2/registrations",
            data={"registration_id": "r2", "status": "accepted"},
            use_api_key=True,
        )
    assert caught.value.response.json()["errors"]["status"][0]["key"] == "errors.capacity_reached"


@pytest.mark.parametrize(("key", "path", "status"), [("own", "nope", 404), ("stranger", "x", 401)])
def test_pycronofy_raises_its_error_for_turnouts_explained_errors(
    tenant: Tenant, key: str, path: str, status: int
) -> None:  # C61: the turnout_error member changes nothing the SDK relies on
    client = pyclient(tenant)
    if key == "stranger":
        client = pycronofy.Client(client_secret="tk_wrongwrongwr_" + "x" * 32)
        client.request_handler.base_url = tenant.server.url
    with pytest.raises(PyCronofyRequestError) as caught:
        client.request_handler.get(endpoint=f"bookable_events/{path}", use_api_key=True)
    assert caught.value.response.status_code == status
    assert caught.value.response.json()["turnout_error"]["fix"]


def test_pycronofy_pages_follow_next_page(tenant: Tenant) -> None:  # C24 C61
    make_event(tenant.http, "py_3")
    for i in range(120):
        register(tenant.http, "py_3", f"r{i:03d}")
    handler = pyclient(tenant).request_handler
    first = handler.get(endpoint="bookable_events/py_3/registrations", use_api_key=True).json()
    everything = Pages(handler, first, "registrations").all()
    assert [r["registration_id"] for r in everything] == [f"r{i:03d}" for i in range(120)]


def test_pycronofy_pages_over_event_list(tenant: Tenant) -> None:  # C25
    for i in range(60):
        make_event(tenant.http, f"ev{i:02d}")
    handler = pyclient(tenant).request_handler
    first = handler.get(endpoint="bookable_events", use_api_key=True).json()
    everything = Pages(handler, first, "bookable_events").all()
    assert [e["bookable_event_id"] for e in everything] == [f"ev{i:02d}" for i in range(60)]


def test_content_type_without_charset_is_accepted(tenant: Tenant) -> None:  # C62
    r = tenant.http.post(
        "/v1/bookable_events",
        content=json.dumps(
            {
                "bookable_event_id": "ct",
                "start": "2030-01-24T12:30:00Z",
                "end": "2030-01-24T17:00:00Z",
                "status": "confirmed",
            }
        ),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
