"""Registration metadata's names for the attendee (the OpenID claim names), and the form in which
emails are compared. What metadata may hold is declared once, with the body it comes in
(surfaces/cronofy/parse.py MetadataObject, its limits from core/limits.py)."""

from __future__ import annotations

from turnout.core.model import Metadata

EMAIL, NAME, PHONE = "email", "name", "phone_number"


def email_key(metadata: Metadata | None) -> str | None:
    """The form in which emails are compared for the one-active-registration-per-email rule."""
    email = (metadata or {}).get(EMAIL)
    return email.strip().lower() if isinstance(email, str) and email.strip() else None
