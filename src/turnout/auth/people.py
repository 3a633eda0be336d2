"""Organizer accounts of a tenant, their passwords and their sessions (docs/DASHBOARD.md).

Passwords are hashed with Argon2id (argon2-cffi's defaults), off the event loop. A new person, or one
whose password is reset, gets a one-time set-password link; only the HMAC of its token is stored,
and spending it is a guarded UPDATE. A session is a random token in a cookie; the database keeps its
HMAC, so sessions hold across server processes, and "sign out everywhere" deletes them all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import re
import secrets
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from turnout.store.base import Store
from turnout.store.people import PeopleStore, PersonRecord

__all__ = ["PersonRecord"]

ROLES: Final = ("owner", "staff", "door")
# What each role may do; a page asks for the least role it needs.
_RANK: Final = {"door": 0, "staff": 1, "owner": 2}
SETUP_SECONDS: Final = 7 * 24 * 3600  # a set-password link works for a week
SESSION_SECONDS: Final = 14 * 24 * 3600
MIN_PASSWORD: Final = 10
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\Z")
_hasher = PasswordHasher()
# Verified against when the email is unknown, so an unknown email costs as much time as a wrong password.
_DUMMY_HASH: Final = _hasher.hash(secrets.token_hex(16))


class PersonError(ValueError):
    """A person's details cannot be used; the message says why."""


@dataclasses.dataclass(frozen=True, slots=True)
class Person:
    id: int
    tenant_id: int
    tenant_name: str
    email: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this person's role includes `role`'s permissions (owner > staff > door)."""
        return _RANK[self.role] >= _RANK[role]

    @classmethod
    def of(cls, record: PersonRecord) -> Person:
        return cls(record.id, record.tenant_id, record.tenant_name, record.email, record.role)


@dataclasses.dataclass(frozen=True, slots=True)
class Session:
    person: Person
    csrf: str
    token_hash: bytes


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise PersonError(f"{email!r} is not an email address")
    return email


def token_hash(secret: bytes, purpose: str, token: str) -> bytes:
    return hmac.new(secret, f"{purpose}:{token}".encode(), hashlib.sha256).digest()


async def create_person(
    store: Store, secret: bytes, tenant_id: int, email: str, role: str, now: int
) -> str:
    """Add a person without a password; returns the one-time set-password token."""
    if role not in ROLES:
        raise PersonError(f"role must be one of {', '.join(ROLES)}")
    token = secrets.token_urlsafe(32)
    people = PeopleStore(store)
    email = normal_email(email)
    if await people.find_by_email(email) is not None:
        raise PersonError(f"{email} already has an account")
    await people.add_person(
        tenant_id, email, role, token_hash(secret, "setup", token), now + SETUP_SECONDS, now
    )
    return token


async def reset_person(store: Store, secret: bytes, person_id: int, now: int) -> str:
    token = secrets.token_urlsafe(32)
    await PeopleStore(store).reset_person(
        person_id, token_hash(secret, "setup", token), now + SETUP_SECONDS
    )
    return token


async def set_password(store: Store, secret: bytes, token: str, password: str, now: int) -> bool:
    """Spend a set-password token. False: the token is unknown, used or expired."""
    if len(password) < MIN_PASSWORD:
        raise PersonError(f"a password has at least {MIN_PASSWORD} characters")
    hashed = await asyncio.to_thread(_hasher.hash, password)
    return await PeopleStore(store).set_password(token_hash(secret, "setup", token), hashed, now)


async def check_password(store: Store, email: str, password: str) -> Person | None:
    """The person, if `password` is theirs; None for an unknown email or a wrong password."""
    try:
        record = await PeopleStore(store).find_by_email(normal_email(email))
    except PersonError:
        record = None
    stored = record.password_hash if record is not None else None
    ok = await asyncio.to_thread(_verify, stored or _DUMMY_HASH, password)
    return Person.of(record) if ok and record is not None and stored else None


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def start_session(store: Store, secret: bytes, person: Person, now: int) -> str:
    """A new session for `person`; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    sessions = PeopleStore(store)
    await sessions.purge_sessions(now)  # expired ones no longer work; this only tidies them away
    await sessions.add_session(
        token_hash(secret, "session", token), person.id, csrf, now, now + SESSION_SECONDS
    )
    return token


async def find_session(store: Store, secret: bytes, token: str, now: int) -> Session | None:
    hashed = token_hash(secret, "session", token)
    found = await PeopleStore(store).find_session(hashed, now)
    return None if found is None else Session(Person.of(found[0]), found[1], hashed)
