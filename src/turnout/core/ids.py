"""Identifiers: client-chosen ones follow one pattern; generated ones are a prefix and 20 random chars."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

from turnout.core.errors import FieldError
from turnout.core.limits import ID_PATTERN, MAX_ID_LENGTH

_ID = re.compile(ID_PATTERN + r"\Z")
_ALPHABET = string.ascii_letters + string.digits
_WHOLE = 256 - 256 % len(_ALPHABET)  # bytes below this map onto the alphabet evenly


def check_id(field: str, value: object) -> FieldError | None:
    if value is None:
        return FieldError(field, "required", f"{field} is required")
    if not isinstance(value, str) or not _ID.match(value):
        return FieldError(field, "invalid", f"{field} must match [A-Za-z0-9_-]{{1,64}}")
    if len(value) > MAX_ID_LENGTH:
        return FieldError(field, "too_long", f"{field} must be at most {MAX_ID_LENGTH} characters")
    return None


def could_exist(value: str) -> bool:
    """Whether `value` could name a stored object. Every stored id passed `check_id` (or was made
    by `new_id`), so any other value names nothing, and is answered without asking the database
    (PostgreSQL refuses text holding NUL, which a path may carry as %00)."""
    return len(value) <= MAX_ID_LENGTH and _ID.match(value) is not None


def new_id(prefix: str, seed: bytes | None = None) -> str:
    """A fresh id; with a `seed`, the same id for the same seed (a retried create finds its object)."""
    if seed is None:
        return prefix + random_text(20)
    digest = hashlib.sha256(seed).digest()
    return prefix + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:20])


def random_text(n: int) -> str:
    """`n` letters and digits from the OS's random source, each as likely as any other. One read of
    the source for all of them: `secrets.choice` per character read it once each (21 µs an id,
    now 2). A byte at or past `_WHOLE` is skipped, so that no character is likelier than another."""
    chars = ""
    while len(chars) < n:
        found = [_ALPHABET[b % len(_ALPHABET)] for b in secrets.token_bytes(n + 8) if b < _WHOLE]
        chars += "".join(found)
    return chars[:n]
