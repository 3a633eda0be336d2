"""The one place a request body becomes data: bytes → a JSON object, or a FieldError on `body`
that says where and why. surfaces/fields.py then checks it against its declaration."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import msgspec
from starlette.requests import Request

from turnout.core.errors import FieldError, ValidationFailed
from turnout.surfaces.http import read_body

MALFORMED = "the body must be a JSON object"


def decode_object(
    body: bytes, empty_is: dict[str, Any] | None = None, content_type: str | None = None
) -> dict[str, Any]:
    """The body as a JSON object. Arrays, scalars, bad UTF-8 and NaN/Infinity are malformed; the
    refusal names the byte where decoding stopped, and hints at Content-Type when that is not JSON."""
    # Only no bytes at all is an empty body: "\x0b" or " " is malformed JSON, not {}.
    if not body and empty_is is not None:
        return dict(empty_is)
    try:
        value = msgspec.json.decode(body)
    except UnicodeDecodeError:
        # JSON text is UTF-8 (RFC 8259 §8.1); msgspec reports the offset within one string, so
        # find the offset within the body.
        raise _malformed(
            f"the body is not valid UTF-8 (byte {_utf8_error_at(body)})", content_type
        ) from None
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        raise _malformed(f"{MALFORMED}: {_reason(exc)}", content_type) from None
    if not isinstance(value, dict):
        raise _malformed(f"{MALFORMED}, not {_kind(value)}", content_type)
    # PostgreSQL text cannot hold NUL, so refuse it here for both databases alike. JSON can only
    # carry one escaped, so most bodies skip the walk.
    if b"\\u0000" in body and (field := _field_with_nul(value)):
        raise ValidationFailed([FieldError(field, "invalid", f"{field} must not contain NUL")])
    return value


def refuse_unknown(
    body: Mapping[str, Any],
    known: Collection[str],
    ignored: Collection[str] = (),
    instead: Mapping[str, str] | None = None,
) -> None:
    """Refuse fields neither `known` nor `ignored` (a vendor's own fields turnout does not use),
    naming the right field when a common mistake is known (`instead`)."""
    errors = []
    for name in body:
        if name in known or name in ignored:
            continue
        better = (instead or {}).get(name)
        hint = f"; did you mean {better}?" if better else ""
        errors.append(FieldError(name, "unknown_field", f"{name} is not a field here{hint}"))
    if errors:
        raise ValidationFailed(errors)


def _malformed(message: str, content_type: str | None) -> ValidationFailed:
    if content_type is not None and not _is_json(content_type):
        message += f" (the request says Content-Type: {content_type[:60]}; send application/json)"
    return ValidationFailed([FieldError("body", "invalid_json", message)])


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).removeprefix("JSON is malformed: ")


def _utf8_error_at(body: bytes) -> int:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0  # unreachable in practice: msgspec and Python agree on UTF-8


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if not isinstance(value, bool) else "a boolean"


def _field_with_nul(body: dict[str, Any]) -> str | None:
    """The first top-level key whose name or value holds a NUL character, at any depth."""
    for key, value in body.items():
        stack = [key, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and "\x00" in item:
                return key.replace("\x00", "") or "body"
            if isinstance(item, dict):
                stack += [*item.keys(), *item.values()]
            elif isinstance(item, list):
                stack += item
    return None


async def read_object(request: Request, limit: int) -> dict[str, Any]:
    """The request's body, at most `limit` bytes, as a JSON object; no body at all is `{}`."""
    raw = await read_body(request, limit)
    return decode_object(raw, empty_is={}, content_type=request.headers.get("content-type"))
