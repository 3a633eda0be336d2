"""`turnout webhook create|list|delete|rotate|deliveries|redeliver` and `turnout worker`."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from turnout.config import Settings
from turnout.core import times
from turnout.core.errors import NotFound, ValidationFailed
from turnout.store import open_store, open_when_ready
from turnout.webhooks import manage
from turnout.webhooks.dispatcher import Dispatcher
from turnout.webhooks.endpoints import render
from turnout.webhooks.guard import AllowList
from turnout.webhooks.store import WebhookStore

Action = Callable[[WebhookStore, Settings, int, argparse.Namespace], Awaitable[Any]]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("webhook", help="manage webhook endpoints (docs/WEBHOOKS.md)")
    actions = group.add_subparsers(metavar="ACTION")
    create = _action(actions, "create", "add an endpoint; prints its signing secret, once", _create)
    create.add_argument(
        "url", help="https://… (http:// only inside TURNOUT_WEBHOOK_ALLOW_NETWORKS)"
    )
    create.add_argument("--types", default="*", help="comma-separated event types (default: *)")
    create.add_argument("--description")
    create.add_argument("--signing", choices=["v1", "v1a"], default="v1")
    _action(actions, "list", "list the tenant's endpoints", _list)
    for name, helptext, run in (
        ("delete", "delete an endpoint", _delete),
        ("rotate", "new signing secret; the old one signs for 24 more hours", _rotate),
        ("deliveries", "the endpoint's messages and their delivery state", _deliveries),
    ):
        _action(actions, name, helptext, run).add_argument("endpoint", help="we_…")
    again = _action(actions, "redeliver", "send messages again", _redeliver)
    again.add_argument("endpoint", help="we_…")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--message", help="one message id (msg_…)")
    which.add_argument("--since", help="every message made since this RFC 3339 instant")

    worker = commands.add_parser(
        "worker",
        help="deliver webhooks (beside `turnout serve` with TURNOUT_WEBHOOK_DISPATCH=off)",
        description="Deliver webhooks until stopped. Any number may run on PostgreSQL; on SQLite, "
        "run one, and turn off the server's own dispatcher (TURNOUT_WEBHOOK_DISPATCH=off).",
    )
    worker.set_defaults(run=_worker)


def _action(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    helptext: str,
    run: Action,
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=helptext)
    parser.add_argument("--tenant", required=True, help="the tenant's name")
    parser.set_defaults(run=lambda settings, args: _with_tenant(settings, args, run))
    return parser


def _with_tenant(settings: Settings, args: argparse.Namespace, run: Action) -> int:
    async def go() -> Any:
        store = await open_store(settings)
        try:
            await store.migrate()
            tenant = await store.find_tenant(args.tenant)
            if tenant is None:
                raise NotFound(args.tenant)
            return await run(WebhookStore(store), settings, tenant.id, args)
        finally:
            await store.close()

    try:
        result = asyncio.run(go())
    except NotFound as exc:
        print(f"turnout: no such tenant or endpoint: {exc}", file=sys.stderr)
        return 1
    except ValidationFailed as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


async def _create(ws: WebhookStore, settings: Settings, tenant: int, args: Any) -> Any:
    body = {
        "url": args.url,
        "event_types": [t.strip() for t in args.types.split(",") if t.strip()],
        "description": args.description,
        "signing": args.signing,
    }
    allow_http = AllowList.parse(settings.webhook_allow_networks).opens_any
    endpoint, shown = await manage.create(ws, settings.server_secret(), tenant, body, allow_http)
    return {**render(endpoint), **shown}


async def _list(ws: WebhookStore, _: Settings, tenant: int, __: Any) -> Any:
    return [render(e) for e in await ws.list_endpoints(tenant)]


async def _delete(ws: WebhookStore, _: Settings, tenant: int, args: Any) -> Any:
    await manage.delete(ws, tenant, args.endpoint)
    return {"deleted": args.endpoint}


async def _rotate(ws: WebhookStore, settings: Settings, tenant: int, args: Any) -> Any:
    endpoint, shown = await manage.rotate(ws, settings.server_secret(), tenant, args.endpoint)
    return {**render(endpoint), **shown}


async def _deliveries(ws: WebhookStore, _: Settings, tenant: int, args: Any) -> Any:
    endpoint = await manage.find(ws, tenant, args.endpoint)
    return [
        {k: v for k, v in zip(d.__struct_fields__, d.__struct_values__(), strict=True) if k != "pk"}  # type: ignore[attr-defined]
        for d in await ws.deliveries(endpoint.pk, 0, 1000)
    ]


async def _redeliver(ws: WebhookStore, _: Settings, tenant: int, args: Any) -> Any:
    endpoint = await manage.find(ws, tenant, args.endpoint)
    since = times.parse_rfc3339(args.since) if args.since else 0
    count = await ws.redeliver(endpoint.pk, args.message, since, times.now())
    if args.message and not count:
        raise NotFound(args.message)
    return {"redelivered": count}


def _worker(settings: Settings, _: argparse.Namespace) -> int:
    async def go() -> None:
        store = await open_when_ready(settings)
        allow = AllowList.parse(settings.webhook_allow_networks)
        dispatcher = Dispatcher(
            WebhookStore(store), settings.server_secret(), allow, settings.webhook_lease_seconds
        )
        task = asyncio.create_task(dispatcher.run())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            pass
        finally:
            await dispatcher.close()
            await store.close()

    print("turnout: delivering webhooks", file=sys.stderr)
    asyncio.run(go())
    return 0
