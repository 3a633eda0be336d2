"""The registration operations of the surface (spec notification-hubs §4): parse, ask the core,
render. Installations are in installations.py."""

from __future__ import annotations

import time
from collections.abc import Sequence

from msgspec import UNSET
from starlette.responses import Response

from turnout.core import hub_lists
from turnout.core.devices import (
    DeviceInputError,
    DeviceMissing,
    RegistrationGone,
    check_tag,
    new_registration_id,
    usable_registration_id,
)
from turnout.core.hub_lists import HubPageKind
from turnout.core.hub_writes import (
    REGISTRATION,
    Device,
    IdTaken,
    check_delete,
    create_registration,
    parse_if_match,
    put_registration,
)
from turnout.surfaces.nhub import installations, records, render
from turnout.surfaces.nhub.parse import parse_description
from turnout.surfaces.nhub.routes import Call, Operation
from turnout.surfaces.query import Query as QueryOf

ENTRY = "application/atom+xml;type=entry;charset=utf-8"
FEED = "application/atom+xml;type=feed;charset=utf-8"


def _now() -> int:
    return int(time.time())


def _empty(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status, headers=headers)


def _entry(call: Call, device: Device) -> Response:
    url = call.url("registrations", device.id)
    headers = {"ETag": f'W/"{device.version}"', "Content-Location": url}
    return Response(render.entry(device, url), 200, headers=headers, media_type=ENTRY)


async def create_registration_id(call: Call) -> Response:
    registration_id = new_registration_id()
    headers = {
        "Location": call.url("registrationids", registration_id),
        "Content-Location": call.url("registrations", registration_id),
    }
    return _empty(201, headers)


async def create(call: Call) -> Response:
    description = parse_description(call.body)
    decide = create_registration(description, call.hub.registration_ttl)
    for _ in range(5):
        try:
            registration_id = new_registration_id()
            device, _ = await call.hubs.write_device(
                call.hub, REGISTRATION, registration_id, decide, _now(), new_id=True
            )
            return _entry(call, device)
        except IdTaken:
            continue
    raise RuntimeError("five generated registration IDs were all taken")


async def put(call: Call) -> Response:
    if_match = parse_if_match(call.request.headers.get("if-match"))
    description = parse_description(call.body)
    decide = put_registration(description, call.path_id, if_match, call.hub.registration_ttl)
    if not usable_registration_id(call.path_id):  # 410 without a look-up (decide says so too)
        raise RegistrationGone(call.path_id)
    device, _ = await call.hubs.write_device(call.hub, REGISTRATION, call.path_id, decide, _now())
    return _entry(call, device)


async def get(call: Call) -> Response:
    if not usable_registration_id(call.path_id):  # never stored: no look-up
        raise DeviceMissing(call.path_id)
    device = await call.hubs.get_device(call.hub.id, REGISTRATION, call.path_id)
    if device is None or not device.live(_now()):
        raise DeviceMissing(call.path_id)
    return _entry(call, device)


async def delete(call: Call) -> Response:
    if_match = parse_if_match(call.request.headers.get("if-match"))
    check = check_delete(call.path_id, if_match)
    if not usable_registration_id(call.path_id):
        raise DeviceMissing(call.path_id)
    await call.hubs.delete_device(call.hub, REGISTRATION, call.path_id, check, _now())
    return _empty(200)


Query = tuple[HubPageKind, str]  # a list's kind and its normalised tag or filter


# A list's query, read through its record's Struct; a refusal is one InvalidQuery, the first field's.
LISTING = QueryOf(
    records.Listing,
    {
        "$top": {"*": ("", "$top must be a whole number.")},
        "$skip": {"*": ("", f"$skip must be a whole number up to {hub_lists.MAX_SKIP}.")},
    },
    refuse=lambda errors: DeviceInputError("InvalidQuery", errors[0].message),
    blank_is_absent=True,  # the service reads ?$top= as no $top
)


def _paging(call: Call, query: Query) -> tuple[int, int, int]:
    """(top, skip, after) from $top, $skip and the continuation token bound to `query`: $top 0 is
    the default, and above the most is the most."""
    given = LISTING.read(call.params)
    top = hub_lists.DEFAULT_TOP if given.top in (UNSET, 0) else min(given.top, hub_lists.MAX_TOP)
    skip = 0 if given.skip is UNSET else given.skip
    token = call.params.get("continuationtoken")
    if token and "$skip" in call.params:
        raise DeviceInputError("InvalidQuery", "$skip cannot be used with a continuation token.")
    after = call.tokens.decode(token, call.hub, *query) if token else 0
    return top, skip, after


def _feed(call: Call, rows: Sequence[Device], top: int, query: Query) -> Response:
    headers = {}
    if len(rows) > top:
        rows = rows[:top]
        token = call.tokens.encode(call.hub, *query, top, rows[-1].pk)
        headers["X-MS-ContinuationToken"] = token
    url = f"https://{call.authority}{call.request.url.path}" + (
        f"?{call.request.url.query}" if call.request.url.query else ""
    )
    body = render.feed(rows, url, lambda rid: call.url("registrations", rid), _now())
    return Response(body, 200, headers=headers, media_type=FEED)


async def list_all(call: Call) -> Response:
    query = (HubPageKind.ALL, "")
    top, skip, after = _paging(call, query)
    rows = await call.hubs.list_devices(call.hub.id, _now(), after, top + 1, skip, None)
    return _feed(call, rows, top, query)


async def list_by_tag(call: Call) -> Response:
    tag = check_tag(call.path_id)
    if "$filter" in call.params:
        raise hub_lists.unsupported()
    query = (HubPageKind.BY_TAG, tag)
    top, skip, after = _paging(call, query)
    rows = await call.hubs.list_devices(call.hub.id, _now(), after, top + 1, skip, tag)
    return _feed(call, rows, top, query)


async def list_by_channel(call: Call) -> Response:
    clauses = hub_lists.parse_filter(call.params["$filter"])
    query = (HubPageKind.BY_CHANNEL, repr([(c.field, c.values) for c in clauses]))
    top, skip, after = _paging(call, query)
    handles = hub_lists.handle_candidates(clauses)
    found = []
    if handles:
        found = await call.hubs.devices_by_handle(
            call.hub.id, handles, _now(), after, hub_lists.MAX_SKIP
        )
    rows = [d for d in found if hub_lists.matches(d, clauses)][skip : skip + top + 1]
    return _feed(call, rows, top, query)


OPERATIONS: dict[str, Operation] = {
    "create_registration_id": create_registration_id,
    "create_registration": create,
    "put_registration": put,
    "get_registration": get,
    "delete_registration": delete,
    "list_registrations": list_all,
    "list_by_tag": list_by_tag,
    "list_by_channel": list_by_channel,
    **installations.OPERATIONS,
}
