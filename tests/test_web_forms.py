"""The web app's registration form: the attendee's fields become metadata, within metadata's
limits (core/limits.py), with the words /v1 uses for the same refusal."""

from __future__ import annotations

import pytest

from turnout.core.errors import ValidationFailed
from turnout.core.limits import MAX_GUESTS, MAX_METADATA_STRING
from turnout.web.forms import new_registration


def test_the_attendee_fields_become_metadata() -> None:
    changes = new_registration({"name": " Ada ", "email": "ada@example.com", "phone_number": ""})
    assert changes.metadata == {"name": "Ada", "email": "ada@example.com"}


def test_an_attendee_field_past_metadatas_limit_is_refused() -> None:
    too_long = "x" * (MAX_METADATA_STRING + 1)
    with pytest.raises(ValidationFailed) as refused:
        new_registration({"name": too_long, "email": "x" * MAX_METADATA_STRING})
    found = [(e.field, e.code, e.message) for e in refused.value.errors]
    assert found == [("metadata.name", "too_long", f"at most {MAX_METADATA_STRING} characters")]


def test_guests_are_bounded_by_the_shared_limit() -> None:
    assert new_registration({"name": "A", "guest_count": str(MAX_GUESTS)}).guest_count == MAX_GUESTS
    with pytest.raises(ValidationFailed):
        new_registration({"name": "A", "guest_count": str(MAX_GUESTS + 1)})
