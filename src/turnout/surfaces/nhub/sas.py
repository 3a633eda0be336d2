"""Shared Access Signature tokens (spec notification-hubs §3.2–3.3): parsing, signature, audience.

The string to sign is `sr` exactly as the client sent it, so every client's encoding (upper- or
lower-case hex, with or without path and query) verifies without re-encoding anything.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import unquote, unquote_plus

_PREFIX = "sharedaccesssignature "


class TokenRefused(Exception):
    """401: `code` is the x-ms-error-code, the message the Detail."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


MALFORMED = ("MalformedToken", "The authorization header is missing or malformed.")
EXPIRED = ("ExpiredToken", "The token is expired.")
BAD_SIGNATURE = ("InvalidSignature", "The token has an invalid signature.")
WRONG_AUDIENCE = (
    "InvalidAudience",
    "The authorization header contains a token with a wrong audience.",
)


@dataclasses.dataclass(frozen=True, slots=True)
class Token:
    sr: str  # as received
    sig: str  # as received
    se: str
    skn: str  # percent-decoded

    @property
    def key_name(self) -> str:
        return self.skn


def parse(header: str | None) -> Token:
    if header is None or not header[: len(_PREFIX)].lower() == _PREFIX:
        raise TokenRefused(*MALFORMED)
    fields: dict[str, list[str]] = {}
    for part in header[len(_PREFIX) :].strip().split("&"):
        name, sep, value = part.partition("=")
        if not sep:
            raise TokenRefused(*MALFORMED)
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    try:
        (sr,), (sig,), (se,), (skn,) = (fields[n] for n in ("sr", "sig", "se", "skn"))
    except (KeyError, ValueError):
        raise TokenRefused(*MALFORMED) from None
    return Token(sr, sig, se, unquote(skn))


def check_expiry(token: Token, now: int) -> None:
    if not (token.se.isascii() and token.se.isdigit()):
        raise TokenRefused(*MALFORMED)
    if int(token.se) <= now:
        raise TokenRefused(*EXPIRED)


def signature(key: str, sr: str, se: str) -> str:
    """Padded standard base64 of HMAC-SHA256(UTF-8 key string, `sr` + "\\n" + `se`)."""
    digest = hmac.new(key.encode(), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_signature(token: Token, keys: Iterable[str]) -> None:
    received = unquote(token.sig).replace(" ", "+")  # decoded once, never plus-decoded
    for key in keys:
        if hmac.compare_digest(signature(key, token.sr, token.se).encode(), received.encode()):
            return
    raise TokenRefused(*BAD_SIGNATURE)


def check_audience(token: Token, hosts: Iterable[str] | None, path: str) -> None:
    """`hosts`: the request Host and the public base authority (None: host not checked)."""
    audience = unquote_plus(token.sr).lower()
    if "://" in audience:
        audience = audience.split("://", 1)[1]
    audience = audience.split("?", 1)[0]
    host, _, rest = audience.partition("/")
    if hosts is not None and _strip_port(host) not in {_strip_port(h.lower()) for h in hosts}:
        raise TokenRefused(*WRONG_AUDIENCE)
    scope = ("/" + rest).rstrip("/")
    if not scope:
        return
    for candidate in {path.lower(), unquote(path).lower()}:
        if candidate.rstrip("/") == scope or candidate.startswith(scope + "/"):
            return
    raise TokenRefused(*WRONG_AUDIENCE)


def _strip_port(host: str) -> str:
    for default in (":443", ":80"):
        if host.endswith(default):
            return host.removesuffix(default)
    return host
