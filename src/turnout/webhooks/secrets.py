"""Signing secrets: made, shown once, stored sealed under the server secret, and used to sign.

A secret must be usable to sign, so it cannot be hashed like an API key; it is encrypted with
AES-256-GCM under a key derived from the server secret (a stolen database alone signs nothing).
`v1` secrets are `whsec_<base64 of 32 bytes>` (HMAC-SHA256); `v1a` secrets are Ed25519 keys, shown as
`whsk_<base64 private key>` with the public key receivers hold, `whpk_<base64>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_PURPOSE = b"turnout webhook signing secrets v1"


def _sealing_key(server_secret: bytes) -> bytes:
    return hmac.new(server_secret, _PURPOSE, hashlib.sha256).digest()


def seal(server_secret: bytes, raw: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_sealing_key(server_secret)).encrypt(nonce, raw, _PURPOSE)


def unseal(server_secret: bytes, sealed: bytes) -> bytes:
    return AESGCM(_sealing_key(server_secret)).decrypt(sealed[:12], sealed[12:], _PURPOSE)


def new_raw(signing: str) -> bytes:
    """32 random bytes: an HMAC key (v1) or an Ed25519 private key (v1a)."""
    return os.urandom(32)


def shown(signing: str, raw: bytes) -> dict[str, str]:
    """What the API shows once: the secret, and for v1a the public key receivers verify with."""
    if signing == "v1":
        return {"secret": "whsec_" + base64.b64encode(raw).decode()}
    public = Ed25519PrivateKey.from_private_bytes(raw).public_key()
    return {
        "secret": "whsk_" + base64.b64encode(raw).decode(),
        "public_key": "whpk_"
        + base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
    }


def sign(signing: str, raw: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks signature, `v1,<base64>` or `v1a,<base64>`, over `id.timestamp.body`."""
    content = f"{message_id}.{timestamp}.".encode() + body
    if signing == "v1":
        digest = hmac.new(raw, content, hashlib.sha256).digest()
    else:
        digest = Ed25519PrivateKey.from_private_bytes(raw).sign(content)
    return f"{signing},{base64.b64encode(digest).decode()}"
