"""Release many requests at once over real HTTP, from a barrier of client threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import httpx

Request = Callable[[httpx.Client], httpx.Response]


def burst(
    url: str, key: str, requests: Sequence[Request], threads: int = 50
) -> list[httpx.Response]:
    """Run `requests` from `threads` clients that start together; responses in request order."""
    barrier = threading.Barrier(threads)
    responses: list[httpx.Response | None] = [None] * len(requests)

    def client(worker: int) -> None:
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as http:
            barrier.wait()
            for i in range(worker, len(requests), threads):
                responses[i] = requests[i](http)

    workers = [threading.Thread(target=client, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(r is not None for r in responses)
    return [r for r in responses if r is not None]


class Sampler:
    """Reads a value over and over in the background while a burst runs."""

    def __init__(self, read: Callable[[], int]) -> None:
        self.read = read
        self.seen: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.append(self.read())

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
