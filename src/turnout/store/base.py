"""The store's interface, as the core declares it (core/ports.py): re-exported for the backends."""

from turnout.core.ports import (
    ApiKeyRecord,
    DecideEvent,
    DecideRegistration,
    EventFields,
    EventQuery,
    RegistrationFilter,
    RegistrationWrite,
    Store,
    TenantExists,
    WriteResult,
)

__all__ = [
    "ApiKeyRecord",
    "DecideEvent",
    "DecideRegistration",
    "EventFields",
    "EventQuery",
    "RegistrationFilter",
    "RegistrationWrite",
    "Store",
    "TenantExists",
    "WriteResult",
]
