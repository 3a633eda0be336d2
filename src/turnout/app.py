"""Builds the ASGI app from Settings: operability endpoints, the registered surfaces
(surfaces/registry.py), and the store's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from turnout import accesslog, openapi, operability, web, webhooks
from turnout.config import Settings
from turnout.core.ports import Store
from turnout.openapi import page
from turnout.services import Services
from turnout.store import open_when_ready
from turnout.surfaces import registry
from turnout.surfaces.cors import Cors
from turnout.surfaces.headers import HeaderLimit
from turnout.surfaces.http import json_response
from turnout.surfaces.operation import Documented
from turnout.surfaces.surface import Prefixes


def build_app(settings: Settings) -> ASGIApp:
    services = Services.create(settings)
    document: dict[str, Any] = {}  # derived from the routes below, once they exist

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        store = await open_when_ready(settings)
        tasks: list[asyncio.Task[None]] = []
        try:
            services.attach(store)
            tasks.append(asyncio.create_task(_purge_idempotency_keys(store, settings)))
            for surface in registry.SURFACES:
                if surface.background is not None:
                    tasks.append(asyncio.create_task(surface.background(services)))
            async with webhooks.dispatching(store, settings, services.secret):
                yield
        finally:
            for task in tasks:
                task.cancel()
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

    app = Starlette(
        routes=[
            # turnout's own routes come first, so no surface can claim them (surfaces/registry.py).
            Documented("/healthz", healthz, operability.HEALTHZ, "GET"),
            Documented("/readyz", readyz, operability.READYZ, "GET"),
            Documented("/openapi.json", openapi_json, operability.OPENAPI, "GET"),
            *page.routes(document),  # /, /docs and what the reference loads
            # The web app is turnout's own too: mounted before any surface that claims by pattern.
            Route("/app", _to_app, include_in_schema=False),
            Mount("/app", web.build(services)),
            # Nothing below turnout's own paths belongs to a surface: `/healthz/` is this JSON 404,
            # not the Notification Hubs surface's XML (its pattern `/{hub}` would take it).
            *[Mount(path, app=_not_found) for path in ("/healthz", "/readyz", "/openapi.json")],
            Mount("/docs", app=_not_found),
            *registry.mounts(services),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    # No redirects anywhere: Starlette's `/healthz/` → `/healthz` 307 builds its Location from the
    # request's Host header, and turnout emits no URL that does not start with TURNOUT_PUBLIC_URL.
    app.router.redirect_slashes = False
    app.router.default = _not_found
    document.update(openapi.document(settings, app.routes))
    accesslog.configure(settings.access_log)
    return accesslog.AccessLog(
        HeaderLimit(Cors(Prefixes(app), services), settings.max_header_bytes, app.routes)
    )


async def _purge_idempotency_keys(store: Store, settings: Settings) -> None:
    """Delete expired Idempotency-Key rows now and every hour (they already count as absent)."""
    while True:
        try:
            await store.purge_claims(int(time.time()) - settings.idempotency_retention_hours * 3600)
        except Exception:
            logging.getLogger("turnout.idempotency").warning("purging keys failed", exc_info=True)
        await asyncio.sleep(3600)


async def _to_app(_: Request) -> Response:
    return RedirectResponse("/app/", 308)


def _http_error(_: Request, exc: Exception) -> Response:
    """`PUT /healthz` and the like: 405 (with Allow) in the same JSON as the 404 below."""
    assert isinstance(exc, HTTPException)
    return json_response(_status(exc.status_code), exc.status_code, dict(exc.headers or {}))


def _status(code: int) -> dict[str, str]:
    return {"status": HTTPStatus(code).phrase.lower().replace(" ", "_")}


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    """A path outside every surface (`/healthz/`, `/docs/x`): 404 in the operability endpoints'
    JSON, never Starlette's plain text or a redirect."""
    await json_response(_status(404), 404)(scope, receive, send)


def app_from_env() -> ASGIApp:
    """The factory `turnout serve --workers N` gives uvicorn: each worker reads the same settings."""
    return build_app(Settings.from_env())
