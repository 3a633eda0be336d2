"""Request limits in fixed windows, and the limiter that counts them in this process.

A window starts on a multiple of its length (a minute window on the minute), so a window ends at
the same moment for every client and every server process. A request is counted in all of its
policies' windows or in none: a refused request uses no quota. What each surface limits, and per
what, is decided where its policies are built; `turnout.redislimit` counts the same windows in Redis
so that every process shares them.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Protocol


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """At most `limit` requests per bucket in each window of `seconds`.

    `name` identifies the policy in the RateLimit headers and in Redis keys.
    """

    name: str
    limit: int
    seconds: int


@dataclasses.dataclass(frozen=True, slots=True)
class Quota:
    """One policy's window, as a decision left it."""

    policy: Policy
    remaining: int
    reset: int  # Unix time, in seconds, when the window ends
    reset_in: int  # whole seconds until then, at least 1


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    quotas: tuple[Quota, ...]  # one per policy, in the policies' order
    retry_after: int  # seconds until a refused client may try again (≥ 1); 0 when allowed

    @property
    def binding(self) -> Quota:
        """The quota that refused (the longest wait, if several did), or else the one with the
        least room left: what a single-policy header such as X-RateLimit-* should show."""
        return min(self.quotas, key=lambda q: (q.remaining, -q.reset_in))


class Limiter(Protocol):
    async def hit(self, policies: Sequence[Policy], bucket: str) -> Decision:
        """Count one request from `bucket` in every policy's window if all have room."""
        ...

    def describe(self) -> str:
        """Where the counts are kept right now, for /readyz."""
        ...

    async def close(self) -> None: ...


def decide(policies: Sequence[Policy], used: Sequence[int], allowed: bool, now: float) -> Decision:
    """The decision, given each window's count (after this request, when it was allowed)."""
    quotas = []
    for policy, count in zip(policies, used, strict=True):
        reset = (int(now // policy.seconds) + 1) * policy.seconds
        remaining = max(0, policy.limit - count)
        quotas.append(Quota(policy, remaining, reset, max(1, math.ceil(reset - now))))
    retry_after = 0 if allowed else max(q.reset_in for q in quotas if q.remaining == 0)
    return Decision(allowed, tuple(quotas), retry_after)


class LocalLimiter:
    """Counts in this process: each server process has limits of its own."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._windows: dict[Policy, tuple[int, dict[str, int]]] = {}

    async def hit(self, policies: Sequence[Policy], bucket: str) -> Decision:
        return self.hit_now(policies, bucket)

    def hit_now(self, policies: Sequence[Policy], bucket: str) -> Decision:
        """`hit` without awaiting: nothing else runs between the check and the count."""
        now = self._clock()
        counts = [self._counts(policy, now) for policy in policies]
        used = [c.get(bucket, 0) for c in counts]
        allowed = all(u < p.limit for u, p in zip(used, policies, strict=True))
        if allowed:
            for c in counts:
                c[bucket] = c.get(bucket, 0) + 1
            used = [u + 1 for u in used]
        return decide(policies, used, allowed, now)

    def _counts(self, policy: Policy, now: float) -> dict[str, int]:
        window = int(now // policy.seconds)
        current = self._windows.get(policy)
        if current is None or current[0] != window:  # a new window: every bucket starts again
            current = self._windows[policy] = (window, {})
        return current[1]

    def describe(self) -> str:
        return "in-process"

    async def close(self) -> None:
        return None
