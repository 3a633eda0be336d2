"""The dispatcher: claims due messages from the outbox, signs them, sends them, records the outcome.

It runs inside `turnout serve` (TURNOUT_WEBHOOK_DISPATCH=on, the default) or as `turnout worker`
processes: any number on PostgreSQL, where claims skip rows another process holds; one on SQLite.
A claim is a lease (TURNOUT_WEBHOOK_LEASE_SECONDS): a dispatcher that dies mid-delivery sends
nothing more, the lease runs out, and another sends the message again with the same webhook-id. So
delivery is at least once; receivers deduplicate by webhook-id.

Retries follow RETRY_AFTER, each wait stretched or shrunk by up to 20% at random so endpoints that
fail together do not retry together: about three days from the first attempt to the last. A message
whose last attempt fails is given up, and so is its endpoint, which is disabled with the reason; an
endpoint that answers 410 Gone is disabled at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable

import httpx

from turnout.webhooks import secrets
from turnout.webhooks.guard import AllowList, client
from turnout.webhooks.store import Claimed, Signer, WebhookStore

log = logging.getLogger("turnout.webhooks")

# Seconds to wait after failed attempt n (1-based) before attempt n + 1; after the last, give up.
RETRY_AFTER = (5, 60, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
JITTER = 0.2
CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0
RESPONSE_CAP = 4096  # bytes of a response body read (and kept in last_error), at most
BATCH = 50
IDLE_POLL = 0.2  # seconds between looks at an empty outbox
# The retries' jitter draws from its own generator: the global one belongs to whatever else runs in
# the process (hypothesis, in the tests, refuses a global random state that moves under it).
_JITTER = random.Random()


def retry_at(now: int, attempts: int, rand: Callable[[], float] = _JITTER.random) -> int | None:
    """When to try again after `attempts` failed attempts, or None to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    wait = RETRY_AFTER[attempts - 1] * (1 + JITTER * (2 * rand() - 1))
    return now + max(1, round(wait))


class Dispatcher:
    def __init__(
        self,
        ws: WebhookStore,
        server_secret: bytes,
        allow: AllowList,
        lease_seconds: int,
        clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
        total_timeout: float = TOTAL_TIMEOUT,
    ) -> None:
        self.ws = ws
        self.server_secret = server_secret
        self.lease_seconds = lease_seconds
        self.clock = clock  # when messages are due; the signature's timestamp is the wall clock's
        self.http = http or client(allow, CONNECT_TIMEOUT)
        self.total_timeout = total_timeout

    async def run(self) -> None:
        """Deliver until cancelled; a database hiccup is logged and retried."""
        while True:
            try:
                busy = await self.dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("webhook dispatch failed; retrying", exc_info=True)
                busy = 0
            if not busy:
                await asyncio.sleep(IDLE_POLL)

    async def close(self) -> None:
        await self.http.aclose()

    async def dispatch_once(self) -> int:
        """Claim the due messages (at most one per registration per endpoint) and send them."""
        claimed = await self.ws.claim(int(self.clock()), self.lease_seconds, BATCH)
        if not claimed:
            return 0
        signers = await self.ws.signers({c.endpoint_pk for c in claimed})
        await asyncio.gather(*(self._deliver(c, signers[c.endpoint_pk]) for c in claimed))
        return len(claimed)

    async def _deliver(self, claimed: Claimed, signer: Signer) -> None:
        status, error = await self._send(claimed, signer)
        now = int(self.clock())
        if status is not None and 200 <= status < 300:
            await self.ws.delivered(claimed, status, now)
            return
        log.info(
            "webhook %s to endpoint %d failed (attempt %d): %s",
            claimed.message_id,
            claimed.endpoint_pk,
            claimed.attempts,
            error,
        )
        if status == 410:
            await self.ws.failed(claimed, status, error, None)
            await self.ws.disable_endpoint(claimed.endpoint_pk, "answered 410 Gone", now)
            return
        next_at = retry_at(now, claimed.attempts)
        await self.ws.failed(claimed, status, error, next_at)
        if next_at is None:
            reason = f"failing for {MAX_ATTEMPTS} attempts over about three days: {error}"
            await self.ws.disable_endpoint(claimed.endpoint_pk, reason[:500], now)

    async def _send(self, claimed: Claimed, signer: Signer) -> tuple[int | None, str]:
        body = claimed.payload.encode()
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": "turnout-webhooks",
            "webhook-id": claimed.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": self._signatures(signer, claimed.message_id, timestamp, body),
        }
        try:
            async with asyncio.timeout(self.total_timeout):
                request = self.http.build_request("POST", signer.url, content=body, headers=headers)
                response = await self.http.send(request, stream=True)
                try:
                    text = await _read_capped(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return None, f"no answer within {self.total_timeout:g} s"
        except (httpx.HTTPError, OSError) as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        return response.status_code, f"HTTP {response.status_code}: {text}"[:500]

    def _signatures(self, signer: Signer, message_id: str, timestamp: int, body: bytes) -> str:
        """Space-separated: the current secret's, and during a rotation's grace the previous one's."""
        keys = [signer.secret]
        if signer.previous_secret is not None and (signer.previous_until or 0) > time.time():
            keys.append(signer.previous_secret)
        return " ".join(
            secrets.sign(
                signer.signing, secrets.unseal(self.server_secret, k), message_id, timestamp, body
            )
            for k in keys
        )


async def _read_capped(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk[: RESPONSE_CAP - len(kept)]
        if len(kept) >= RESPONSE_CAP:
            break
    return kept.decode("utf-8", "replace")
