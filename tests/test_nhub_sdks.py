"""Real clients against a live server (spec notification-hubs §11 CLI-1, CLI-2): the official JS SDK
`@azure/notification-hubs` 2.1.0 and `azure-sb` 0.11.2 (pinned by tests/nhub_js/package-lock.json),
and `azure-notification-hub-unofficial` 0.1.0 (pinned in requirements.lock)."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
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
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(out["trackingId"])
    )


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


@pytest.fixture
def throttling_server(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str]]:
    """A server whose hub limits are counted in Redis, under a prefix of its own."""
    prefix = f"turnout-test-{time.time_ns()}:"
    settings = base_settings(
        str(tmp_path_factory.mktemp("thr-js")),
        database_url,
        rate_limits=True,
        hub_requests_per_second=5,
        redis_url=redis_url,
        redis_prefix=prefix,
    )
    with LiveServer(settings) as live:
        yield live, prefix


def use_up_rate(redis_url: str, prefix: str, hub: HubClient, seconds: int = 20) -> None:
    """Every one-second window of the hub for the next `seconds` is full, as if other processes
    sharing the limiter had spent it (the keys are redislimit's)."""
    now = int(time.time())
    with redis.Redis.from_url(redis_url) as client:
        for window in range(now, now + seconds):
            client.set(
                f"{prefix}rl:per-hub-second:{window}:hub:{hub.hub.id}", 10**6, ex=seconds + 5
            )


@pytest.mark.parametrize(("retries", "attempts"), [("default", 4), ("0", 1)])
def test_js_sdk_retries_throttling(
    throttling_server: tuple[LiveServer, str],
    redis_url: str,
    access_log: list[str],
    retries: str,
    attempts: int,
) -> None:  # THR-1, JS: the SDK's own retry policy follows Retry-After, three times by default
    server, prefix = throttling_server
    hub = HubClient(server)
    use_up_rate(redis_url, prefix, hub)
    out = run_node("drive_retries.mjs", connection_string(hub), hub.name, "throttled", retries)
    assert out["error"] == {"name": "RestError", "statusCode": 429, "code": None}, out
    assert out["attempts"] == attempts
    refused = [line for line in access_log if f"/{hub.name}/registrations/thr-1 429 " in line]
    assert len(refused) == attempts  # what the server saw, not only what the client says
    if attempts > 1:
        assert out["seconds"] >= (attempts - 1) * 1.0  # it waited Retry-After (≥ 1 s) each time


class DroppingProxy:
    """A TCP proxy to `port` that lets the first request reach the server, then hangs up on the
    client instead of passing the answer on: a network failure after the server's commit."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.port))
            drop = self.connections == 1
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, drop), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket, drop: bool) -> None:
        try:
            while data := source.recv(65536):
                if drop:  # the server has answered: hang up on the client instead of answering
                    break
                target.sendall(data)
        except OSError:
            pass
        for s in (source, target):  # shutdown wakes the other direction's blocked recv
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()

    def __enter__(self) -> DroppingProxy:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.listener.close()


def test_js_sdk_retries_network_errors_idempotently(
    server: LiveServer, access_log: list[str]
) -> None:  # §4.4: the pipeline retries a reset connection; the retried PUT changes nothing
    hub = HubClient(server)
    port = int(server.url.rsplit(":", 1)[1])
    with DroppingProxy(port) as proxy:
        cs = f"Endpoint={proxy.url}/;SharedAccessKeyName={hub.full_name};SharedAccessKey={hub.full_key}"
        out = run_node("drive_retries.mjs", cs, hub.name, "network", "default")
    assert out == {"registration": {"id": "net-1", "etag": "1"}, "attempts": 2, **_seconds(out)}
    puts = [line for line in access_log if f"PUT /{hub.name}/registrations/net-1 200 " in line]
    assert (
        len(puts) == 2
    )  # the server wrote on the first and answered the retry from the no-op rule
    assert proxy.connections == 2
    with hub.client() as http:
        got = http.get("/registrations/net-1")
        assert got.status_code == 200 and got.headers["etag"] == 'W/"1"'


def _seconds(out: dict[str, object]) -> dict[str, object]:
    return {"seconds": out["seconds"]}
