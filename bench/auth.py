"""What reading the key's row on every request costs (docs/PERFORMANCE.md, "Authentication").

    python -m bench.auth [--database-url postgresql://...] [--calls 5000]

Times `Authenticator.authenticate` for one valid key, which reads the key's row each time so that a
revocation applies to the next request in every process, beside the HMAC alone: what a request cost
when lookups were cached per process (the cache hit still computed the HMAC). Prints microseconds
per call for both and their difference.
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
        started = time.perf_counter()
        for _ in range(calls):
            await auth.authenticate(key)
        per_call = (time.perf_counter() - started) / calls * 1e6
        started = time.perf_counter()
        for _ in range(calls):
            keys.hash_key(secret, key)
        hmac_only = (time.perf_counter() - started) / calls * 1e6
    finally:
        await store.close()
    return {"authenticate_us": per_call, "hmac_only_us": hmac_only}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/auth.db"
        result = asyncio.run(measure(url, args.calls))
    label = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"{label}: authenticate {result['authenticate_us']:.1f} µs/call, HMAC alone "
        f"{result['hmac_only_us']:.1f} µs/call: the row read adds "
        f"{result['authenticate_us'] - result['hmac_only_us']:.1f} µs per request"
    )


if __name__ == "__main__":
    main()
