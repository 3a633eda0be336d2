"""`turnout hub create|list|set|delete` and `turnout hub rule create|list|rotate|delete`: notification
hubs and their SAS rules (docs/NOTIFICATION_HUBS.md). Connection strings are printed for the SDKs;
the one a command is about is alone on the last line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from turnout.cli.common import find_tenant
from turnout.config import Settings
from turnout.core import hub_admin, times
from turnout.core.hubs import (
    Hub,
    HubRefused,
    KeySeal,
    Rule,
    connection_string,
    parse_rights,
    rights_text,
)
from turnout.store import open_store
from turnout.store.hubs import KEEP, HubStore, hub_store

T = TypeVar("T")
Work = Callable[[HubStore, int], Awaitable[T]]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hub = commands.add_parser("hub", help="manage notification hubs and their SAS rules")
    actions = hub.add_subparsers(metavar="ACTION")
    create = _with_tenant(
        actions.add_parser(
            "create",
            help="create a hub and its two rules; prints their connection strings, full rights last",
        )
    )
    create.add_argument("name", help="the hub's name (first path segment of its URLs)")
    create.add_argument(
        "--quota", type=_count, help="most registrations + installations (default: none)"
    )
    create.add_argument(
        "--ttl", type=_days, help="registrations expire this many days after their last write"
    )
    create.set_defaults(run=_create)
    listing = _with_tenant(actions.add_parser("list", help="list the tenant's hubs"))
    listing.set_defaults(run=_list)
    change = _with_tenant(actions.add_parser("set", help="change a hub's quota or TTL"))
    change.add_argument("name")
    change.add_argument("--quota", type=_count_or_none, default=KEEP, help="a number, or none")
    change.add_argument("--ttl", type=_days_or_none, default=KEEP, help="days, or none")
    change.add_argument(
        "--rate",
        type=_rate_or_none,
        default=KEEP,
        help="requests a second for this hub, or none for TURNOUT_HUB_REQUESTS_PER_SECOND",
    )
    change.set_defaults(run=_set)
    delete = _with_tenant(actions.add_parser("delete", help="delete a hub, its rules and devices"))
    delete.add_argument("name")
    delete.set_defaults(run=_delete)
    _register_rules(
        actions.add_parser("rule", help="manage SAS rules").add_subparsers(metavar="ACTION")
    )


def _register_rules(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = _with_tenant(
        actions.add_parser(
            "create", help="create a SAS rule; prints its connection string alone on the last line"
        )
    )
    create.add_argument("rule", help="the key name, unique on this server")
    create.add_argument("--hub", help="the one hub it covers (default: every hub of the tenant)")
    create.add_argument("--rights", required=True, help="listen[,send][,manage]")
    create.set_defaults(run=_rule_create)
    listing = _with_tenant(actions.add_parser("list", help="list the tenant's rules (no keys)"))
    listing.set_defaults(run=_rule_list)
    rotate = _with_tenant(
        actions.add_parser(
            "rotate",
            help="new primary key; the old primary stays valid as the secondary until the next rotation",
        )
    )
    rotate.add_argument("rule")
    rotate.set_defaults(run=_rule_rotate)
    delete = _with_tenant(actions.add_parser("delete", help="delete a SAS rule"))
    delete.add_argument("rule")
    delete.set_defaults(run=_rule_delete)


def _with_tenant(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--tenant", required=True, help="the tenant's name")
    return parser


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("a whole number ≥ 0")
    return value


def _days(text: str) -> int:
    days = int(text)
    if days < 1:
        raise argparse.ArgumentTypeError("at least 1 day")
    return days * 86400


def _rate_or_none(text: str) -> int | None:
    if text.lower() == "none":
        return None
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1 a second")
    return value


def _count_or_none(text: str) -> int | None:
    return None if text.lower() == "none" else _count(text)


def _days_or_none(text: str) -> int | None:
    return None if text.lower() == "none" else _days(text)


def _run(settings: Settings, tenant_name: str, work: Work[T]) -> T | None:
    """`work(hubs, tenant id)` on a migrated store; None (after saying so) if the work is refused.
    A missing tenant is common.find_tenant's CliError."""

    async def go() -> T | None:
        store = await open_store(settings)
        try:
            await store.migrate()
            tenant = await find_tenant(store, tenant_name)
            hubs = hub_store(
                store, KeySeal(settings.server_secret()), settings.hub_tombstone_seconds
            )
            return await work(hubs, tenant.id)
        finally:
            await asyncio.sleep(0)  # a refused write's batch commits (empty) before the close
            await store.close()

    try:
        return asyncio.run(go())
    except HubRefused as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return None


