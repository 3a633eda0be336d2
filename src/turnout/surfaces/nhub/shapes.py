"""The JSON answers of the surface's installations (spec notification-hubs §7): the OpenAPI
document derives their schemas from them and tests/test_openapi_live.py decodes real answers
strictly against them. What PUT takes is declared in the core (core/installations.py
InstallationPut), since a patched installation is checked against it too. Registrations are Atom
XML (render.py), documented by example."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from turnout.core.installations import BrowserChannel, InstallationTemplate
from turnout.surfaces.shapes import Shape


class Installation(Shape):
    """An installation as GET answers it: keys in the real service's order, with
    pushChannelExpired and expirationTime."""

    installationId: str
    pushChannel: str | BrowserChannel
    pushChannelExpired: Annotated[bool, Meta(description="Always false: turnout sends nothing.")]
    platform: Annotated[str, Meta(examples=["apns", "fcmv1", "wns", "browser"])]
    expirationTime: Annotated[
        str, Meta(description="When it expires; 9999-12-31T23:59:59.9999999Z: never.")
    ]
    tags: list[str] | UnsetType = UNSET
    userId: str | UnsetType = UNSET
    pushVariables: dict[str, str] | UnsetType = UNSET
    templates: dict[str, InstallationTemplate] | UnsetType = UNSET
    secondaryTiles: dict[str, Any] | UnsetType = UNSET


class InstallationPatchOperation(Shape):
    """One JSON-Patch operation (RFC 6902's add, remove and replace)."""

    op: Annotated[str, Meta(examples=["add", "remove", "replace"])]
    path: Annotated[str, Meta(examples=["/tags", "/tags/likes_football"])]
    value: Any = UNSET
