"""Idempotency claims: how a write and its Idempotency-Key commit together.

The HTTP layer (surfaces/idempotency.py) sets `current` (core/claims.py) for the request; the
store's registration and event writes insert the claim row in the same transaction as the work, first, so that:

- two requests with one key cannot both do the work: the second's insert conflicts (on PostgreSQL it
  waits for the first to commit) and its transaction — work included — rolls back (`ClaimTaken`);
- a process killed before COMMIT leaves neither the work nor the claim: a retry runs afresh;
- a process killed between COMMIT and storing the response leaves a claim without a response; after
  `lease` seconds a retry may take it over and run again. Every write is safe to run twice with the
  same key: upserts and PATCHes converge, and creates derive their new id from the key.

Rows live `retention` seconds; older ones count as absent and are purged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import msgspec

from turnout.core.claims import Claim, ClaimTaken, Found, StoredResponse, current

__all__ = ["Claim", "ClaimTaken", "Found", "StoredResponse", "current"]


# SQL both stores share (`?` placeholders). A claim takes over an expired row, or an abandoned one
# (no response after the lease); otherwise it returns no row and the write is refused.
CLAIM = (
    "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint,"
    " created_at = excluded.created_at, status = NULL, headers = NULL, body = NULL"
    " WHERE idempotency_keys.created_at < ?"
    " OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < ?)"
    " RETURNING 1"
)
FIND = (
    "SELECT fingerprint, created_at, status, headers, body FROM idempotency_keys"
    " WHERE scope = ? AND key = ? AND created_at >= ?"
)
# The response of a recorded claim.
COMPLETE = (
    "UPDATE idempotency_keys SET status = ?, headers = ?, body = ?"
    " WHERE scope = ? AND key = ? AND status IS NULL"
)
# The response of a request that wrote nothing (an error, or a write that changed nothing): kept
# unless another request has claimed the key meanwhile.
STORE = (
    "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, status, headers, body)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint,"
    " created_at = excluded.created_at, status = excluded.status, headers = excluded.headers,"
    " body = excluded.body WHERE idempotency_keys.created_at < ?"
)
RELEASE = "DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status IS NULL"
PURGE = "DELETE FROM idempotency_keys WHERE created_at < ?"


@contextlib.contextmanager
def unrecorded_on_failure(claim: Claim | None) -> Iterator[None]:
    """Around a claimed write's transaction: if it fails — a refusal decided inside it (no seats,
    a cancelled event, 412, 404) or a failed COMMIT — its claim row was rolled back with it, so the
    refusal must be filed as a new row (STORE), not completed on a row that is gone (COMPLETE)."""
    try:
        yield
    except BaseException:
        if claim is not None:
            claim.recorded = False
        raise


def claim_args(claim: Claim) -> tuple[object, ...]:
    return (
        claim.scope,
        claim.key,
        claim.fingerprint,
        claim.now,
        claim.expired_before,
        claim.abandoned_before,
    )


def finish_statement(
    claim: Claim, response: StoredResponse | None
) -> tuple[str, tuple[object, ...]] | None:
    """The statement that files `response` under the claim (None: one that must not be stored)."""
    if response is None:
        return (RELEASE, (claim.scope, claim.key)) if claim.recorded else None
    headers_json = msgspec.json.encode(response.headers).decode()
    if claim.recorded:
        return COMPLETE, (
            response.status,
            headers_json,
            response.body,
            claim.scope,
            claim.key,
        )
    return STORE, (
        claim.scope,
        claim.key,
        claim.fingerprint,
        claim.now,
        response.status,
        headers_json,
        response.body,
        claim.expired_before,
    )


def found_from_row(row: tuple[Any, ...] | None) -> Found | None:
    """A FIND row (either driver's) as a Found."""
    if row is None:
        return None
    fingerprint, created_at, status, headers, body = row
    response = None
    if status is not None:
        pairs = msgspec.json.decode(headers, type=list[tuple[str, str]])
        response = StoredResponse(status, pairs, bytes(body))
    return Found(bytes(fingerprint), created_at, response)
