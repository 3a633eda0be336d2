"""RFC 6750 §3 `WWW-Authenticate` challenges for refused credentials, on every surface.

Per §3.1, a request that sent no credential gets a bare challenge, with no error code: it was not an
error to ask without one. A credential that was sent but refused gets `invalid_token`; a key without
the permission gets `insufficient_scope` (on a 403) and the scope that would do.
"""

from __future__ import annotations

import re

from turnout.auth import keys
from turnout.core.errors import Forbidden, Unauthenticated

REALM = "turnout"

# A quoted-string here may hold %x20-21 / %x23-5B / %x5D-7E only (RFC 6750 §3): no quote, no
# backslash, nothing outside printable ASCII.
_NOT_ALLOWED = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")

# The /v1 scope that grants each permission, for a 403's `scope` attribute.
_SCOPE_FOR = {
    keys.EVENTS_READ: "read",
    keys.REGISTRATIONS_READ: "read",
    keys.EVENTS_WRITE: "write",
    keys.REGISTRATIONS_WRITE: "write",
    keys.ADMIN: "admin",
}


def _quoted(text: str) -> str:
    return '"' + _NOT_ALLOWED.sub("'", text.replace('"', "'")) + '"'


def problem_and_fix(exc: Unauthenticated | Forbidden) -> tuple[str, str]:
    if isinstance(exc, keys.KeyRefused):
        return str(exc), exc.fix
    if isinstance(exc, Forbidden):
        scope = _SCOPE_FOR.get(exc.needed, exc.needed)
        return (
            f"this key lacks the {exc.needed} permission",
            f"use a key with the {scope} scope (turnout key create --scope {scope})",
        )
    return str(
        exc
    ) or "the credential was refused", "send a valid key: Authorization: Bearer tk_..."


def challenge(exc: Unauthenticated | Forbidden) -> str:
    """The WWW-Authenticate value for a 401 or 403."""
    if isinstance(exc, keys.KeyRefused) and not exc.presented:
        return f'Bearer realm="{REALM}"'
    problem, fix = problem_and_fix(exc)
    if isinstance(exc, Forbidden):
        scope = _SCOPE_FOR.get(exc.needed, exc.needed)
        return (
            f'Bearer realm="{REALM}", error="insufficient_scope", '
            f'error_description={_quoted(f"{problem}; {fix}")}, scope="{scope}"'
        )
    return (
        f'Bearer realm="{REALM}", error="invalid_token", '
        f"error_description={_quoted(f'{problem}; {fix}')}"
    )
