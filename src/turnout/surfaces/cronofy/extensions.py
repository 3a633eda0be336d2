"""The route records of turnout's own /v1 extensions for admin keys: keys and the tenant
(admin.py) and notification-hub management (hubs.py). The OpenAPI document is derived from these;
the admin scope they declare is checked by the route before any handler runs."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from turnout.auth.keys import ADMIN, MAX_GRACE
from turnout.core.errors import FieldError, NotFound, PayloadTooLarge, ValidationFailed
from turnout.core.hubs import HUB_NAME_PATTERN, RULE_NAME_PATTERN
from turnout.core.limits import whole
from turnout.surfaces.cronofy import shapes
from turnout.surfaces.cronofy.admin import KeyCreate, KeyRotation
from turnout.surfaces.cronofy.hubs import HubChange, HubCreate, HubRuleCreate
from turnout.surfaces.operation import Operation

KEYS = "Managing keys (turnout extension)"
HUBS = "Notification hubs"
_ADMIN = (
    " Needs a key with the admin scope (made with `turnout key create --scope admin`, or by "
    "another admin key); any other key is 403."
)
Prefix = Annotated[
    str,
    Meta(
        pattern=whole("[A-Za-z0-9_-]{1,64}"),
        description="The key's prefix (tk_ and 12 characters). Another tenant's key is 404.",
    ),
]
HubName = Annotated[
    str,
    Meta(
        pattern=whole(HUB_NAME_PATTERN),
        description="The hub's name, in any case.",
    ),
]
RuleName = Annotated[
    str, Meta(pattern=whole(RULE_NAME_PATTERN), description="The rule's (key's) name.")
]
NO_KEY = NotFound("no key with this prefix in this tenant")
NO_HUB = NotFound("no such hub")
NO_RULE = NotFound("no such rule")


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, code, message)])


def _admin(id: str, summary: str, description: str, tag: str, **more: Any) -> Operation:
    return Operation(
        id=id, summary=summary, description=description + _ADMIN, tag=tag, scopes=(ADMIN,), **more
    )


LIST_KEYS = _admin(
    "listApiKeys",
    "List this tenant's keys",
    "Every key of the tenant, oldest first, revoked and expired ones included.",
    KEYS,
    ok=shapes.KeyList,
)
CREATE_KEY = _admin(
    "createApiKey",
    "Make a key",
    "A new key for this tenant, with any scope, admin included: scope is space- or "
    "comma-separated (read, write, admin, events:read, …); expires_at a future "
    "YYYY-MM-DDTHH:MM:SSZ (default: never).",
    KEYS,
    ok=shapes.NewApiKey,
    body=KeyCreate,
    body_required=False,
    example={"scope": "read", "name": "reporting", "expires_at": None},
    errors=(
        PayloadTooLarge(),
        _invalid("scope", "invalid", "unknown scope 'owner'; scopes are read, write, …"),
    ),
    idempotent=True,
)
READ_KEY = _admin(
    "readApiKey",
    "Read one key",
    "One key of this tenant.",
    KEYS,
    ok=shapes.KeyEnvelope,
    path={"prefix": Prefix},
    errors=(NO_KEY,),
)
REVOKE_KEY = _admin(
    "revokeApiKey",
    "Revoke a key",
    "The key is refused from the next request on, in every server process. Revoking a revoked "
    "key changes nothing.",
    KEYS,
    ok=shapes.KeyEnvelope,
    path={"prefix": Prefix},
    errors=(NO_KEY,),
    idempotent=True,
)
ROTATE_KEY = _admin(
    "rotateApiKey",
    "Replace a key",
    "A new key with the old one's name, scopes and expiry; the old one keeps working for "
    "grace_seconds, then stops.",
    KEYS,
    ok=shapes.NewApiKey,
    body=KeyRotation,
    body_required=False,
    example={"grace_seconds": 3600},
    path={"prefix": Prefix},
    errors=(
        NO_KEY,
        PayloadTooLarge(),
        _invalid("grace_seconds", "out_of_range", f"grace_seconds is from 0 to {MAX_GRACE}"),
    ),
    idempotent=True,
)
READ_TENANT = _admin(
    "readTenant",
    "Read this tenant's settings",
    "The tenant's name and settings (change them with `turnout tenant set`).",
    KEYS,
    ok=shapes.TenantEnvelope,
)

_REFUSED = _invalid("name", "hub_refused", "hub name 'admin' is reserved for turnout's own paths")

LIST_HUBS = _admin(
    "listHubs",
    "List the tenant's notification hubs",
    "Hubs with their counts.",
    HUBS,
    ok=shapes.HubList,
)
CREATE_HUB = _admin(
    "createHub",
    "Create a notification hub",
    "Creates the hub and its rules {name}-listen and {name}-full, and answers their connection "
    "strings (shown only here).",
    HUBS,
    ok=shapes.HubCreated,
    body=HubCreate,
    example={"name": "myhub", "registration_quota": 1000},
    errors=(PayloadTooLarge(), _REFUSED),
    idempotent=True,
)
READ_HUB = _admin(
    "readHub",
    "Read a notification hub",
    "One hub.",
    HUBS,
    ok=shapes.HubOne,
    path={"name": HubName},
    errors=(NO_HUB,),
)
CHANGE_HUB = _admin(
    "changeHub",
    "Change a hub's quota or registration TTL",
    "Absent keys are kept; null means unlimited or never. Lowering the quota below the count "
    "evicts nothing; creates are refused until below.",
    HUBS,
    ok=shapes.HubOne,
    body=HubChange,
    example={"registration_quota": None},
    path={"name": HubName},
    errors=(NO_HUB, PayloadTooLarge(), _REFUSED),
    idempotent=True,
)
DELETE_HUB = _admin(
    "deleteHub",
    "Delete a notification hub",
    "Deletes the hub with its rules, registrations and installations.",
    HUBS,
    ok=shapes.Empty,
    path={"name": HubName},
    errors=(NO_HUB,),
    idempotent=True,
)
LIST_RULES = _admin(
    "listHubRules",
    "List the tenant's SAS rules",
    "Rules, without their keys.",
    HUBS,
    ok=shapes.HubRuleList,
)
CREATE_RULE = _admin(
    "createHubRule",
    "Create a SAS rule",
    "For one hub (`hub`) or every hub of the tenant; names are unique on the server. The "
    "connection string is shown only here.",
    HUBS,
    ok=shapes.HubRuleCreated,
    body=HubRuleCreate,
    example={"name": "backend", "hub": "myhub", "rights": ["listen"]},
    errors=(PayloadTooLarge(), _REFUSED),
    idempotent=True,
)
ROTATE_RULE = _admin(
    "rotateHubRule",
    "Rotate a SAS rule's key",
    "A new primary key; the old primary stays valid as the secondary until the next rotation.",
    HUBS,
    ok=shapes.HubConnection,
    path={"name": RuleName},
    errors=(NO_RULE,),
    idempotent=True,
)
DELETE_RULE = _admin(
    "deleteHubRule",
    "Delete a SAS rule",
    "Its keys stop working at once.",
    HUBS,
    ok=shapes.Empty,
    path={"name": RuleName},
    errors=(NO_RULE,),
    idempotent=True,
)
