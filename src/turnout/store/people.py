"""The web app's people, sessions and check-in log, on either database (store/sqlexec.py)."""

from __future__ import annotations

import dataclasses

from turnout.store.base import Store
from turnout.store.sqlexec import Row, sql_for

_PERSON = "p.id, p.tenant_id, t.name, p.email, p.role, p.password_hash"
_FROM = " FROM people p JOIN tenants t ON t.id = p.tenant_id"


@dataclasses.dataclass(frozen=True, slots=True)
class PersonRecord:
    id: int
    tenant_id: int
    tenant_name: str
    email: str
    role: str
    password_hash: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class CheckInRecord:
    person_email: str
    checked_in_count: int
    at: int


def _person(row: Row) -> PersonRecord:
    return PersonRecord(int(row[0]), int(row[1]), row[2], row[3], row[4], row[5])


class PeopleStore:
    def __init__(self, store: Store) -> None:
        self.sql = sql_for(store)

    async def add_person(
        self, tenant_id: int, email: str, role: str, setup_hash: bytes, expires_at: int, now: int
    ) -> int:
        rows = await self.sql.write(
            "INSERT INTO people (tenant_id, email, role, setup_hash, setup_expires_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            tenant_id,
            email,
            role,
            setup_hash,
            expires_at,
            now,
        )
        return int(rows[0][0])

    async def find_by_email(self, email: str) -> PersonRecord | None:
        rows = await self.sql.rows(f"SELECT {_PERSON}{_FROM} WHERE p.email = ?", email)
        return _person(rows[0]) if rows else None

    async def list_people(self, tenant_id: int) -> list[PersonRecord]:
        sql = f"SELECT {_PERSON}{_FROM} WHERE p.tenant_id = ? ORDER BY p.email"
        return [_person(r) for r in await self.sql.rows(sql, tenant_id)]

    async def reset_person(self, person_id: int, setup_hash: bytes, expires_at: int) -> None:
        """Clear the password, end every session, and issue a new set-password token."""
        await self.sql.count("DELETE FROM sessions WHERE person_id = ?", person_id)
        await self.sql.count(
            "UPDATE people SET password_hash = NULL, setup_hash = ?, setup_expires_at = ?"
            " WHERE id = ?",
            setup_hash,
            expires_at,
            person_id,
        )

    async def delete_person(self, person_id: int) -> None:
        await self.sql.count("DELETE FROM sessions WHERE person_id = ?", person_id)
        await self.sql.count("DELETE FROM people WHERE id = ?", person_id)

    async def set_password(self, setup_hash: bytes, password_hash: str, now: int) -> bool:
        """Spend a set-password token: a guarded UPDATE, so a token works once, before it expires."""
        changed = await self.sql.count(
            "UPDATE people SET password_hash = ?, setup_hash = NULL, setup_expires_at = NULL"
            " WHERE setup_hash = ? AND setup_expires_at > ?",
            password_hash,
            setup_hash,
            now,
        )
        return changed == 1

    async def add_session(
        self, token_hash: bytes, person_id: int, csrf: str, now: int, expires_at: int
    ) -> None:
        await self.sql.count(
            "INSERT INTO sessions (token_hash, person_id, csrf, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            token_hash,
            person_id,
            csrf,
            now,
            expires_at,
        )

    async def find_session(self, token_hash: bytes, now: int) -> tuple[PersonRecord, str] | None:
        """The session's person and CSRF token, if the session exists and has not expired."""
        rows = await self.sql.rows(
            f"SELECT {_PERSON}, s.csrf{_FROM} JOIN sessions s ON s.person_id = p.id"
            " WHERE s.token_hash = ? AND s.expires_at > ?",
            token_hash,
            now,
        )
        return (_person(rows[0]), rows[0][6]) if rows else None

    async def purge_sessions(self, now: int) -> int:
        return await self.sql.count("DELETE FROM sessions WHERE expires_at <= ?", now)

    async def end_session(self, token_hash: bytes) -> None:
        await self.sql.count("DELETE FROM sessions WHERE token_hash = ?", token_hash)

    async def end_sessions(self, person_id: int) -> int:
        return await self.sql.count("DELETE FROM sessions WHERE person_id = ?", person_id)

    async def log_check_in(
        self, event_pk: int, registration_id: str, email: str, count: int, now: int
    ) -> None:
        await self.sql.count(
            "INSERT INTO check_ins (event_pk, registration_id, person_email, checked_in_count, at)"
            " VALUES (?, ?, ?, ?, ?)",
            event_pk,
            registration_id,
            email,
            count,
            now,
        )

    async def last_check_in(self, event_pk: int, registration_id: str) -> CheckInRecord | None:
        rows = await self.sql.rows(
            "SELECT person_email, checked_in_count, at FROM check_ins"
            " WHERE event_pk = ? AND registration_id = ? ORDER BY id DESC LIMIT 1",
            event_pk,
            registration_id,
        )
        return CheckInRecord(rows[0][0], int(rows[0][1]), int(rows[0][2])) if rows else None