def _answer(
    settings: Settings, args: argparse.Namespace, work: Work[T], say: Callable[[T], list[str]]
) -> int:
    """Every command's shape: do `work` for the tenant, print what `say` makes of the result;
    exit 1 when the tenant is missing or the work refused (`_run` has said why)."""
    done = _run(settings, args.tenant, work)
    if done is None:
        return 1
    for line in say(done):
        print(line)
    return 0


def _create(settings: Settings, args: argparse.Namespace) -> int:
    async def work(hubs: HubStore, tenant_id: int) -> Any:
        return await hub_admin.create_hub(
            hubs, tenant_id, args.name, args.quota, args.ttl, times.now()
        )

    def say(made: Any) -> list[str]:
        hub, rules = made
        return [
            f"turnout: created hub {hub.name!r}; listen-only, then full-rights connection string:",
            *(connection_string(settings.base_url, rule, key) for rule, key in rules),
        ]

    return _answer(settings, args, work, say)


def _list(settings: Settings, args: argparse.Namespace) -> int:
    def say(found: list[Hub]) -> list[str]:
        lines = []
        for hub in found:
            quota = "none" if hub.registration_quota is None else hub.registration_quota
            ttl = "none" if hub.registration_ttl is None else f"{hub.registration_ttl // 86400}d"
            lines.append(f"{hub.name}\tdevices={hub.device_count}\tquota={quota}\tttl={ttl}")
        return lines

    return _answer(settings, args, lambda hubs, tenant_id: hubs.list_hubs(tenant_id), say)


def _set(settings: Settings, args: argparse.Namespace) -> int:
    async def work(hubs: HubStore, tenant_id: int) -> Hub:
        return await hub_admin.set_hub(hubs, tenant_id, args.name, args.quota, args.ttl, args.rate)

    return _answer(
        settings,
        args,
        work,
        lambda hub: [
            f"turnout: hub {hub.name!r}: quota={hub.registration_quota}, "
            f"ttl={hub.registration_ttl}s, rate={hub.requests_per_second or 'default'}/s"
        ],
    )


def _delete(settings: Settings, args: argparse.Namespace) -> int:
    async def work(hubs: HubStore, tenant_id: int) -> bool:
        await hub_admin.delete_hub(hubs, tenant_id, args.name)
        return True

    said = f"turnout: deleted hub {args.name!r} with its rules and devices"
    return _answer(settings, args, work, lambda _: [said])


def _rule_create(settings: Settings, args: argparse.Namespace) -> int:
    try:
        rights = parse_rights(args.rights)
    except HubRefused as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 2

    async def work(hubs: HubStore, tenant_id: int) -> str:
        return await hub_admin.create_rule(
            hubs, tenant_id, args.hub, args.rule, rights, times.now()
        )

    scope = f"hub {args.hub!r}" if args.hub else "every hub of the tenant"
    said = f"turnout: rule {args.rule!r} ({rights_text(rights)}) for {scope}; connection string:"
    return _answer(
        settings,
        args,
        work,
        lambda key: [said, connection_string(settings.base_url, args.rule, key)],
    )


def _rule_list(settings: Settings, args: argparse.Namespace) -> int:
    def say(found: list[Rule]) -> list[str]:
        return [
            f"{rule.name}\thub={rule.hub_name or '*'}\trights={rights_text(rule.rights)}"
            for rule in found
        ]

    return _answer(settings, args, lambda hubs, tenant_id: hubs.list_rules(tenant_id), say)


def _rule_rotate(settings: Settings, args: argparse.Namespace) -> int:
    async def work(hubs: HubStore, tenant_id: int) -> str:
        return await hub_admin.rotate_rule(hubs, tenant_id, args.rule)

    said = (
        f"turnout: rule {args.rule!r} has a new primary key; the old one works until the next"
        " rotation:"
    )
    return _answer(
        settings,
        args,
        work,
        lambda key: [said, connection_string(settings.base_url, args.rule, key)],
    )


def _rule_delete(settings: Settings, args: argparse.Namespace) -> int:
    async def work(hubs: HubStore, tenant_id: int) -> bool:
        await hub_admin.delete_rule(hubs, tenant_id, args.rule)
        return True

    return _answer(settings, args, work, lambda _: [f"turnout: deleted rule {args.rule!r}"])
