"""Which webhook messages a device write produces, and how a device reads in them (docs/WEBHOOKS.md).

Registrations and installations of a notification hub have no /v1 rendering, so this is turnout's
native one: snake_case, instants as /v1 writes them, the description or installation as stored.
Both stores call these on the state a write leaves, inside the write's transaction (store/hubs*.py),
so a refused or rolled-back write produces nothing, and a write that changes nothing (the no-op
rule) is never asked.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from turnout.core.devices import Description
from turnout.core.hub_writes import INSTALLATION, Device, DeviceWrite
from turnout.core.hubs import Hub
from turnout.core.notices import Notice, NoticeType
from turnout.core.times import format_utc


@dataclasses.dataclass(frozen=True, slots=True)
class DeviceState:
    """A notice's subject: one device of one hub, as the change left it (as it was, for a delete)."""

    hub: str
    device: Device


def after(kind: str, device_id: str, old: Device | None, change: DeviceWrite, now: int) -> Device:
    """The device a write leaves, before the store has its row id (messages do not show it)."""
    created = now if change.fresh or old is None else old.created_at
    pk = old.pk if old is not None else 0
    return Device(
        pk, kind, device_id, change.version, change.platform, change.handle, change.body,
        created, now, change.expires_at,
    )  # fmt: skip


def written(hub: Hub, old: Device | None, change: DeviceWrite, new: Device) -> list[Notice]:
    """hub.{kind}.created for a new device (or one replacing an expired row), else .updated."""
    verb = "created" if change.fresh else "updated"
    return [_notice(hub, new, verb, new.updated_at)]


def deleted(hub: Hub, old: Device, now: int) -> list[Notice]:
    return [_notice(hub, old, "deleted", now)]


def _notice(hub: Hub, device: Device, verb: str, at: int) -> Notice:
    kind: NoticeType = f"hub.{device.kind}.{verb}"  # type: ignore[assignment]
    key = f"hub:{hub.id}:{device.kind}:{device.id}"
    return Notice(kind, at, key, DeviceState(hub.name, device), "")


def data(state: DeviceState) -> dict[str, Any]:
    device = state.device
    rendered: dict[str, Any] = {
        "hub": state.hub,
        "kind": device.kind,
        "id": device.id,
        "version": device.version,
        "platform": device.platform,
        "handle": device.handle,
    }
    if device.kind == INSTALLATION:
        installation = json.loads(device.body)
        rendered["tags"] = installation.get("tags", [])
        rendered["installation"] = installation
    else:
        description = Description.from_json(device.body)
        rendered["tags"] = list(description.tags)
        rendered["description"] = _description(description)
    rendered["created_at"] = format_utc(device.created_at)
    rendered["updated_at"] = format_utc(device.updated_at)
    rendered["expires_at"] = None if device.expires_at is None else format_utc(device.expires_at)
    return rendered


def _description(description: Description) -> dict[str, Any]:
    """The type and members by their wire names; header lists as objects, PushVariables parsed."""
    members: dict[str, Any] = {"type": description.type_name}
    for name, value in description.members:
        members[name] = value if isinstance(value, str) else dict(value)
    if description.push_variables is not None:
        members["PushVariables"] = json.loads(description.push_variables)
    return members
