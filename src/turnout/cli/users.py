"""`turnout user create|list|delete|reset`: the web app's people (docs/DASHBOARD.md)."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from turnout.auth import people
from turnout.config import Settings
from turnout.core import times
from turnout.store import open_store
from turnout.store.base import Store
from turnout.store.people import PeopleStore

T = TypeVar("T")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser(
        "user", help="manage the web app's people (sign-in at /app/)"
    ).add_subparsers(metavar="ACTION")
    create = user.add_parser(
        "create",
        help="add a person and print a one-time link to set their password",
        description="Add a person to a tenant. Prints a link, valid for 7 days and usable once, "
        "where they set their password. Roles: owner (everything, incl. keys), staff (events and "
        "registrations), door (check-in only).",
    )
    create.add_argument("--tenant", required=True, help="the tenant's name")
    create.add_argument("--role", choices=people.ROLES, default="owner", help="default: owner")
    create.add_argument("email")
    create.set_defaults(run=_create)
    listing = user.add_parser("list", help="list a tenant's people")
    listing.add_argument("--tenant", required=True)
    listing.set_defaults(run=_list)
    for name, run, text in (
        ("delete", _delete, "delete a person and end their sessions"),
        ("reset", _reset, "clear a person's password, end their sessions, print a new link"),
    ):
        action = user.add_parser(name, help=text)
        action.add_argument("email")
        action.set_defaults(run=run)


def _on_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = await open_store(settings)
        try:
            await store.migrate()
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _fail(message: str) -> int:
    print(f"turnout: {message}", file=sys.stderr)
    return 1


def _link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/app/setup?token={token}"


def _create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> str | None:
        tenant = await store.find_tenant(args.tenant)
        if tenant is None:
            return None
        secret = settings.server_secret()
        return await people.create_person(
            store, secret, tenant.id, args.email, args.role, times.now()
        )

    try:
        token = _on_store(settings, work)
    except people.PersonError as exc:
        return _fail(str(exc))
    if token is None:
        return _fail(
            f"no tenant named {args.tenant!r}. See them with: turnout tenant list; "
            f"create it with: turnout tenant create {shlex.quote(args.tenant)}"
        )
    print(f"turnout: {args.role} {args.email.strip().lower()} added to tenant {args.tenant!r}.")
    print("Open this link (once, within 7 days) to set the password:")
    print(_link(settings, token))
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> list[people.PersonRecord] | None:
        tenant = await store.find_tenant(args.tenant)
        return None if tenant is None else await PeopleStore(store).list_people(tenant.id)

    found = _on_store(settings, work)
    if found is None:
        return _fail(
            f"no tenant named {args.tenant!r}. See them with: turnout tenant list; "
            f"create it with: turnout tenant create {shlex.quote(args.tenant)}"
        )
    for person in found:
        state = "active" if person.password_hash else "awaiting password"
        print(f"{person.email}\t{person.role}\t{state}")
    return 0


def _delete(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> bool:
        found = await PeopleStore(store).find_by_email(args.email.strip().lower())
        if found is not None:
            await PeopleStore(store).delete_person(found.id)
        return found is not None

    if not _on_store(settings, work):
        return _fail(f"no person with email {args.email!r}")
    print(f"turnout: deleted {args.email}; their sessions have ended")
    return 0


def _reset(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> str | None:
        found = await PeopleStore(store).find_by_email(args.email.strip().lower())
        if found is None:
            return None
        return await people.reset_person(store, settings.server_secret(), found.id, times.now())

    token = _on_store(settings, work)
    if token is None:
        return _fail(f"no person with email {args.email!r}")
    print(f"turnout: {args.email}'s password is cleared and their sessions have ended.")
    print("Open this link (once, within 7 days) to set a new password:")
    print(_link(settings, token))
    return 0
