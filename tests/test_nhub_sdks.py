"""Real clients against a live server (spec notification-hubs §11 CLI-1, CLI-2): the official JS SDK
`@azure/notification-hubs` 2.1.0 and `azure-sb` 0.11.2 (pinned by tests/nhub_js/package-lock.json),
and `azure-notification-hub-unofficial` 0.1.0 (pinned in requirements.lock)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure_notification_hub import NotificationHubsClient

from tests.conftest import base_settings
from tests.live import LiveServer
from tests.nhub import APPLE_TOKEN, HubClient, TlsServer, apple_entry, self_signed

JS = Path(__file__).parent / "nhub_js"


@pytest.fixture
def hub(server: LiveServer) -> HubClient:
    return HubClient(server)


def connection_string(hub: HubClient, full: bool = True) -> str:
    name, key = (hub.full_name, hub.full_key) if full else (hub.listen_name, hub.listen_key)
    return f"Endpoint={hub.server.url}/;SharedAccessKeyName={name};SharedAccessKey={key}"


def test_unofficial_python_client(hub: HubClient) -> None:  # CLI-2
    with hub.client() as http:
        made = http.put("/registrations/py-1", content=apple_entry(tags="a"))
        assert made.status_code == 200
    with NotificationHubsClient(connection_string(hub), hub.name) as client:
        listed = client.list_registrations(top=5)
        assert any("py-1" in json.dumps(r) for r in listed), listed
        assert "py-1" in json.dumps(client.get_registration("py-1"))
        client.delete_registration("py-1")
        client.create_or_update_installation(
            {
                "installationId": "py-inst",
                "platform": "apns",
                "pushChannel": "00fc13ad",
                "tags": ["x"],
            }
        )
        got = client.get_installation("py-inst")
        assert isinstance(got, dict) and got["installationId"] == "py-inst"
        client.update_installation("py-inst", [{"op": "add", "path": "/tags", "value": "y"}])
        assert client.get_installation("py-inst")["tags"] == ["x", "y"]
        client.delete_installation("py-inst")


def run_node(script: str, *args: str) -> dict[str, object]:
    if (
        shutil.which("node") is None
        or not (JS / "node_modules" / "@azure" / "notification-hubs").exists()
    ):
        pytest.fail("the Notification Hubs JS SDK is not installed: run `make install`")
    done = subprocess.run(
        ["node", str(JS / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": shutil.which("node").rsplit("/", 1)[0], "NO_PROXY": "127.0.0.1,localhost"},  # type: ignore[union-attr]
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return dict(json.loads(done.stdout))


def check_js_run(out: dict[str, object], hub: HubClient) -> None:
    assert out["fcm"] == {"id": out["registrationId"], "etag": "1", "kind": "FcmV1"}, out
    assert out["apple"]["deviceToken"].isupper()  # type: ignore[index]
    assert out["windowsBody"] == "<toast>]]> & $(x)</toast>"
    assert out["updatedEtag"] == "2"
    assert out["pages"] == [1, 1, 1, 1]
    assert len(out["byTag"]) == 4 and len(out["byTagHash"]) == 1  # type: ignore[arg-type]
    assert all(len(found) == 1 for found in out["byChannel"].values()), out["byChannel"]  # type: ignore[union-attr]
    assert out["deletedGet"] == 404
    assert out["installation"] == {"tags": ["x", "y"], "platform": "apns"}
    assert out["installationGone"] == 404
    assert out["wrongKey"] == 401
    assert out["listenByTag"] == 403


def test_js_sdk_over_http(hub: HubClient) -> None:  # CLI-1, http
    out = run_node(
        "drive_nhub.mjs", connection_string(hub), connection_string(hub, full=False), hub.name
    )
    check_js_run(out, hub)


@pytest.fixture(scope="module")
def tls_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Path]]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(directory)
    with TlsServer(base_settings(str(directory), database_url), cert, key) as live:
        yield live, cert


def test_js_sdk_over_https(tls_server: tuple[LiveServer, Path]) -> None:  # CLI-1, https
    server, cert = tls_server
    hub = HubClient(server)
    authority = server.url.removeprefix("https://")
    full = f"Endpoint=sb://{authority}/;SharedAccessKeyName={hub.full_name};SharedAccessKey={hub.full_key}"
    listen = f"Endpoint=sb://{authority}/;SharedAccessKeyName={hub.listen_name};SharedAccessKey={hub.listen_key}"
    out = run_node("drive_nhub.mjs", full, listen, hub.name, str(cert))
    check_js_run(out, hub)


def test_azure_sb_over_http(hub: HubClient) -> None:  # CLI-2
    out = run_node("drive_azure_sb.cjs", connection_string(hub), hub.name)
    assert re.fullmatch(r"\d+-\d+-1", str(out["registrationId"]))
    created = out["created"]
    assert created["token"] == APPLE_TOKEN.upper() and created["tags"] == "sb,user:1"  # type: ignore[index]
    assert out["listed"] == [created["id"]]  # type: ignore[index]
    assert out["afterDelete"] == []
