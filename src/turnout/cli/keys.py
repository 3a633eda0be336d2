"""`turnout key create|list|revoke|rotate` and `turnout secret adopt`."""

from __future__ import annotations

import argparse
import shlex

from turnout.auth import keys
from turnout.cli.common import (
    CliError,
    find_tenant,
    parse_duration,
    parse_expiry,
    table,
    when,
    with_store,
)
from turnout.config import Settings
from turnout.core import times
from turnout.core.ports import KeyListing, Store


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    key = commands.add_parser("key", help="manage API keys").add_subparsers(metavar="ACTION")
    _register_create(key)
    listing = key.add_parser(
        "list",
        help="list a tenant's keys (never the keys themselves)",
        description="List a tenant's keys: prefix, name, scopes, when made, when last used (to "
        "the minute), when they expire, and whether they are active, expiring, expired or revoked.",
    )
    listing.add_argument("--tenant", required=True, help="the tenant's name")
    listing.set_defaults(run=_list)
    revoke = key.add_parser(
        "revoke",
        help="revoke a key; it stops working at once, in every server process",
    )
    revoke.add_argument("prefix", help="the key's prefix (tk_ and 12 characters), or the whole key")
    revoke.set_defaults(run=_revoke)
    rotate = key.add_parser(
        "rotate",
        help="make a new key like an old one; the old one keeps working for a grace period",
        description="Make a new key with the old one's tenant, name and scopes (printed once, "
        "alone on the last line). The old key keeps working for the grace period, so clients "
        "can move to the new one, then stops.",
    )
    rotate.add_argument("prefix", help="the old key's prefix, or the whole key")
    rotate.add_argument(
        "--grace", default="24h", help="how long the old key keeps working (default: 24h)"
    )
    rotate.set_defaults(run=_rotate)
    secret = commands.add_parser("secret", help="the server secret").add_subparsers(
        metavar="ACTION"
    )
    adopt = secret.add_parser(
        "adopt",
        help="use a new server secret: revokes every key, which the new secret cannot check",
        description="Record the current server secret (TURNOUT_SECRET or the secret file) as the "
        "one this database's keys are made with, revoking every existing key: keys are hashed "
        "with the secret, so no old key can work under a new one. Then make new keys.",
    )
    adopt.set_defaults(run=_adopt_secret)


def _register_create(key: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    create = key.add_parser(
        "create",
        help="create an API key (printed once, alone on the last line)",
        description="Create an API key for a tenant. The key is printed once, alone on the last "
        "line, and only its HMAC is stored.",
    )
    create.add_argument("--tenant", required=True, help="the tenant's name")
    create.add_argument(
        "--scope",
        default="write",
        help="space- or comma-separated scopes: read (read only), write (read and write) or "
        "admin (write, and managing the tenant's keys), or Webkasa's events:read, events:write, "
        "registrations:read, registrations:write, *:read, *; default: write",
    )
    create.add_argument("--name", help="a label for the key, to tell keys apart")
    create.add_argument(
        "--expires",
        help="when the key stops working: a duration (30d, 12h) or a date or time "
        "(2027-01-31, 2027-01-31T12:00:00Z); default: never",
    )
    create.set_defaults(run=_create)


def _scopes(text: str) -> str:
    try:
        return keys.parse_scopes(text)
    except ValueError as exc:
        raise CliError(f"{exc}; scopes are: {', '.join(keys.SCOPES)}", 2) from None


def _create(settings: Settings, args: argparse.Namespace) -> int:
    scopes = _scopes(args.scope)
    now = times.now()
    expires_at = parse_expiry(args.expires, now) if args.expires else None
    secret = settings.server_secret()

    async def work(store: Store) -> str:
        tenant = await find_tenant(store, args.tenant)
        await keys.check_secret(store, secret, now)
        return await keys.create_key(store, secret, tenant.id, scopes, args.name, now, expires_at)

    key = with_store(settings, work)
    until = f", until {when(expires_at, '')}" if expires_at else ""
    print(
        f"turnout: API key for tenant {args.tenant!r} with scope {scopes!r}{until}; "
        "it is shown only once:"
    )
    print(key)
    return 0


def _list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: Store) -> list[KeyListing]:
        tenant = await find_tenant(store, args.tenant)
        return await store.list_api_keys(tenant.id)

    listed = with_store(settings, work)
    if not listed:
        print(
            f"turnout: tenant {args.tenant!r} has no keys. "
            f"Make one with: turnout key create --tenant {shlex.quote(args.tenant)}"
        )
        return 0
    now = times.now()
    header = ("PREFIX", "NAME", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "STATE")
    rows = [
        (
            k.prefix,
            k.name or "-",
            k.scopes,
            when(k.created_at, "-"),
            when(k.last_used_at, "never"),
            when(k.expires_at, "never"),
            k.state(now),
        )
        for k in listed
    ]
    print(table(header, rows))
    return 0


def _prefix(text: str) -> str:
    prefix = text.strip()[:15]
    if not keys.PREFIX.fullmatch(prefix):
        raise CliError(
            f"{text!r} is not a key prefix: it is tk_ and 12 letters or digits, as "
            "`turnout key list --tenant NAME` shows",
            2,
        )
    return prefix


async def _listing(store: Store, prefix: str) -> KeyListing:
    listing = await store.find_key_listing(prefix)
    if listing is None:
        raise CliError(
            f"no key with prefix {prefix}; see a tenant's keys with: turnout key list --tenant NAME"
        )
    return listing


def _revoke(settings: Settings, args: argparse.Namespace) -> int:
    prefix = _prefix(args.prefix)

    async def work(store: Store) -> KeyListing:
        listing = await _listing(store, prefix)
        if not await store.revoke_api_key(prefix, times.now()):
            raise CliError(f"key {prefix} was already revoked; nothing changed")
        return listing

    listing = with_store(settings, work)
    print(
        f"turnout: revoked key {prefix} ({listing.name or 'unnamed'}) of tenant "
        f"{listing.tenant_name!r}; requests with it are refused from now on"
    )
    return 0


def _rotate(settings: Settings, args: argparse.Namespace) -> int:
    prefix = _prefix(args.prefix)
    grace = parse_duration(args.grace, "--grace")
    secret = settings.server_secret()
    now = times.now()

    async def work(store: Store) -> tuple[KeyListing, str]:
        old = await _listing(store, prefix)
        if old.state(now) in {"revoked", "expired"}:
            raise CliError(
                f"key {prefix} is {old.state(now)}; make a new one with: turnout key create "
                f"--tenant {shlex.quote(old.tenant_name)}"
            )
        await keys.check_secret(store, secret, now)
        return old, await keys.rotate_key(store, secret, old, grace, now)

    old, key = with_store(settings, work)
    stops = min(now + grace, old.expires_at or now + grace)
    print(
        f"turnout: new key for tenant {old.tenant_name!r} with scope {old.scopes!r}; the old key "
        f"{prefix} keeps working until {when(stops, '')}. The new key is shown only once:"
    )
    print(key)
    return 0


def _adopt_secret(settings: Settings, _: argparse.Namespace) -> int:
    secret = settings.server_secret()

    async def work(store: Store) -> int:
        now = times.now()
        revoked = await store.revoke_every_key(now)
        await store.record_secret_fingerprint(keys.fingerprint(secret), now)
        return revoked

    revoked = with_store(settings, work)
    print(
        f"turnout: this database now uses the current server secret; {revoked} key(s) revoked. "
        "Make new ones with: turnout key create --tenant NAME"
    )
    return 0
