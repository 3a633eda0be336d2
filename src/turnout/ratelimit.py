"""Per-key request limits in fixed one-minute windows, kept in this process.

Reads and writes have separate budgets (Webkasa publishes 300 GET and 100 other requests a minute per
key). A window starts on the minute, so `reset` is the same for every client: the next whole minute.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

WINDOW_SECONDS = 60


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # Unix time, in seconds, when the window ends
    retry_after: int  # seconds until a refused client may try again (≥ 1); 0 when allowed


class RateLimiter:
    def __init__(
        self, reads_per_window: int, writes_per_window: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._limits = {True: reads_per_window, False: writes_per_window}
        self._clock = clock
        self._window = -1
        self._counts: dict[tuple[str, bool], int] = {}

    def hit(self, bucket: str, is_read: bool) -> Decision:
        """Count one request against `bucket`, and say whether it may proceed."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        if window != self._window:  # a new minute: every bucket starts again
            self._window, self._counts = window, {}
        reset = (window + 1) * WINDOW_SECONDS
        limit = self._limits[is_read]
        used = self._counts.get((bucket, is_read), 0)
        if used >= limit:
            return Decision(False, limit, 0, reset, max(1, math.ceil(reset - now)))
        self._counts[(bucket, is_read)] = used + 1
        return Decision(True, limit, limit - used - 1, reset, 0)
