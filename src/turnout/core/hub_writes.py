"""How a registration or installation write goes (spec notification-hubs §4.1, §4.4–4.6, §6, §7).

The store reads the stored row and whether the ID is tombstoned, and asks a `decide` function here
for the write; it then applies it in the same transaction, creating rows only through the hub's
quota guard. A `decide` is pure, so the store may call it again after a lost race.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from turnout.core.devices import (
    Description,
    DeviceInputError,
    DeviceMissing,
    RegistrationGone,
    VersionMismatch,
    usable_registration_id,
)

REGISTRATION, INSTALLATION = "registration", "installation"


@dataclasses.dataclass(frozen=True, slots=True)
class Device:
    pk: int
    kind: str
    id: str
    version: int
    platform: str
    handle: str
    body: str
    created_at: int
    updated_at: int
    expires_at: int | None

    def live(self, now: int) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceWrite:
    """The state a write leaves. `fresh`: a new device at version 1 (replacing an expired row, if
    one is still stored); otherwise an overwrite of the live one at `version`."""

    platform: str
    handle: str
    body: str
    tags: tuple[str, ...]
    version: int
    expires_at: int | None
    fresh: bool


# decide(stored row or None, tombstoned, now) → the write, or None to change nothing.
Decide = Callable[[Device | None, bool, int], DeviceWrite | None]


@dataclasses.dataclass(frozen=True, slots=True)
class IfMatch:
    any: bool = False
    versions: frozenset[int] = frozenset()

    def matches(self, version: int) -> bool:
        return self.any or version in self.versions


def parse_if_match(value: str | None) -> IfMatch | None:
    """None when absent. `*`, `"n"`, `W/"n"` or a bare `n`, comma-separated; a well-formed
    non-numeric tag never matches; empty or unbalanced quotes → 400 InvalidETag."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    versions: set[int] = set()
    for part in parts:
        if part == "*":
            return IfMatch(any=True)
        tag = part.removeprefix("W/")
        if tag.startswith('"') or tag.endswith('"'):
            if len(tag) < 2 or not (tag.startswith('"') and tag.endswith('"')) or '"' in tag[1:-1]:
                raise _bad_etag()
            tag = tag[1:-1]
        if not tag:
            raise _bad_etag()
        if tag.isascii() and tag.isdigit():
            versions.add(int(tag))
    return IfMatch(versions=frozenset(versions))


def _bad_etag() -> DeviceInputError:
    return DeviceInputError(
        "InvalidETag",
        'The ETag header is either missing or invalid. It should be "*", or a quoted ETag.',
    )


def expiry(ttl: int | None, now: int) -> int | None:
    return None if ttl is None else now + ttl


def put_registration(
    description: Description, registration_id: str, if_match: IfMatch | None, ttl: int | None
) -> Decide:
    """PUT /registrations/{id}: create without If-Match, else overwrite; equal bodies change nothing."""

    def decide(old: Device | None, tombstoned: bool, now: int) -> DeviceWrite | None:
        if tombstoned or not usable_registration_id(registration_id):
            raise RegistrationGone(registration_id)
        live = old if old is not None and old.live(now) else None
        if live is None and if_match is not None:
            raise DeviceMissing(registration_id)
        if live is not None and Description.from_json(live.body) == description:
            return None  # the no-op rule: retries and concurrent identical creates converge
        if live is not None and if_match is not None and not if_match.matches(live.version):
            raise VersionMismatch(registration_id)
        return _write(description, live, ttl, now)

    return decide


def create_registration(description: Description, ttl: int | None) -> Decide:
    """POST /registrations: a new, server-chosen ID; `IdTaken` asks the caller for another one."""

    def decide(old: Device | None, tombstoned: bool, now: int) -> DeviceWrite | None:
        if old is not None or tombstoned:
            raise IdTaken()
        return _write(description, None, ttl, now)

    return decide


class IdTaken(Exception):
    """A generated ID is already in use (2^-126 odds): generate another."""


def _write(description: Description, live: Device | None, ttl: int | None, now: int) -> DeviceWrite:
    return DeviceWrite(
        platform=description.platform,
        handle=description.handle,
        body=description.to_json(),
        tags=description.tags,
        version=1 if live is None else live.version + 1,
        expires_at=expiry(ttl, now),
        fresh=live is None,
    )


def check_delete(
    registration_id: str, if_match: IfMatch | None
) -> Callable[[Device | None, int], None]:
    """DELETE /registrations/{id}: absent If-Match means `*`; missing → 404, mismatch → 412."""

    def check(old: Device | None, now: int) -> None:
        if old is None or not old.live(now):
            raise DeviceMissing(registration_id)
        if if_match is not None and not if_match.matches(old.version):
            raise VersionMismatch(registration_id)

    return check
