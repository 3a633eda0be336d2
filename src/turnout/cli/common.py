"""What the subcommands share: running work against the store, and failing in one line.

A subcommand that meets an expected problem raises `CliError` with a message that says what to do
next; `turnout.cli.failures` turns every other expected exception into such a line.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from turnout.config import Settings
from turnout.core import times
from turnout.core.model import Tenant
from turnout.core.ports import Store
from turnout.store import open_store

T = TypeVar("T")


class CliError(Exception):
    """An expected failure: one line (without the `turnout:` prefix) and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Open and migrate the store, run `work`, close the store."""

    async def run() -> T:
        store = await open_store(settings)
        try:
            await store.migrate()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


async def find_tenant(store: Store, name: str) -> Tenant:
    tenant = await store.find_tenant(name)
    if tenant is None:
        raise CliError(
            f"no tenant named {name!r}. See them with: turnout tenant list; "
            f"create it with: turnout tenant create {shlex.quote(name)}"
        )
    return tenant


_DURATION = re.compile(r"(\d+)\s*([smhdw]?)\Z")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, option: str) -> int:
    """Seconds, from `90s`, `15m`, `12h`, `30d`, `2w` or a bare number of seconds."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise CliError(
            f"{option} {text!r} is not a duration: write e.g. 90s, 15m, 12h, 30d or 2w", 2
        )
    return int(match.group(1)) * _UNIT[match.group(2)]


def parse_expiry(text: str, now: int) -> int:
    """An instant, from a duration from now (`30d`) or a date or time (`2027-01-31`,
    `2027-01-31T12:00:00Z`)."""
    if _DURATION.match(text.strip().lower()):
        return now + parse_duration(text, "--expires")
    moment = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", moment):
        moment += "T00:00:00Z"
    try:
        at = times.parse_rfc3339(moment)
    except ValueError:
        raise CliError(
            f"--expires {text!r} is neither a duration (30d, 12h) nor a date (2027-01-31) or "
            "time (2027-01-31T12:00:00Z)",
            2,
        ) from None
    if at <= now:
        raise CliError(f"--expires {text!r} is in the past; give a later date or a duration", 2)
    return at


def when(instant: int | None, otherwise: str) -> str:
    """An instant as a table shows it: UTC to the minute."""
    if instant is None:
        return otherwise
    return times.format_utc(instant)[:16].replace("T", " ") + "Z"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = [header, *rows]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
