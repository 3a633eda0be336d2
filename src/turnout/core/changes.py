"""`KEEP` marks a field a command leaves as it is, distinct from `None`, which clears it."""

from __future__ import annotations

import enum
from typing import Final


class Keep(enum.Enum):
    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP
