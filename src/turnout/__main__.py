"""The `turnout` command: serve and migrate here; the other groups in turnout/cli/."""

from __future__ import annotations

import argparse
import asyncio
import errno
import gc
import math
import os
import shlex
import socket
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from turnout import cli
from turnout.auth import keys
from turnout.cli import failures
from turnout.cli.common import CliError
from turnout.config import Settings
from turnout.core import times
from turnout.core.ports import Store, TenantExists
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
        if args.command is None:
            parser.print_help()
        else:
            print(
                f"turnout: {args.command} needs an action; see: turnout {args.command} --help",
                file=sys.stderr,
            )
        return 2
    settings = None
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args) or 0)
    except (Exception, KeyboardInterrupt) as exc:
        explained = failures.explain(exc, settings)
        if explained is None:
            raise
        message, status = explained
        print(f"turnout: {message}", file=sys.stderr)
        return status


class _Parser(argparse.ArgumentParser):
    """argparse, failing in one line that names the command's --help (its usage block is noise)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; see: {self.prog} --help\n")


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="turnout",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"turnout {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")

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
    serve.add_argument(
        "--certfile", help="serve https with this PEM certificate (TURNOUT_TLS_CERTFILE)"
    )
    serve.add_argument("--keyfile", help="…and this PEM private key (TURNOUT_TLS_KEYFILE)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="apply pending database migrations and exit")
    migrate.set_defaults(run=_migrate)

    for register in cli.GROUPS:
        register(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from turnout import connections

    settings = settings.with_(
        host=args.host or settings.host,
        port=args.port if args.port is not None else settings.port,
        tls_certfile=args.certfile or settings.tls_certfile,
        tls_keyfile=args.keyfile or settings.tls_keyfile,
    )
    settings.validate()
    if args.workers < 1:
        raise CliError("--workers must be at least 1", 2)
    if args.workers > 1 and not settings.is_postgres:
        raise CliError(
            "SQLite is served by one process (it has one writer); --workers > 1 needs "
            "PostgreSQL: set TURNOUT_DATABASE_URL=postgresql://user@host:port/database",
            2,
        )
    _check_port(settings.host, settings.port)  # before a first key is printed, then lost
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
    if settings.tls_certfile:
        quiet.update(ssl_certfile=settings.tls_certfile, ssl_keyfile=settings.tls_keyfile)
    if args.workers == 1:
        from turnout.app import build_app

        connections.serve(build_app(settings), settings, 1, **quiet)
    else:
        # Each worker process builds its own app from the environment.
        os.environ["TURNOUT_HOST"], os.environ["TURNOUT_PORT"] = settings.host, str(settings.port)
        os.environ["TURNOUT_TLS_CERTFILE"] = settings.tls_certfile
        os.environ["TURNOUT_TLS_KEYFILE"] = settings.tls_keyfile
        connections.serve("turnout.app:app_from_env", settings, args.workers, factory=True, **quiet)
    return 0


def _check_port(host: str, port: int) -> None:
    """Refuse, in one line, an address the server could not listen on (uvicorn would say it after
    "serving on …", in a log line with no hint)."""
    if not 1 <= port <= 65535:
        raise CliError(f"port {port} is not a port; use one from 1024 to 65535", 2)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise CliError(f"cannot resolve --host {host!r}; use 127.0.0.1 or 0.0.0.0", 2) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise CliError(_cannot_listen(host, port, exc)) from None


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use (another turnout?); stop that process, or choose "
            "another port with --port or TURNOUT_PORT"
        )
    if exc.errno == errno.EACCES:
        return f"port {port} needs root; choose one above 1023 with --port or TURNOUT_PORT"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; use --host 127.0.0.1 or 0.0.0.0"
    return f"cannot listen on {host}:{port}: {exc.strerror}"


def _tune_gc() -> None:
    """Fewer, cheaper cyclic-GC pauses while serving: what exists now (modules, the app) lives for
    the whole process, so collections skip it, and the youngest generation is collected less often.
    Most request garbage is freed by reference counting anyway; the pauses showed in the p99."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def _prepare(settings: Settings) -> None:
    """Migrate, check the secret, and on an empty database make a 'default' tenant and show its
    first key, once; on a database with tenants, say how to make another key."""
    secret = settings.server_secret()
    store = await open_when_ready(settings, patience=math.inf)
    try:
        for warning in await store.durability_warnings():
            print(f"turnout: warning: {warning}", file=sys.stderr)
        await keys.check_secret(store, secret, times.now())
        if await store.count_tenants() > 0:
            await _remind(store)
            return
        try:
            tenant = await store.create_tenant("default", times.now())
        except TenantExists:  # another process got there first
            return
        key = await keys.create_key(
            store, secret, tenant.id, "write", "created by first serve", times.now()
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


async def _remind(store: Store) -> None:
    tenants = await store.list_tenants(times.now())
    names = ", ".join(t.name for t in tenants[:5]) + (", …" if len(tenants) > 5 else "")
    usable = sum(t.usable_keys for t in tenants)
    first = shlex.quote(tenants[0].name)
    print(
        f"turnout: {len(tenants)} tenant(s) ({names}) with {usable} usable key(s). Lost a key? "
        f"Make another with: turnout key create --tenant {first}, then revoke the lost one "
        f"(turnout key list --tenant {first}; turnout key revoke PREFIX)",
        file=sys.stderr,
    )


def _version() -> str:
    try:
        return metadata.version("turnout")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


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


def _database_label(settings: Settings) -> str:
    if settings.is_postgres:
        return "PostgreSQL"
    return "SQLite at " + settings.database_url.removeprefix("sqlite:///")


if __name__ == "__main__":
    sys.exit(main())
