"""Every problem the `turnout` command expects to meet, as one line that says what to do next.

`explain` knows the exceptions that mean "the set-up is wrong", not "turnout has a bug": a bug still
ends in a traceback, which is what a bug report needs.
"""

from __future__ import annotations

import errno
import sqlite3
from urllib.parse import urlsplit

from turnout.auth.keys import SecretChanged
from turnout.cli.common import CliError
from turnout.config import ConfigError, Settings
from turnout.core.errors import Unavailable


def explain(exc: BaseException, settings: Settings | None) -> tuple[str, int] | None:
    """(the line, the exit status) for an expected failure; None for anything else."""
    if isinstance(exc, CliError):
        return str(exc), exc.status
    if isinstance(exc, ConfigError | SecretChanged):
        return str(exc), 2
    if isinstance(exc, KeyboardInterrupt):
        return "stopped (Ctrl-C)", 130
    if isinstance(exc, Unavailable):
        return (
            f"the database did not answer ({exc}); is it running, and is TURNOUT_DATABASE_URL "
            "right?",
            1,
        )
    if isinstance(exc, sqlite3.DatabaseError):
        return _sqlite(exc, settings), 1
    if isinstance(exc, OSError):
        return _os(exc), 1
    return _postgres(exc, settings)


def _sqlite(exc: sqlite3.DatabaseError, settings: Settings | None) -> str:
    path = settings.database_url.removeprefix("sqlite:///") if settings else "the database"
    if "not a database" in str(exc):
        return f"{path} is not a SQLite database; point TURNOUT_DATABASE_URL at turnout's file"
    if "readonly" in str(exc) or "unable to open" in str(exc):
        return f"cannot write {path} ({exc}); check the file's and its folder's permissions"
    return f"SQLite refused {path}: {exc}"


def _os(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied on{where}; run turnout as a user that may read and write it"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the disk{where}; free some and start again"
    return f"{exc.strerror or exc}{where}"


def _postgres(exc: BaseException, settings: Settings | None) -> tuple[str, int] | None:
    """asyncpg's refusals that mean the URL names a database or role that is not there."""
    code = getattr(exc, "sqlstate", None)
    if code is None or settings is None or not settings.is_postgres:
        return None
    url = urlsplit(settings.database_url)
    database, user = url.path.lstrip("/") or "postgres", url.username or "postgres"
    connect = f"-h {url.hostname or 'localhost'} -p {url.port or 5432}"
    if code == "3D000":
        return (
            f"PostgreSQL has no database {database!r}; create it with: createdb {connect} "
            f"-U {user} {database} (or fix TURNOUT_DATABASE_URL)",
            1,
        )
    if code == "28000":
        return (
            f"PostgreSQL has no role {user!r} or refuses it (pg_hba.conf); create it with: "
            f"createuser {connect} -U postgres --createdb {user} (or fix TURNOUT_DATABASE_URL)",
            1,
        )
    if code == "28P01":
        return f"PostgreSQL refused the password for {user!r}; fix it in TURNOUT_DATABASE_URL", 1
    if code.startswith("42"):  # e.g. permission denied for schema public
        return f"PostgreSQL refused turnout's statement: {exc}; grant {user!r} rights on it", 1
    return None
