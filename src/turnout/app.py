"""Builds the ASGI app from Settings: the surfaces, operability endpoints, and the store's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from turnout import accesslog, openapi, web
from turnout.config import Settings
from turnout.services import Services
from turnout.store import open_when_ready
from turnout.store.base import Store
from turnout.surfaces.cronofy import routes as cronofy
from turnout.surfaces.headers import HeaderLimit
from turnout.surfaces.http import json_response
from turnout.surfaces.webkasa import routes as webkasa


def build_app(settings: Settings) -> ASGIApp:
    services = Services.create(settings)
    document = openapi.document(settings)
    docs_page = openapi.html(document)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        store = await open_when_ready(settings)
        purging = None
        try:
            services.attach(store)
            purging = asyncio.create_task(_purge_idempotency_keys(store, settings))
            yield
        finally:
            if purging is not None:
                purging.cancel()
            await services.close()
            await store.close()

    async def healthz(_: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            await services.store.ping()
        except Exception:
            return json_response({"status": "unavailable", "database": "unreachable"}, 503)
        # A Redis outage leaves the server ready: limits fall back to this process (redislimit.py).
        return json_response(
            {
                "status": "ok",
                "database": services.store.dialect,
                "rate_limits": services.limits_kept(),
            }
        )

    async def openapi_json(_: Request) -> Response:
        return json_response(document)

    async def docs(_: Request) -> Response:
        return HTMLResponse(docs_page)

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/openapi.json", openapi_json),
            Route("/docs", docs),
            SurfaceMount("/v1", cronofy.build(services)),
            SurfaceMount("/api/v1", webkasa.build(services)),
            Mount("/app", web.build(services)),
        ],
        lifespan=lifespan,
    )
    accesslog.configure(settings.access_log)
    return accesslog.AccessLog(HeaderLimit(app, settings.max_header_bytes))


async def _purge_idempotency_keys(store: Store, settings: Settings) -> None:
    """Delete expired Idempotency-Key rows now and every hour (they already count as absent)."""
    while True:
        try:
            await store.purge_claims(int(time.time()) - settings.idempotency_retention_hours * 3600)
        except Exception:
            logging.getLogger("turnout.idempotency").warning("purging keys failed", exc_info=True)
        await asyncio.sleep(3600)


class SurfaceMount(Mount):
    """A Mount that owns every path under its prefix. Starlette's matches the rest with `.*`, which
    stops at a newline, so /v1/a%0Ab fell through to a plain-text 404, without authentication, in
    neither surface's error shape."""

    def __init__(self, path: str, app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(path, app, **kwargs)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def app_from_env() -> ASGIApp:
    """The factory `turnout serve --workers N` gives uvicorn: each worker reads the same settings."""
    return build_app(Settings.from_env())
