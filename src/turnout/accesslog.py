"""One line per request on stderr: method, path, status, duration, tenant, and the request's
tracking ID when its surface gave it one (the Notification Hubs surface's `TrackingId`).

Only the path is logged, never the query string: the Cronofy Node SDK puts the API key there as
`bearer_token`. Headers and bodies are never logged either.
"""

from __future__ import annotations

import logging
import sys
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("turnout.access")


def configure(enabled: bool) -> None:
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO if enabled else logging.WARNING)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        logged = False

        def write_line() -> None:
            nonlocal logged
            logged = True
            elapsed_ms = (time.perf_counter() - started) * 1000
            state = scope.get("state", {})
            tenant = state.get("tenant", "-")
            path = _printable(scope["path"])
            tracking = f" tracking={state['tracking_id']}" if "tracking_id" in state else ""
            log.info(
                "%s %s %d %.1fms tenant=%s%s",
                *(scope["method"], path, status, elapsed_ms, tenant, tracking),
            )

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                write_line()  # before the last byte leaves, so the line exists once a client has it
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if not logged:
                write_line()


def _printable(path: str) -> str:
    # A path is client text: keep one request on one line.
    return path.encode("unicode_escape").decode("ascii")[:512]
