"""Pages of an event's registrations as /v1 JSON, each row rendered once per version.

A write's answer carries the event's first page, so without the cache every write rendered and
signed fifty rows that had not changed (issue 15's profile: a quarter of the time). A page is read
in two steps: its rows' (seq, version) pairs, then only the rows the cache lacks — on a warm cache,
no registration row is fetched or decoded at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import msgspec

from turnout.core.model import Event, Registration
from turnout.core.ports import RegistrationStore
from turnout.surfaces.cronofy.render import registration

_encode = msgspec.json.Encoder().encode


class Page(NamedTuple):
    rows: list[msgspec.Raw]  # each registration's JSON, in sequence order
    has_more: bool  # a row follows the last one
    last_seq: int  # the last row's sequence (0: no rows), where the next page starts


class RenderedRows:
    """Each registration's /v1 JSON (with its ticket code), encoded once per version and spliced into
    pages as raw bytes.

    Kept per (event pk, sequence) with the version it was rendered at: every change to a
    registration bumps its version (the one write path, core/registrations.py), events are never
    deleted, and a sequence is never reused, so (pk, seq, version) names one content forever —
    within one database. A newer version replaces the older one. The cache belongs to one app (one
    store), never to the process: test processes serve several databases. A migration that
    rewrote rows without bumping their versions would need a restart.
    """

    def __init__(self, ticket: Callable[[Event, Registration], str], size: int = 1 << 14) -> None:
        self._ticket = ticket
        self._size = size
        # One int per (pk, seq), _slot below: hashing it is cheaper than a tuple, on a hot path.
        self._rows: dict[int, tuple[int, msgspec.Raw]] = {}

    def __call__(self, event: Event, r: Registration) -> msgspec.Raw:
        slot = _slot(event.pk) + r.seq
        found = self._rows.get(slot)
        if found is not None and found[0] == r.version:
            return found[1]
        raw = msgspec.Raw(_encode(registration(r, self._ticket(event, r))))
        if len(self._rows) >= self._size:  # drop the oldest half (dicts keep insertion order)
            for old in list(self._rows)[: self._size // 2]:
                del self._rows[old]
        self._rows[slot] = (r.version, raw)
        return raw

    def given(self, event: Event, rows: list[Registration], size: int) -> Page:
        """The page of rows a write brought along (`size + 1` of them when more follow)."""
        shown = rows[:size]
        return Page(
            [self(event, r) for r in shown], len(rows) > size, shown[-1].seq if shown else 0
        )

    async def read(self, store: RegistrationStore, event: Event, after: int, size: int) -> Page:
        """Up to `size` rows of `event` after sequence `after`.

        The rows the cache lacks are read after their versions, so one of them may have changed in
        between: it is shown as it then is, a state it was committed in (each row is as of its own
        read, like the event's counters, which are read before the page).
        """
        found = await store.registration_versions(event.pk, after, size + 1)
        keys = found[:size]
        base, cached = _slot(event.pk), self._rows
        rendered: list[msgspec.Raw | None] = []
        missing: list[int] = []
        for seq, version in keys:
            hit = cached.get(base + seq)
            if hit is not None and hit[0] == version:
                rendered.append(hit[1])
            else:
                rendered.append(None)
                missing.append(seq)
        if missing:
            rows = await store.registrations_through(event.pk, missing[0] - 1, missing[-1])
            read = {r.seq: r for r in rows}
            rendered = [
                self(event, read[seq]) if raw is None else raw
                for (seq, _), raw in zip(keys, rendered, strict=True)
            ]
        # Every None was filled above.
        return Page(rendered, len(found) > size, keys[-1][0] if keys else 0)  # type: ignore[arg-type]


def _slot(event_pk: int) -> int:
    """The first of an event's cache slots: its rows' are this plus their sequence (below 2**40)."""
    return event_pk << 40
