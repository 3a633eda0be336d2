"""Rate limits counted in Redis, so that every server process shares them.

Each decision is one round trip: a Lua script checks every window of the request and counts it in
all of them or in none, atomically. Counters are keyed by policy, window and bucket, under the
operator's prefix, and expire just after their window ends.

While Redis is unreachable the limiter fails open to counting in this process (each process then
enforces the limits on its own) and logs one warning; it tries Redis again every few seconds. A
Redis outage should cost precision in limiting, never requests: the API itself does not need Redis.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from turnout.ratelimit import Decision, LocalLimiter, Policy, decide

log = logging.getLogger("turnout.ratelimit")

# KEYS: the windows' counters; ARGV: their limits, then their lifetimes in seconds.
# Replies {1 if counted else 0, each counter's value}.
HIT = """
local n = #KEYS
local used = {}
for i = 1, n do
  used[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
end
for i = 1, n do
  if used[i] >= tonumber(ARGV[i]) then
    return {0, unpack(used)}
  end
end
for i = 1, n do
  used[i] = redis.call('INCR', KEYS[i])
  if used[i] == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[n + i])
  end
end
return {1, unpack(used)}
"""

TIMEOUT_SECONDS = 0.5  # Redis is near: a slower answer means trouble, and requests wait for it
RETRY_AFTER_SECONDS = 5.0  # while Redis is down, how often one request tries it again


class RedisLimiter:
    def __init__(self, url: str, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis.asyncio.Redis.from_url(
            url,
            socket_timeout=TIMEOUT_SECONDS,
            socket_connect_timeout=TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),  # one fresh connection if a pooled one went stale
        )
        self._hit = self._redis.register_script(HIT)
        self._prefix = prefix + "rl:"
        self._clock = clock
        self._fallback = LocalLimiter(clock)
        self._down_until: float | None = None  # time.monotonic() of the next try; None: up

    async def hit(self, policies: Sequence[Policy], bucket: str) -> Decision:
        if self._down_until is not None and time.monotonic() < self._down_until:
            return self._fallback.hit_now(policies, bucket)
        now = self._clock()
        keys = [f"{self._prefix}{p.name}:{int(now // p.seconds)}:{bucket}" for p in policies]
        args = [p.limit for p in policies] + [p.seconds + 1 for p in policies]
        try:
            reply = await self._hit(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            if self._down_until is None:
                log.warning(
                    "rate limits: Redis is unreachable (%s: %s); counting in this process, "
                    "so each process enforces the limits on its own, until it answers again",
                    type(exc).__name__,
                    exc,
                )
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return self._fallback.hit_now(policies, bucket)
        if self._down_until is not None:
            log.warning("rate limits: Redis answers again; limits are shared again")
            self._down_until = None
        return decide(policies, [int(v) for v in reply[1:]], reply[0] == 1, now)

    def describe(self) -> str:
        return "redis" if self._down_until is None else "in-process (redis unreachable)"

    async def close(self) -> None:
        await self._redis.aclose()
