"""What the core needs from the storage of notification hubs, rules and devices (store/hubs.py
implements it on SQLite and PostgreSQL), as core/ports.py declares the rest of the store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from turnout.core.hub_writes import Decide, Device
from turnout.core.hubs import Hub, Rule

KEEP = object()  # update_hub: leave this setting as it is

NewRule = tuple[str, str, str, str | None]  # name, rights text, primary key, secondary key
CheckDelete = Callable[[Device | None, int], None]


class HubStore(Protocol):
    async def create_hub(
        self,
        tenant_id: int,
        name: str,
        quota: int | None,
        ttl: int | None,
        rules: Sequence[NewRule],
        now: int,
    ) -> Hub: ...
    async def find_hub(self, tenant_id: int, name: str) -> Hub | None: ...
    async def list_hubs(self, tenant_id: int) -> list[Hub]: ...
    async def update_hub(
        self, tenant_id: int, name: str, quota: Any, ttl: Any, rate: Any = KEEP
    ) -> Hub | None: ...
    async def delete_hub(self, tenant_id: int, name: str) -> bool: ...
    async def add_rule(
        self, tenant_id: int, hub_id: int | None, rule: NewRule, now: int
    ) -> None: ...
    async def find_rule(self, name: str) -> Rule | None: ...
    async def list_rules(self, tenant_id: int) -> list[Rule]: ...
    async def set_rule_keys(
        self, tenant_id: int, name: str, primary: str, secondary: str | None
    ) -> bool: ...
    async def delete_rule(self, tenant_id: int, name: str) -> bool: ...

    async def get_device(self, hub_id: int, kind: str, device_id: str) -> Device | None: ...
    async def write_device(
        self, hub: Hub, kind: str, device_id: str, decide: Decide, now: int, new_id: bool = False
    ) -> tuple[Device, bool]:
        """Decide and apply one write, and record its webhook messages, in one transaction.
        `new_id`: the server just chose this ID, so it is assumed unused (a store may then skip
        reading it; a collision is still caught)."""
        ...

    async def delete_device(
        self, hub: Hub, kind: str, device_id: str, check: CheckDelete, now: int
    ) -> bool: ...
    async def list_devices(
        self, hub_id: int, now: int, after: int, limit: int, offset: int, tag: str | None
    ) -> list[Device]: ...
    async def devices_by_handle(
        self, hub_id: int, handles: Sequence[str], now: int, after: int, limit: int
    ) -> list[Device]: ...
    async def purge(self, now: int, tombstones_before: int) -> int: ...
