"""`turnout user create|list|delete|reset`: the web app's people (docs/DASHBOARD.md)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable

from turnout.auth import people
from turnout.cli.common import CliError, find_tenant, with_store
from turnout.config import Settings
from turnout.core import times
from turnout.store.base import Store
from turnout.store.people import PeopleStore


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


def _link(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/app/setup?token={token}"


def _create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> str:
        tenant = await find_tenant(store, args.tenant)
        try:
            return await people.create_person(
                store, settings.server_secret(), tenant.id, args.email, args.role, times.now()
            )
        except people.PersonError as exc:
            raise CliError(str(exc)) from None

    token = with_store(settings, work)
    print(f"turnout: {args.role} {args.email.strip().lower()} added to tenant {args.tenant!r}.")
    print("Open this link (once, within 7 days) to set the password:")
    print(_link(settings, token))
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> list[people.PersonRecord]:
        tenant = await find_tenant(store, args.tenant)
        return await PeopleStore(store).list_people(tenant.id)

    for person in with_store(settings, work):
        state = "active" if person.password_hash else "awaiting password"
        print(f"{person.email}\t{person.role}\t{state}")
    return 0


def _person(store: Store, email: str) -> Awaitable[people.PersonRecord | None]:
    return PeopleStore(store).find_by_email(email.strip().lower())


def _no_person(email: str) -> CliError:
    return CliError(f"no person with email {email!r}")


def _delete(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> None:
        found = await _person(store, args.email)
        if found is None:
            raise _no_person(args.email)
        await PeopleStore(store).delete_person(found.id)

    with_store(settings, work)
    print(f"turnout: deleted {args.email}; their sessions have ended")
    return 0


def _reset(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> str:
        found = await _person(store, args.email)
        if found is None:
            raise _no_person(args.email)
        return await people.reset_person(store, settings.server_secret(), found.id, times.now())

    token = with_store(settings, work)
    print(f"turnout: {args.email}'s password is cleared and their sessions have ended.")
    print("Open this link (once, within 7 days) to set a new password:")
    print(_link(settings, token))
    return 0
