"""Field types the response declarations of every surface share (surfaces/*/shapes.py).

A response body is declared once, as a Struct that forbids unknown fields: the OpenAPI document
derives its schema from it, and tests/test_openapi_live.py decodes real answers strictly against it.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from turnout.core.limits import ID_PATTERN, MAX_ID_LENGTH, whole

UTC_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


class Shape(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A response body: every field it may carry, and no other."""


def utc(description: str) -> Meta:
    """A UTC instant as every surface writes it (YYYY-MM-DDTHH:MM:SSZ), for Annotated[str, …]."""
    return Meta(pattern=UTC_PATTERN, description=description, examples=["2025-01-24T12:30:00Z"])


def count(description: str, maximum: int | None = None) -> Meta:
    """A counter, for Annotated[int, …]."""
    return Meta(ge=0, le=maximum, description=description)


ClientId = Annotated[str, Meta(pattern=whole(ID_PATTERN), max_length=MAX_ID_LENGTH)]
