"""Idempotency-Key on every write of both surfaces (docs/RELIABILITY.md, reliability.md IDEM-1…7).

A write that carries the header runs with a claim (core/claims.py) that its store transaction
records first; after the COMMIT its response is stored, and only then sent. A retry with the same
key from the same credential gets that response again, byte for byte, with `Idempotent-Replayed:
true`. The same key with a different request is refused (422); a key whose first request has
committed but not yet stored its response is answered 409 with Retry-After. Responses with 409, 429,
503 or any 5xx are not stored: the retry runs again.

This sits below authentication (keys are scoped to the credential) and above the routes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import time
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

from turnout.auth.keys import Principal
from turnout.core import claims
from turnout.core.claims import Claim, StoredResponse
from turnout.core.errors import (
    BadHeader,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    TurnoutError,
)
from turnout.services import Services
from turnout.surfaces.http import client_gone, read_body

log = logging.getLogger("turnout.idempotency")

HEADER = b"idempotency-key"
_KEY = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?\Z")  # printable ASCII, ≤ 255
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_NOT_STORED = frozenset({409, 429, 503})

ErrorRenderer = Callable[[Request, Exception], Response]


def id_seed() -> bytes | None:
    """For creates that make their own id: the same id on every run under one claim, so a create
    run again after its process died finds the object it made (core/claims.py, store/claims.py)."""
    claim = claims.current.get()
    if claim is None:
        return None
    return b"\0".join((claim.scope.encode(), claim.key.encode(), claim.fingerprint))


class Idempotency:
    def __init__(
        self,
        app: Starlette,
        services: Services,
        render_error: ErrorRenderer,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.services = services
        self.render_error = render_error
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keys = [v for k, v in scope.get("headers", ()) if k == HEADER]
        if (
            scope["type"] != "http"
            or scope["method"] in _READS
            or not keys
            or not self._routed(scope)  # a 404 or 405 is answered as if there were no key
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            key = _valid_key(keys)
            body = await read_body(request, self.services.settings.max_body_bytes)
            claim = await self._claim(scope, key, body)
        except TurnoutError as exc:
            await self.render_error(request, exc)(scope, receive, send)
            return
        except ClientDisconnect as exc:  # gone mid-body: nothing was claimed or written
            await client_gone(request, exc)(scope, receive, send)
            return
        if isinstance(claim, StoredResponse):
            await _send(send, claim, replayed=True)
            return
        response = await self._run(scope, body, claim)
        if claim.taken:  # another request with this key committed first: answer with its result
            found = await self.services.store.find_claim(claim.scope, key, claim.expired_before)
            if found and found.response and found.fingerprint == claim.fingerprint:
                await _send(send, found.response, replayed=True)
                return
        storable = response.status < 500 and response.status not in _NOT_STORED
        if crash_file := self.services.settings.debug_idempotency_crash_file:
            _crash_if_asked(crash_file)
        try:
            await self.services.store.finish_claim(claim, response if storable else None)
        except TurnoutError:
            # The work (if any) is committed; the retry will find the claim and, after the lease,
            # run again — safely, see store/claims.py. The client still gets this answer.
            log.warning("could not store the response for an Idempotency-Key", exc_info=True)
        await _send(send, response, replayed=False)

    def _routed(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.app.routes)

    async def _claim(self, scope: Scope, key: str, body: bytes) -> Claim | StoredResponse:
        """The stored response for this key, or a claim to run the request under."""
        principal: Principal = scope["state"]["principal"]
        settings = self.services.settings
        claim = Claim(
            scope=principal.key_prefix,
            key=key,
            fingerprint=_fingerprint(scope, body),
            now=int(self.clock()),
            lease=settings.idempotency_lease_seconds,
            retention=settings.idempotency_retention_hours * 3600,
        )
        found = await self.services.store.find_claim(claim.scope, key, claim.expired_before)
        if found is None:
            return claim
        if found.fingerprint != claim.fingerprint:
            raise IdempotencyKeyReused(key)
        if found.response is not None:
            return found.response
        if found.created_at >= claim.abandoned_before:
            raise IdempotencyInProgress(key)
        return claim  # abandoned by a process that died: the store's claim takes it over

    async def _run(self, scope: Scope, body: bytes, claim: Claim) -> StoredResponse:
        """Run the app on the buffered body under `claim`, and keep what it answers."""
        status = 500
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend((k.decode(), v.decode()) for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        # The negative control runs without the claim: a plain look-up, then the work, then a store.
        unsafe = self.services.settings.debug_unsafe_idempotency
        token = claims.current.set(None if unsafe else claim)
        try:
            await self.app(scope, receive, keep)
        finally:
            claims.current.reset(token)
        return StoredResponse(status, headers, b"".join(chunks))


def _crash_if_asked(path: str) -> None:
    """Test-only (TURNOUT_DEBUG_IDEMPOTENCY_CRASH_FILE): the file holds a countdown of keyed
    writes; the one that takes it to 0 deletes it and dies here, as a SIGKILL would. Taking the file
    by rename makes one process at a time count (the others skip; tests need no exact count)."""
    mine = f"{path}.{os.getpid()}"
    try:
        os.rename(path, mine)
    except FileNotFoundError:
        return
    with open(mine) as f:
        left = int(f.read().strip() or "1") - 1
    if left <= 0:
        os.remove(mine)
        os.kill(os.getpid(), signal.SIGKILL)
    with open(mine, "w") as f:
        f.write(str(left))
    os.rename(mine, path)


def _valid_key(values: list[bytes]) -> str:
    if len(values) > 1:
        raise BadHeader("Idempotency-Key", "send one Idempotency-Key header, not several")
    try:
        key = values[0].decode("ascii")
    except UnicodeDecodeError:
        key = ""
    if not _KEY.match(key):
        raise BadHeader(
            "Idempotency-Key", "must be 1 to 255 printable ASCII characters (a UUID is ideal)"
        )
    return key


def _fingerprint(scope: Scope, body: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope["query_string"], body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


async def _send(send: Send, response: StoredResponse, replayed: bool) -> None:
    headers = [(k.encode(), v.encode()) for k, v in response.headers]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
