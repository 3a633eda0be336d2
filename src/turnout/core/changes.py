"""`KEEP` marks a field a command leaves as it is, distinct from `None`, which clears it."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Final


class Keep(enum.Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP


def plain_fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict, without dataclasses.asdict's deep copy (hot paths use this)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def given_fields(changes: Any) -> dict[str, Any]:
    """The fields of a command that are set, i.e. not KEEP."""
    return {name: value for name, value in plain_fields(changes).items() if value is not KEEP}
