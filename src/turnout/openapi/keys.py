"""The /v1 key-management extension (surfaces/cronofy/admin.py): turnout's own, not Cronofy's."""

from __future__ import annotations

from typing import Any

from turnout.auth.keys import MAX_GRACE, ROTATION_GRACE, SCOPES
from turnout.config import Settings
from turnout.openapi.build import (
    ID_PATTERN,
    error,
    object_schema,
    ok,
    path_param,
    ref,
    rendered,
    too_large,
    utc,
)
from turnout.openapi.cronofy.operations import _field_error as field_error
from turnout.openapi.cronofy.operations import _invalid as invalid
from turnout.openapi.cronofy.operations import _v1 as v1_operation

TAG = "Managing keys (turnout extension)"
_ADMIN = (
    " Needs a key with the admin scope (made with `turnout key create --scope admin`, or by "
    "another admin key); any other key is 403."
)


def paths(settings: Settings) -> dict[str, Any]:
    limit = too_large(settings.max_body_bytes)
    return {
        "/v1/keys": {"get": _list(), "post": _create(limit)},
        "/v1/keys/{prefix}": {"get": _read(), "delete": _revoke()},
        "/v1/keys/{prefix}/rotate": {"post": _rotate(limit)},
        "/v1/tenant": {"get": _tenant()},
    }


def schemas() -> dict[str, Any]:
    return {
        "ApiKey": rendered(
            {
                "prefix": {"type": "string", "pattern": "^tk_[A-Za-z0-9]{12}$"},
                "name": {"type": ["string", "null"]},
                "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}},
                "created_at": utc("When the key was made."),
                "last_used_at": utc("Its last use, to the minute; null: never.", nullable=True),
                "expires_at": utc("When it stops working; null: never.", nullable=True),
                "revoked_at": utc("When it was revoked; null: it was not.", nullable=True),
                "state": {"type": "string", "enum": ["active", "expired", "revoked"]},
            },
            "A key as turnout shows it: never the key itself, which only its creation answers.",
        ),
        "NewApiKey": object_schema(
            {
                "key": ref("ApiKey"),
                "api_key": {
                    "type": "string",
                    "pattern": "^tk_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}$",
                    "description": "The key, shown this once; only its HMAC is stored.",
                },
                "replaces": ref("ApiKey"),
            },
            ["key", "api_key"],
            "A new key. After a rotation, `replaces` is the old key with its new expires_at.",
        ),
    }


def _prefix() -> dict[str, Any]:
    return path_param(
        "prefix",
        "The key's prefix (tk_ and 12 characters). Another tenant's key is 404.",
        {"type": "string", "pattern": ID_PATTERN},
    )


def _list() -> dict[str, Any]:
    return v1_operation(
        "listApiKeys",
        TAG,
        "List this tenant's keys",
        "Every key of the tenant, oldest first, revoked and expired ones included." + _ADMIN,
        ok("The keys.", {"type": "object", "properties": {"keys": {"items": ref("ApiKey")}}}),
        {},
    )


def _create(too_large: dict[str, Any]) -> dict[str, Any]:
    body = {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "scope": {"type": "string", "description": "Default write."},
                        "name": {"type": ["string", "null"], "maxLength": 200},
                        "expires_at": utc("Default: never.", nullable=True),
                    },
                },
                "example": {"scope": "read", "name": "reporting", "expires_at": None},
            }
        },
    }
    return v1_operation(
        "createApiKey",
        TAG,
        "Make a key",
        "A new key for this tenant, with any scope, admin included." + _ADMIN,
        ok("The new key, shown this once.", ref("NewApiKey")),
        {
            **too_large,
            "422": invalid(
                "A scope, name or expires_at that is not allowed (every field error is reported).",
                field_error("scope", "invalid", "unknown scope 'owner'; scopes are read, write, …"),
            ),
        },
        body=body,
    )


def _read() -> dict[str, Any]:
    return v1_operation(
        "readApiKey",
        TAG,
        "Read one key",
        "One key of this tenant." + _ADMIN,
        ok("The key.", {"type": "object", "properties": {"key": ref("ApiKey")}}),
        {"404": error("No key with this prefix in this tenant.")},
        parameters=[_prefix()],
    )


def _revoke() -> dict[str, Any]:
    return v1_operation(
        "revokeApiKey",
        TAG,
        "Revoke a key",
        "The key is refused from the next request on, in every server process. Revoking a "
        "revoked key changes nothing." + _ADMIN,
        ok("The key, revoked.", {"type": "object", "properties": {"key": ref("ApiKey")}}),
        {"404": error("No key with this prefix in this tenant.")},
        parameters=[_prefix()],
    )


def _rotate(too_large: dict[str, Any]) -> dict[str, Any]:
    body = {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grace_seconds": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": MAX_GRACE,
                            "description": f"How long the old key keeps working; default "
                            f"{ROTATION_GRACE} (a day).",
                        }
                    },
                },
                "example": {"grace_seconds": 3600},
            }
        },
    }
    return v1_operation(
        "rotateApiKey",
        TAG,
        "Replace a key",
        "A new key with the old one's name, scopes and expiry; the old one keeps working for "
        "grace_seconds, then stops." + _ADMIN,
        ok("The new key, shown this once, and the old one.", ref("NewApiKey")),
        {
            **too_large,
            "404": error("No key with this prefix in this tenant."),
            "422": invalid(
                "grace_seconds out of range, or the old key is already revoked or expired.",
                field_error("grace_seconds", "out_of_range", "grace_seconds is from 0 to 2592000"),
            ),
        },
        parameters=[_prefix()],
        body=body,
    )


def _tenant() -> dict[str, Any]:
    tenant = {
        "type": "object",
        "properties": {
            "tenant": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "require_precondition": {"type": "boolean"},
                    "cors_origins": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    }
    return v1_operation(
        "readTenant",
        TAG,
        "Read this tenant's settings",
        "The tenant's name and settings (change them with `turnout tenant set`)." + _ADMIN,
        ok("The tenant.", tenant),
        {},
    )
