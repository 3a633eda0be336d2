"""The core's errors. Each has a stable snake_case code; each surface renders them in its own shape."""

from __future__ import annotations

import dataclasses


class TurnoutError(Exception):
    code = "error"


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One problem with one input field. `field` is dotted for nested values (`registration.capacity`)."""

    field: str
    code: str  # one of FIELD_CODES
    message: str


FIELD_CODES = (
    *("required", "invalid", "too_long", "too_many", "must_be_integer", "out_of_range"),
    *("invalid_json", "unknown_field"),
)


class ValidationFailed(TurnoutError):
    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class NotFound(TurnoutError):
    code = "not_found"


class CapacityReached(TurnoutError):
    code = "capacity_reached"
    # The input field that asked for the seats, when the surface knows it (its errors name it).
    field: str | None = None

    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"{requested} seats requested, {available} available")
        self.requested = requested
        self.available = available


class EventCancelled(TurnoutError):
    code = "event_cancelled"


class DuplicateRegistration(TurnoutError):
    code = "duplicate_registration"


class RegistrationCancelled(TurnoutError):
    code = "registration_cancelled"


class Unauthenticated(TurnoutError):
    code = "unauthenticated"


class Forbidden(TurnoutError):
    code = "insufficient_scope"

    def __init__(self, needed: str) -> None:
        super().__init__(f"this key lacks the {needed} scope")
        self.needed = needed


class PayloadTooLarge(TurnoutError):
    code = "payload_too_large"


class Unavailable(TurnoutError):
    """The database is unreachable or contended; the client should retry after a moment."""

    code = "service_unavailable"


class PreconditionFailed(TurnoutError):
    """If-Match or If-None-Match does not hold (412)."""

    code = "etag_mismatch"


class PreconditionRequired(TurnoutError):
    """The tenant requires If-Match or If-None-Match on writes, and there was none (428)."""

    code = "precondition_required"


class BadHeader(TurnoutError):
    """A request header turnout reads (Idempotency-Key, If-Match, ...) is malformed (400)."""

    code = "invalid_header"

    def __init__(self, header: str, message: str) -> None:
        super().__init__(f"{header}: {message}")
        self.header = header
        self.message = message


class IdempotencyInProgress(TurnoutError):
    """A request with the same Idempotency-Key is still being processed (409, Retry-After)."""

    code = "idempotency_in_progress"
    retry_after = 1


class IdempotencyKeyReused(TurnoutError):
    """The Idempotency-Key was used before with a different request (422)."""

    code = "idempotency_key_reused"
