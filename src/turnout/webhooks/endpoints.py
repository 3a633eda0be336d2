"""Webhook endpoints: their record, the rules for their fields, and how /v1 renders them."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import msgspec

from turnout.core import limits
from turnout.core.errors import FieldError, ValidationFailed
from turnout.core.notices import NOTICE_TYPES
from turnout.core.times import format_utc

MAX_URL = limits.MAX_WEBHOOK_URL
MAX_DESCRIPTION = limits.MAX_WEBHOOK_DESCRIPTION


class Endpoint(msgspec.Struct, frozen=True):
    pk: int
    tenant_id: int
    id: str
    url: str
    description: str | None
    event_types: tuple[str, ...]  # ("*",) for every type
    enabled: bool
    disabled_reason: str | None
    signing: str  # "v1" (HMAC-SHA256) or "v1a" (Ed25519)
    created_at: int
    updated_at: int


def new_id() -> str:
    return "we_" + secrets.token_hex(10)


def stored_types(types: tuple[str, ...]) -> str:
    """The event_types column: space-separated and padded (store/outbox.py matches ` type `)."""
    return " " + " ".join(types) + " "


def types_from_column(column: str) -> tuple[str, ...]:
    return tuple(column.split())


def check_url(url: object, allow_http: bool) -> str:
    """An absolute https URL (http too when the operator opened networks for it)."""
    schemes = ("https", "http") if allow_http else ("https",)
    if not isinstance(url, str) or len(url) > MAX_URL:
        raise _invalid("url", f"url must be a string of at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise _invalid("url", "url is not a valid URL") from None
    if parts.scheme not in schemes or not parts.hostname or not port_ok:
        wanted = "https" + (" or http" if allow_http else "")
        raise _invalid("url", f"url must be an absolute {wanted} URL")
    if parts.username or parts.password:
        raise _invalid("url", "url must not carry a user name or password")
    return url


def check_types(types: object) -> tuple[str, ...]:
    """A non-empty list of known event types, or ["*"]."""
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise _invalid("event_types", 'event_types must be a non-empty list of types, or ["*"]')
    if types == ["*"]:
        return ("*",)
    unknown = [t for t in types if t not in NOTICE_TYPES]
    if unknown:
        raise _invalid("event_types", f"unknown event type {unknown[0]!r}")
    return tuple(sorted(set(types)))


def check_description(value: object) -> str | None:
    if value is None or (isinstance(value, str) and len(value) <= MAX_DESCRIPTION):
        return value
    raise _invalid(
        "description", f"description must be text of at most {MAX_DESCRIPTION} characters"
    )


def render(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "signing": endpoint.signing,
        "created_at": format_utc(endpoint.created_at),
        "updated_at": format_utc(endpoint.updated_at),
    }


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, "invalid", message)])
