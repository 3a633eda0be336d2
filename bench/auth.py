"""What authenticating a request costs (docs/PERFORMANCE.md, "Authentication").

    python -m bench.auth [--database-url postgresql://...] [--calls 5000]

Times `Authenticator.authenticate` for one valid key beside the HMAC alone. On SQLite every call
reads the key's row. On PostgreSQL it is timed twice: with the NOTIFY-invalidated key cache
listening (store/postgres/keycache.py: no read), and with the cache off (a row read per call, as
when the LISTEN connection is lost). Prints microseconds per call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time

from turnout.auth import keys
from turnout.config import Settings
from turnout.core import times
from turnout.store import open_store


async def measure(database_url: str, calls: int) -> dict[str, float]:
    secret = os.urandom(32).hex().encode()
    store = await open_store(Settings(database_url=database_url, secret=secret.decode()))
    try:
        await store.migrate()
        tenant = await store.create_tenant("bench_" + os.urandom(4).hex(), times.now())
        key = await keys.create_key(store, secret, tenant.id, "write", None, times.now())
        auth = keys.Authenticator(store, secret)
        await auth.authenticate(key)  # warm: the last use is written now, not while timed
        result = {}
        cache = getattr(store, "keys", None)
        if cache is not None:  # PostgreSQL: first with the cache listening
            for _ in range(200):
                if cache.live:
                    break
                await asyncio.sleep(0.05)
            await auth.authenticate(key)  # remembered now
            result["cached_us"] = await _timed(auth, key, calls)
            store.keys = None  # type: ignore[attr-defined]
        result["authenticate_us"] = await _timed(auth, key, calls)
        if cache is not None:
            store.keys = cache  # type: ignore[attr-defined]
        started = time.perf_counter()
        for _ in range(calls):
            keys.hash_key(secret, key)
        result["hmac_only_us"] = (time.perf_counter() - started) / calls * 1e6
    finally:
        await store.close()
    return result


async def _timed(auth: keys.Authenticator, key: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await auth.authenticate(key)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/auth.db"
        result = asyncio.run(measure(url, args.calls))
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    cached = (
        f"with the key cache {result['cached_us']:.1f} µs/call; " if "cached_us" in result else ""
    )
    print(
        f"{label}: {cached}reading the key's row {result['authenticate_us']:.1f} µs/call; HMAC "
        f"alone {result['hmac_only_us']:.1f} µs/call: the row read adds "
        f"{result['authenticate_us'] - result['hmac_only_us']:.1f} µs per request"
    )


if __name__ == "__main__":
    main()
