"""Every core error has an entry in every surface's error table, and renders as what it declares.

Today's gap this closes: /v1 let DuplicateRegistration and RegistrationCancelled fall through to a
500, and its documented error keys left out four that it emits."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request

from turnout.config import Settings
from turnout.core import errors
from turnout.core.devices import DeviceInputError
from turnout.core.errors import FieldError, TurnoutError
from turnout.openapi import document
from turnout.surfaces.cronofy import errors as cronofy
from turnout.surfaces.webkasa import errors as webkasa


def _all_errors() -> list[type[TurnoutError]]:
    found, stack = [], [TurnoutError]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def _sample(cls: type[TurnoutError]) -> TurnoutError:
    if cls is errors.ValidationFailed:
        return cls([FieldError("notes", "too_long", "x")])
    if cls is errors.CapacityReached:
        return cls(3, 1)
    if cls is errors.Forbidden:
        return cls("events:write")
    if cls is errors.BadHeader:
        return cls("If-Match", "bad")
    if cls is DeviceInputError:
        return cls("BadRequest", "bad")
    return cls("x")


def _request(path_params: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [],
        "path_params": path_params,
    }
    return Request(scope)


@pytest.mark.parametrize("cls", _all_errors(), ids=lambda c: c.__name__)
def test_every_core_error_renders_on_every_surface(cls: type[TurnoutError]) -> None:
    v1, api = cronofy.entry_for(cls), webkasa.entry_for(cls)
    assert v1 is not None and api is not None
    exc = _sample(cls)
    on_v1 = cronofy.core_error(_request({}), exc)
    assert on_v1.status_code == v1.status
    keys = {e["key"] for v in json.loads(on_v1.body).get("errors", {}).values() for e in v}
    assert keys <= {f"errors.{k}" for k in v1.keys}
    on_api = webkasa.core_error(_request({"event_id": "evt_1"}), exc)
    assert on_api.status_code == api.status
    assert json.loads(on_api.body)["code"] == api.code


def test_v1_documents_every_key_it_emits() -> None:
    text = json.dumps(document(Settings(secret="s" * 64)))
    for key in cronofy.ERROR_KEYS:
        assert f"errors.{key}" in text, key
    for key in ("etag_mismatch", "precondition_required", "idempotency_in_progress"):
        assert key in cronofy.ERROR_KEYS


@pytest.mark.parametrize(
    ("params", "missing", "message"),
    [
        ({"event_id": "evt_1"}, "evt_1", "Event not found"),
        (
            {"event_id": "evt_1", "registration_id": "reg_2"},
            "reg_2",
            "Registration not found in this event",
        ),
        ({"event_id": "evt_1", "registration_id": "reg_2"}, "evt_1", "Event not found"),
    ],
)
def test_api_v1_404_names_what_is_missing(
    params: dict[str, str], missing: str, message: str
) -> None:
    response = webkasa.core_error(_request(params), errors.NotFound(missing))
    assert json.loads(response.body) == {"error": message, "code": "NOT_FOUND"}
