"""The SQL CHECKs in store/migrations say what core/limits.py says: parsed, not copied."""

from __future__ import annotations

import re
from importlib import resources

from turnout.core import limits

# Every bounded CHECK the migrations hold, by (table, column): (lowest, highest), None for open.
DECLARED = {
    ("tenants", "name"): (1, limits.MAX_TENANT_NAME),
    ("people", "email"): (limits.MIN_PERSON_EMAIL, limits.MAX_PERSON_EMAIL),
    ("webhook_endpoints", "url"): (limits.MIN_WEBHOOK_URL, limits.MAX_WEBHOOK_URL),
    ("events", "id"): (1, limits.MAX_ID_LENGTH),
    ("events", "capacity"): (1, limits.MAX_CAPACITY),
    ("registrations", "id"): (1, limits.MAX_ID_LENGTH),
    ("registrations", "guest_count"): (0, limits.MAX_GUESTS),
    ("registrations", "notes"): (None, limits.MAX_NOTES),
}
_TABLE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)
_BETWEEN = re.compile(r"CHECK \((?:length\()?(\w+)\)? BETWEEN (\d+) AND (\d+)\)")
_AT_MOST = re.compile(r"CHECK \((?:length\()?(\w+)\)? <= (\d+)\)")


def _bounded_checks() -> dict[tuple[str, str], tuple[int | None, int]]:
    found: dict[tuple[str, str], tuple[int | None, int]] = {}
    folder = resources.files("turnout.store").joinpath("migrations")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        for table, body in _TABLE.findall(entry.read_text()):
            for column, low, high in _BETWEEN.findall(body):
                found[(table, column)] = (int(low), int(high))
            for column, high in _AT_MOST.findall(body):
                found[(table, column)] = (None, int(high))
    return found


def test_sql_checks_match_the_declared_limits() -> None:
    assert _bounded_checks() == DECLARED


def test_the_parser_sees_a_changed_check() -> None:
    """The negative control: a CHECK that drifts from limits.py is seen."""
    sql = "CREATE TABLE registrations (\n    n BIGINT CHECK (guest_count BETWEEN 0 AND 999)\n);"
    [(table, body)] = _TABLE.findall(sql)
    assert (table, _BETWEEN.findall(body)) == ("registrations", [("guest_count", "0", "999")])
