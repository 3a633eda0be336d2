"""Identifiers: client-chosen ones follow one pattern; generated ones are a prefix and 20 random chars."""

from __future__ import annotations

import re
import secrets
import string

from turnout.core.errors import FieldError

MAX_ID_LENGTH = 64
_ID = re.compile(r"[A-Za-z0-9_-]+\Z")
_ALPHABET = string.ascii_letters + string.digits


def check_id(field: str, value: object) -> FieldError | None:
    if value is None:
        return FieldError(field, "required", f"{field} is required")
    if not isinstance(value, str) or not _ID.match(value):
        return FieldError(field, "invalid", f"{field} must match [A-Za-z0-9_-]{{1,64}}")
    if len(value) > MAX_ID_LENGTH:
        return FieldError(field, "too_long", f"{field} must be at most {MAX_ID_LENGTH} characters")
    return None


def could_exist(value: str) -> bool:
    """Whether any object can have this id. Lookups by one that cannot (from a path, say) are
    answered "not found" without asking the database, which may refuse such text (NUL)."""
    return check_id("id", value) is None


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(20))
