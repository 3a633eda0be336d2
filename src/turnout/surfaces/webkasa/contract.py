"""The /api/v1 registration bodies declared once, as msgspec Structs with limits from core/limits.py.

A body is decoded whole against its Struct first; the lenient and cross-field steps (trimming, the
email shape, case-insensitive status readings) follow as small explicit checks. Anything that does
not pass — an unknown or ignored field included — goes to parse.registration_fields, which checks
field by field and reports every error at once. tests/test_bodies_fast_path.py holds both to the
same answer."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from turnout.core.limits import MAX_ATTENDEE_TEXT, MAX_GUESTS, MAX_NOTES
from turnout.surfaces.webkasa.mapping import READINGS
from turnout.surfaces.webkasa.parse import EMAIL_SHAPE

Text = Annotated[str, Meta(max_length=MAX_ATTENDEE_TEXT)]


class RegistrationFields(Struct, forbid_unknown_fields=True):
    """W6's and W8's body: on create, attendee_email and attendee_name are required."""

    attendee_email: Text | UnsetType = UNSET
    attendee_name: Text | UnsetType = UNSET
    attendee_phone: Text | UnsetType | None = UNSET
    status: str | UnsetType = UNSET  # a reading, in any case, trimmed: checked after the decode
    guest_count: Annotated[int, Meta(ge=0, le=MAX_GUESTS)] | UnsetType = UNSET
    notes: Annotated[str, Meta(max_length=MAX_NOTES)] | UnsetType | None = UNSET


_REGISTRATION = msgspec.json.Decoder(RegistrationFields)


def fast_registration_fields(raw: bytes, creating: bool) -> dict[str, Any] | None:
    """What parse.registration_fields gives, when the body decodes whole and passes; else None."""
    if b"\\u0000" in raw:
        return None
    try:
        body = _REGISTRATION.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    out = {f: v for f in body.__struct_fields__ if (v := getattr(body, f)) is not UNSET}
    if creating:
        if body.attendee_email is UNSET or body.attendee_name is UNSET:
            return None
        out.setdefault("status", "PENDING")
    for name in ("attendee_email", "attendee_name"):
        if name in out:
            out[name] = out[name].strip()
            if not out[name]:
                return None
    if "attendee_email" in out and not EMAIL_SHAPE.match(out["attendee_email"]):
        return None
    if "status" in out:
        out["status"] = out["status"].strip().upper()
        if out["status"] not in READINGS:
            return None
    return out
