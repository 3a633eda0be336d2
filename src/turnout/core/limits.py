"""Every field limit, defined once. Parsers, the OpenAPI document and the docs read these; the SQL
CHECKs in store/migrations repeat the ones the database enforces, and tests/test_limits_declared.py
holds the two in step."""

from __future__ import annotations

# Identifiers chosen by clients, and tenant names.
MAX_ID_LENGTH = 64
ID_PATTERN = r"[A-Za-z0-9_-]+"
MAX_TENANT_NAME = 64

# Organizer accounts (web app), webhook endpoints, API keys' names, notification hubs and rules.
MIN_PERSON_EMAIL, MAX_PERSON_EMAIL = 3, 254  # RFC 5321's path limit
MIN_WEBHOOK_URL, MAX_WEBHOOK_URL = 8, 2000  # "https://" at the least
MAX_WEBHOOK_DESCRIPTION = 500
MAX_KEY_NAME = 200
MAX_HUB_NAME, MAX_HUB_RULE_NAME = 64, 256  # core/hubs.py says which characters

# Seats.
MAX_CAPACITY = 2**31 - 1  # /v1 registration.capacity and /api/v1 slots: a 32-bit signed integer
MAX_GUESTS = 9999  # guest_count, on every surface
MAX_NOTES = 2000  # registration notes, in characters

# Registration metadata (/v1) and the attendee fields it holds (/api/v1).
MAX_METADATA_PAIRS = 10
MAX_METADATA_KEY = 64
MAX_METADATA_STRING = 256
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
MAX_ATTENDEE_TEXT = MAX_METADATA_STRING  # attendee_name, attendee_email, attendee_phone

# /api/v1 event text and money.
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_LOCATION = 500
MAX_COST = 10**9  # dollars

# Notification hubs (core/hub_admin.py): what their BIGINT columns and the expiry arithmetic hold.
MAX_HUB_QUOTA = 2**31 - 1  # registrations + installations
MAX_HUB_TTL_SECONDS = 100 * 365 * 86400  # a century; now + TTL stays far inside a BIGINT
MAX_HUB_RATE = 2**31 - 1  # requests per second
# Their installations (core/installations.py, spec notification-hubs §7).
MAX_INSTALLATION_ID = 255
MAX_PUSH_CHANNEL = 2048  # a string pushChannel, in characters
MAX_TEMPLATE_NAME = 200

# Lists and paging.
MAX_AVAILABILITY_IDS = 100
DEFAULT_LIMIT, MAX_LIMIT = 50, 100
MAX_OFFSET = 10**9


def whole(regex: str) -> str:
    """A declared `pattern` that `regex` must match whole, read alike by msgspec (Python's
    `re.search`) and by the OpenAPI document's ECMA-262: the end is "no character follows", as `$`
    differs between them at a final newline and `\\Z` is no ECMA regex (tests/test_openapi.py)."""
    return f"^(?:{regex})(?![\\s\\S])"
