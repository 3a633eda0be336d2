"""Request limits in fixed windows, kept in this process.

A window starts on a multiple of its length (a minute window on the minute), so `reset` is the same
for every client. What each surface limits, and per what, is decided where the limiter is built.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix time, in seconds, when the window ends
    retry_after: int  # seconds until a refused client may try again (≥ 1); 0 when allowed


class FixedWindow:
    """At most `limit` requests per bucket in each window of `seconds`."""

    def __init__(self, limit: int, seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}

    def decide(self, bucket: str) -> Decision:
        """Whether one more request from `bucket` fits, without counting it."""
        now = self._clock()
        window = int(now // self.seconds)
        if window != self._window:  # a new window: every bucket starts again
            self._window, self._counts = window, {}
        reset = (window + 1) * self.seconds
        used = self._counts.get(bucket, 0)
        if used >= self.limit:
            return Decision(False, self.limit, 0, reset, max(1, math.ceil(reset - now)))
        return Decision(True, self.limit, self.limit - used - 1, reset, 0)

    def hit(self, bucket: str) -> Decision:
        """Count one request from `bucket` if it fits, and say whether it did."""
        decision = self.decide(bucket)
        if decision.allowed:
            self._counts[bucket] = self._counts.get(bucket, 0) + 1
        return decision


def hit_all(windows: Sequence[FixedWindow], bucket: str) -> Decision:
    """One request against several windows: counted in all only if all have room.

    Returns the first refusing window's decision, or else the one with the least room left.
    """
    decisions = [w.decide(bucket) for w in windows]
    refused = [d for d in decisions if not d.allowed]
    if refused:
        return refused[0]
    for window in windows:
        window.hit(bucket)
    return min(decisions, key=lambda d: d.remaining)
