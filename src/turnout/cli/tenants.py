"""`turnout tenant create|list|set`."""

from __future__ import annotations

import argparse
import re
import shlex

from turnout.cli.common import CliError, table, when, with_store
from turnout.config import Settings
from turnout.core import times
from turnout.core.ports import Store, TenantExists, TenantListing

# A browser origin: scheme, host and optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?\Z")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tenant = commands.add_parser("tenant", help="manage tenants").add_subparsers(metavar="ACTION")
    create = tenant.add_parser("create", help="create a tenant")
    create.add_argument("name", help="the tenant's name, 1-64 characters")
    create.set_defaults(run=_create)
    listing = tenant.add_parser("list", help="list tenants, their usable keys and settings")
    listing.set_defaults(run=_list)
    change = tenant.add_parser(
        "set",
        help="change a tenant's settings",
        description="Change a tenant's settings; they apply to the next request. With "
        "--require-precondition on, every write to an existing event or registration must carry "
        "If-Match (or If-None-Match); without one the answer is 428 Precondition Required. "
        "--cors-origins lets web pages from those origins call the API with this tenant's keys.",
    )
    change.add_argument("name", help="the tenant's name")
    change.add_argument(
        "--require-precondition",
        choices=["on", "off"],
        help="require If-Match/If-None-Match on writes (default for new tenants: off)",
    )
    change.add_argument(
        "--cors-origins",
        metavar="ORIGINS",
        help="space- or comma-separated origins allowed to call the API from a browser, like "
        "https://app.example.com; 'none' turns CORS off (the default)",
    )
    change.set_defaults(run=_set)


def _create(settings: Settings, args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not 1 <= len(name) <= 64:
        raise CliError("a tenant name has 1 to 64 characters", 2)

    async def work(store: Store) -> None:
        try:
            await store.create_tenant(name, times.now())
        except TenantExists:
            raise CliError(
                f"tenant {name!r} already exists; make a key for it with: "
                f"turnout key create --tenant {shlex.quote(name)}"
            ) from None

    with_store(settings, work)
    print(
        f"turnout: created tenant {name!r}. Next: turnout key create --tenant {shlex.quote(name)}"
    )
    return 0


def _list(settings: Settings, _: argparse.Namespace) -> int:
    async def work(store: Store) -> list[TenantListing]:
        return await store.list_tenants(times.now())

    tenants = with_store(settings, work)
    if not tenants:
        print("turnout: no tenants yet. Create one with: turnout tenant create NAME")
        return 0
    header = ("NAME", "CREATED", "USABLE KEYS", "REQUIRE PRECONDITION", "CORS ORIGINS")
    rows = [
        (
            t.name,
            when(t.created_at, "-"),
            str(t.usable_keys),
            "on" if t.require_precondition else "off",
            " ".join(t.cors_origins) or "none",
        )
        for t in tenants
    ]
    print(table(header, rows))
    return 0


def parse_origins(text: str) -> list[str]:
    origins = text.replace(",", " ").split()
    if origins == ["none"]:
        return []
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise CliError(
                f"--cors-origins: {origin!r} is not an origin; write scheme://host[:port] with "
                "no path, like https://app.example.com, or 'none'",
                2,
            )
    if not origins:
        raise CliError("--cors-origins needs at least one origin, or 'none'", 2)
    return origins


def _set(settings: Settings, args: argparse.Namespace) -> int:
    if args.require_precondition is None and args.cors_origins is None:
        raise CliError("nothing to change: give --require-precondition on|off or --cors-origins", 2)
    origins = None if args.cors_origins is None else parse_origins(args.cors_origins)
    required = args.require_precondition == "on"

    async def work(store: Store) -> bool:
        found = True
        if args.require_precondition is not None:
            found = await store.set_require_precondition(args.name, required)
        if found and origins is not None:
            found = await store.set_cors_origins(args.name, origins)
        return found

    if not with_store(settings, work):
        raise CliError(
            f"no tenant named {args.name!r}. See them with: turnout tenant list; "
            f"create it with: turnout tenant create {shlex.quote(args.name)}"
        )
    if args.require_precondition is not None:
        print(
            f"turnout: tenant {args.name!r} now "
            f"{'requires' if required else 'does not require'} If-Match or If-None-Match on writes"
        )
    if origins is not None:
        allowed = ", ".join(origins) if origins else "no origin (CORS off)"
        print(f"turnout: tenant {args.name!r} now allows browser calls from {allowed}")
    return 0
