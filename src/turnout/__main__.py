"""The `turnout` command: serve, migrate, tenant create|set, key create."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shlex
import sys
from collections.abc import Sequence

from turnout import cli
from turnout.auth import keys
from turnout.config import ConfigError, Settings
from turnout.core import times
from turnout.core.errors import Unavailable
from turnout.core.ports import TenantExists
from turnout.store import open_store, open_when_ready

DESCRIPTION = """\
turnout: bookable events, seats and registrations, over Cronofy-compatible (/v1) HTTP.

Settings come from TURNOUT_* environment variables (see the README); with none set, turnout keeps
its data in SQLite at ./var/turnout.db.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args) or 0)
    except ConfigError as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 2
    except Unavailable as exc:
        print(
            f"turnout: the database did not answer ({exc}); is it running, and is "
            "TURNOUT_DATABASE_URL right?",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="turnout",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP server (migrates the database first)",
        description="Run the HTTP server. Applies pending migrations first; on an empty database, "
        "creates a 'default' tenant and prints one API key for it.",
    )
    serve.add_argument("--host", help="address to listen on (default: TURNOUT_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: TURNOUT_PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes; more than 1 needs PostgreSQL (default: 1)",
    )
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="apply pending database migrations and exit")
    migrate.set_defaults(run=_migrate)

    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(metavar="ACTION")
    create_tenant = tenant.add_parser("create", help="create a tenant")
    create_tenant.add_argument("name", help="the tenant's name, 1-64 characters")
    create_tenant.set_defaults(run=_tenant_create)
    set_tenant = tenant.add_parser(
        "set",
        help="change a tenant's settings",
        description="Change a tenant's settings. With --require-precondition on, every write to "
        "an existing event or registration must carry If-Match (or If-None-Match); without one the "
        "answer is 428 Precondition Required.",
    )
    set_tenant.add_argument("name", help="the tenant's name")
    set_tenant.add_argument(
        "--require-precondition",
        choices=["on", "off"],
        required=True,
        help="require If-Match/If-None-Match on writes (default for new tenants: off)",
    )
    set_tenant.set_defaults(run=_tenant_set)

    key = commands.add_parser("key", help="manage API keys").add_subparsers(metavar="ACTION")
    create_key = key.add_parser(
        "create",
        help="create an API key (printed once, alone on the last line)",
        description="Create an API key for a tenant. The key is printed once, alone on the last "
        "line, and only its HMAC is stored.",
    )
    create_key.add_argument("--tenant", required=True, help="the tenant's name")
    create_key.add_argument(
        "--scope",
        default="write",
        help="space- or comma-separated scopes: read (read only) or write (read and write), or "
        "Webkasa's events:read, events:write, registrations:read, registrations:write, *:read, *; "
        "default: write",
    )
    create_key.add_argument("--name", help="a label for the key, to tell keys apart")
    create_key.set_defaults(run=_key_create)
    for register in cli.GROUPS:
        register(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from turnout import connections

    settings = settings.with_(
        host=args.host or settings.host, port=args.port if args.port is not None else settings.port
    )
    if args.workers < 1:
        print("turnout: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and not settings.is_postgres:
        print(
            "turnout: SQLite is served by one process (it has one writer); --workers > 1 needs "
            "PostgreSQL: set TURNOUT_DATABASE_URL=postgresql://user@host:port/database.",
            file=sys.stderr,
        )
        return 2
    asyncio.run(_prepare(settings))
    _tune_gc()
    print(f"turnout: serving on {settings.base_url} ({_database_label(settings)})", file=sys.stderr)
    print(
        f"turnout: the web app is at {settings.base_url}/app/; make its first account with\n"
        "    turnout user create --tenant default you@example.org\n"
        "  which prints a one-time link to set the password (docs/DASHBOARD.md)",
        file=sys.stderr,
    )
    quiet = dict(access_log=False, log_level="warning")
    if args.workers == 1:
        from turnout.app import build_app

        connections.serve(build_app(settings), settings, 1, **quiet)
    else:
        # Each worker process builds its own app from the environment.
        os.environ["TURNOUT_HOST"], os.environ["TURNOUT_PORT"] = settings.host, str(settings.port)
        connections.serve("turnout.app:app_from_env", settings, args.workers, factory=True, **quiet)
    return 0


def _tune_gc() -> None:
    """Fewer, cheaper cyclic-GC pauses while serving: what exists now (modules, the app) lives for
    the whole process, so collections skip it, and the youngest generation is collected less often.
    Most request garbage is freed by reference counting anyway; the pauses showed in the p99."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def _prepare(settings: Settings) -> None:
    """Migrate, and on an empty database make a 'default' tenant and show its first key, once."""
    store = await open_when_ready(settings)
    try:
        for warning in await store.durability_warnings():
            print(f"turnout: warning: {warning}", file=sys.stderr)
        if await store.count_tenants() > 0:
            return
        try:
            tenant = await store.create_tenant("default", times.now())
        except TenantExists:  # another process got there first
            return
        key = await keys.create_key(
            store,
            settings.server_secret(),
            tenant.id,
            "write",
            "created by first serve",
            times.now(),
        )
    finally:
        await store.close()
    event = (
        '{"bookable_event_id":"first_event","start":"2030-01-24T12:30:00Z",'
        '"end":"2030-01-24T17:00:00Z","status":"confirmed","registration":{"capacity":5}}'
    )
    print(
        "turnout: this database was empty, so it now has a tenant named 'default' with this API key.\n"
        "It is shown only this once (only its hash is stored); keep it somewhere safe:\n\n"
        f"    {key}\n\n"
        "Try it:\n\n"
        f"    curl -s -X POST {settings.base_url}/v1/bookable_events \\\n"
        f"      -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n"
        f"      -d {shlex.quote(event)}\n"
    )


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    async def run() -> list[int]:
        store = await open_store(settings)
        try:
            return await store.migrate()
        finally:
            await store.close()

    applied = asyncio.run(run())
    where = _database_label(settings)
    if applied:
        print(f"turnout: applied migrations {', '.join(map(str, applied))} to {where}")
    else:
        print(f"turnout: {where} is up to date")
    return 0


def _tenant_create(settings: Settings, args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not 1 <= len(name) <= 64:
        print("turnout: a tenant name has 1 to 64 characters", file=sys.stderr)
        return 2

    async def run() -> None:
        store = await open_store(settings)
        try:
            await store.migrate()
            await store.create_tenant(name, times.now())
        finally:
            await store.close()

    try:
        asyncio.run(run())
    except TenantExists:
        print(f"turnout: tenant {name!r} already exists", file=sys.stderr)
        return 1
    print(
        f"turnout: created tenant {name!r}. Next: turnout key create --tenant {shlex.quote(name)}"
    )
    return 0


def _tenant_set(settings: Settings, args: argparse.Namespace) -> int:
    required = args.require_precondition == "on"

    async def run() -> bool:
        store = await open_store(settings)
        try:
            await store.migrate()
            return await store.set_require_precondition(args.name, required)
        finally:
            await store.close()

    if not asyncio.run(run()):
        print(
            f"turnout: no tenant named {args.name!r}. "
            f"Create it with: turnout tenant create {shlex.quote(args.name)}",
            file=sys.stderr,
        )
        return 1
    print(
        f"turnout: tenant {args.name!r} now {'requires' if required else 'does not require'} "
        "If-Match or If-None-Match on writes; keys pick this up within a second"
    )
    return 0


def _key_create(settings: Settings, args: argparse.Namespace) -> int:
    try:
        scopes = keys.parse_scopes(args.scope)
    except ValueError as exc:
        print(f"turnout: {exc}; scopes are: {', '.join(keys.SCOPES)}", file=sys.stderr)
        return 2

    async def run() -> str | None:
        store = await open_store(settings)
        try:
            await store.migrate()
            tenant = await store.find_tenant(args.tenant)
            if tenant is None:
                return None
            return await keys.create_key(
                store, settings.server_secret(), tenant.id, scopes, args.name, times.now()
            )
        finally:
            await store.close()

    key = asyncio.run(run())
    if key is None:
        print(
            f"turnout: no tenant named {args.tenant!r}. "
            f"Create it with: turnout tenant create {shlex.quote(args.tenant)}",
            file=sys.stderr,
        )
        return 1
    print(
        f"turnout: API key for tenant {args.tenant!r} with scope {scopes!r}; it is shown only once:"
    )
    print(key)
    return 0


def _database_label(settings: Settings) -> str:
    if settings.is_postgres:
        return "PostgreSQL"
    return "SQLite at " + settings.database_url.removeprefix("sqlite:///")


if __name__ == "__main__":
    sys.exit(main())
