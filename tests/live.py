"""A live turnout server in a background thread, and tenants to test it with."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

from turnout import connections
from turnout.app import build_app
from turnout.auth import keys
from turnout.config import Settings
from turnout.core import times
from turnout.store import open_store
from turnout.surfaces.surface import SurfaceMount

# One server secret for every server this test process starts: the database remembers the secret its
# keys were made under and refuses to serve under another (cli/failures.py), so servers sharing a
# database must share it. Tests of a changed secret pass their own.
SECRET = secrets.token_hex(32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        port = free_port()
        public_url = settings.public_url or f"http://127.0.0.1:{port}"
        self.settings = settings.with_(host="127.0.0.1", port=port, public_url=public_url)
        self.url = f"http://127.0.0.1:{port}"
        # The connection layer `turnout serve` uses (timeouts, limits), so tests see what clients do.
        config = connections.config(
            build_app(self.settings), self.settings, log_level="warning", access_log=False
        )
        self._server = uvicorn.Server(config)
        listening = config.bind_socket()  # as connections.serve does: accepted by EagerLoop
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listening]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)

    def run(self, coro_fn: Any) -> Any:
        return run_on_store(self.settings, coro_fn)


def run_on_store(settings: Settings, coro_fn: Any) -> Any:
    """Run `coro_fn(store)` against the database of `settings`, on a connection of its own."""

    async def go() -> Any:
        store = await open_store(settings)
        try:
            return await coro_fn(store)
        finally:
            await store.close()

    return asyncio.run(go())


class Tenant:
    def __init__(self, server: LiveServer, name: str, tenant_id: int, key: str) -> None:
        self.server = server
        self.name = name
        self.id = tenant_id
        self.key = key
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def key_with(self, scopes: str) -> str:
        async def go(store: Any) -> str:
            return await keys.create_key(
                store, self.server.settings.server_secret(), self.id, scopes, None, times.now()
            )

        return str(self.server.run(go))

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        h = dict(headers)
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        return httpx.Client(base_url=self.server.url, headers=h, timeout=30)


@contextlib.contextmanager
def make_tenant(server: LiveServer, scopes: str = "write") -> Iterator[Tenant]:
    name = "t_" + secrets.token_hex(6)

    async def go(store: Any) -> tuple[int, str]:
        tenant = await store.create_tenant(name, times.now())
        key = await keys.create_key(
            store, server.settings.server_secret(), tenant.id, scopes, None, times.now()
        )
        return tenant.id, key

    tenant_id, key = server.run(go)
    tenant = Tenant(server, name, tenant_id, key)
    try:
        yield tenant
    finally:
        tenant.http.close()


def routes_of(app: Any) -> Any:
    """The Starlette app under a surface's middleware (authentication, idempotency): the one whose
    `routes` are the surface's route table."""
    while not hasattr(app, "routes"):
        app = app.app
    return app


def surface_routes() -> list[tuple[str, str, str]]:
    """(surface, method, path) for every route of every registered surface, found by walking the
    app's route table as the router sees it (as starlette's `schemas.get_endpoints` does)."""
    app = routes_of(build_app(Settings(secret="x" * 32)))
    found = []
    for mount in app.routes:
        if isinstance(mount, SurfaceMount):
            for route in routes_of(mount.app).routes:
                methods = sorted(route.methods - {"HEAD"})
                found += [(mount.surface.name, m, mount.path + route.path) for m in methods]
    return found
