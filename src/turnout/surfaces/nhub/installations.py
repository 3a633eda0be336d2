"""The installation operations of the surface (spec notification-hubs §7): JSON in, JSON out."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from turnout.core import installations
from turnout.core.devices import DeviceMissing
from turnout.core.hub_writes import INSTALLATION
from turnout.surfaces.nhub import render

if TYPE_CHECKING:
    from turnout.surfaces.nhub.routes import Call, Operation

JSON = "application/json; charset=utf-8"


def _json_body(call: Call) -> Any:
    try:
        return json.loads(call.body)
    except ValueError:
        raise installations.invalid("Failed to parse the request body.") from None


def _expiration(expires_at: int | None) -> str:
    return render.NEVER if expires_at is None else render.instant(expires_at)


def _written(call: Call) -> Response:
    headers = {"Content-Location": call.url("installations", call.path_id)}
    return Response(b"", 200, headers=headers)


async def put(call: Call) -> Response:
    installation_id = installations.usable_id(call.path_id)
    decide = installations.put(installation_id, _json_body(call), call.hub.registration_ttl)
    await call.hubs.write_device(call.hub, INSTALLATION, installation_id, decide, int(time.time()))
    return _written(call)


async def patch(call: Call) -> Response:
    installation_id = installations.usable_id(call.path_id)
    decide = installations.patch(installation_id, _json_body(call), call.hub.registration_ttl)
    await call.hubs.write_device(call.hub, INSTALLATION, installation_id, decide, int(time.time()))
    return _written(call)


async def get(call: Call) -> Response:
    device = None
    if installations.plausible_id(call.path_id):  # else never stored: no look-up
        device = await call.hubs.get_device(call.hub.id, INSTALLATION, call.path_id)
    if device is None or not device.live(int(time.time())):
        raise DeviceMissing(call.path_id)
    body = installations.ordered(json.loads(device.body), device.expires_at, _expiration)
    return Response(json.dumps(body, separators=(",", ":")), 200, media_type=JSON)


async def delete(call: Call) -> Response:
    if not installations.plausible_id(call.path_id):
        return Response(b"", 204)  # 204 even if absent (spec §7), and this one cannot exist
    await call.hubs.delete_device(
        call.hub, INSTALLATION, call.path_id, lambda _old, _now: None, int(time.time())
    )
    return Response(b"", 204)


OPERATIONS: dict[str, Operation] = {
    "put_installation": put,
    "patch_installation": patch,
    "get_installation": get,
    "delete_installation": delete,
}
