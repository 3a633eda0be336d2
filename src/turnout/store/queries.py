"""SQL both backends share, written with `?` placeholders; PostgreSQL's are numbered by `numbered`."""

from __future__ import annotations

import functools
from typing import Any

from turnout.core.ports import EventQuery, RegistrationFilter
from turnout.store.rows import EVENT_COLUMNS, REGISTRATION_COLUMNS


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`?` → `$1`, `$2`, … for asyncpg. Our SQL never holds a literal question mark."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))


def find_events(tenant_id: int, query: EventQuery) -> tuple[str, str, list[Any]]:
    """(select, count, args) for the events matching `query`; select takes LIMIT and OFFSET args."""
    where: list[str] = ["tenant_id = ?"]
    args: list[Any] = [tenant_id]
    if query.statuses is not None:
        where.append(f"status IN ({', '.join('?' * len(query.statuses))})")
        args += query.statuses
    for column, op, value in (
        ("end_at", ">", query.ends_after),
        ("end_at", "<=", query.ends_by),
        ("start_date", ">=", query.start_date_from),
        ("start_date", "<=", query.start_date_to),
        ("start_at", ">=", query.starts_from),
        ("start_at", "<=", query.starts_to),
    ):
        if value is not None:
            where.append(f"{column} {op} ?")
            args.append(value)
    condition = " AND ".join(where)
    select = f"SELECT {EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY start_at, id LIMIT ? OFFSET ?"
    return select, f"SELECT count(*) FROM events WHERE {condition}", args


def registrations_at(
    event_pk: int, only: RegistrationFilter | None, offset: int, limit: int
) -> tuple[str, list[Any]]:
    """Registrations from position `offset` in creation order.

    Unfiltered, positions are sequence numbers (1, 2, 3, … per event: assigned under the event lock,
    never reused, never deleted), so a deep offset is an index seek. Filtered, the status index is
    walked from the start of that status.
    """
    base = f"SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE event_pk = ?"
    if only is None:
        return base + " AND seq > ? ORDER BY seq LIMIT ?", [event_pk, offset, limit]
    sql = base + f" AND status IN ({', '.join('?' * len(only.statuses))})"
    args: list[Any] = [event_pk, *only.statuses]
    if only.checked_in is not None:
        sql += " AND checked_in_count > 0" if only.checked_in else " AND checked_in_count = 0"
    return sql + " ORDER BY seq LIMIT ? OFFSET ?", [*args, limit, offset]
