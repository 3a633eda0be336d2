"""Registration metadata: at most 10 pairs; keys ≤ 64 characters; values are short strings,
32-bit integers or finite floats. Attendee identity lives under the OpenID claim names."""

from __future__ import annotations

import math
from typing import Any

from turnout.core.errors import FieldError
from turnout.core.limits import (
    INT32_MAX,
    INT32_MIN,
    MAX_METADATA_KEY,
    MAX_METADATA_PAIRS,
    MAX_METADATA_STRING,
)
from turnout.core.model import Metadata

EMAIL, NAME, PHONE = "email", "name", "phone_number"


def check_metadata(value: Any, field: str = "metadata") -> tuple[Metadata | None, list[FieldError]]:
    """Validate a metadata object (or null); every problem found is reported."""
    if value is None:
        return None, []
    if not isinstance(value, dict):
        return None, [FieldError(field, "invalid", "metadata must be an object or null")]
    errors: list[FieldError] = []
    if len(value) > MAX_METADATA_PAIRS:
        errors.append(
            FieldError(field, "too_many", f"metadata holds at most {MAX_METADATA_PAIRS} pairs")
        )
    for key, item in value.items():
        if key == "":
            errors.append(FieldError(field, "invalid", "metadata keys must not be empty"))
        elif len(key) > MAX_METADATA_KEY:
            errors.append(
                FieldError(
                    field, "too_long", f"metadata keys are at most {MAX_METADATA_KEY} characters"
                )
            )
        else:
            problem = check_value(f"{field}.{key}", item)
            if problem:
                errors.append(problem)
    return value, errors


def check_value(field: str, item: Any) -> FieldError | None:
    if isinstance(item, str):
        if len(item) > MAX_METADATA_STRING:
            return FieldError(field, "too_long", f"at most {MAX_METADATA_STRING} characters")
        return None
    if isinstance(item, bool) or item is None:
        return FieldError(field, "invalid", "must be a string, an integer or a number")
    if isinstance(item, int):
        if not INT32_MIN <= item <= INT32_MAX:
            return FieldError(field, "out_of_range", "integers must fit in 32 bits (signed)")
        return None
    if isinstance(item, float):
        return None if math.isfinite(item) else FieldError(field, "invalid", "must be finite")
    return FieldError(field, "invalid", "must be a string, an integer or a number")


def email_key(metadata: Metadata | None) -> str | None:
    """The form in which emails are compared for the one-active-registration-per-email rule."""
    email = (metadata or {}).get(EMAIL)
    return email.strip().lower() if isinstance(email, str) and email.strip() else None
