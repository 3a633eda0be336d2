"""Managing hubs and SAS rules: what the `turnout hub` command and the admin API both do."""

from __future__ import annotations

from typing import Any

from turnout.core import limits
from turnout.core.hub_ports import KEEP, HubStore
from turnout.core.hubs import (
    Hub,
    HubRefused,
    Rule,
    check_hub_name,
    check_rule_name,
    default_rules,
    new_key,
    rights_text,
)


async def create_hub(
    hubs: HubStore, tenant_id: int, name: str, quota: int | None, ttl: int | None, now: int
) -> tuple[Hub, list[tuple[str, str]]]:
    """The new hub and its two default rules' (name, primary key), Listen-only first."""
    check_hub_name(name)
    check_limits(quota, ttl)
    rules = [
        (rule, rights_text(rights), new_key(), new_key()) for rule, rights in default_rules(name)
    ]
    hub = await hubs.create_hub(tenant_id, name, quota, ttl, rules, now)
    return hub, [(rule[0], rule[2]) for rule in rules]


def check_limits(quota: Any, ttl: Any, rate: Any = KEEP) -> None:
    if quota is not KEEP and quota is not None and not 0 <= quota <= limits.MAX_HUB_QUOTA:
        raise HubRefused(
            f"the quota is a whole number from 0 to {limits.MAX_HUB_QUOTA}, or none for unlimited"
        )
    if ttl is not KEEP and ttl is not None and not 1 <= ttl <= limits.MAX_HUB_TTL_SECONDS:
        raise HubRefused(
            f"the registration TTL is 1 to {limits.MAX_HUB_TTL_SECONDS} seconds, or none for never"
        )
    if rate is not KEEP and rate is not None and not 1 <= rate <= limits.MAX_HUB_RATE:
        raise HubRefused(
            f"the request rate is 1 to {limits.MAX_HUB_RATE} a second, or none for the server's"
        )


async def set_hub(
    hubs: HubStore, tenant_id: int, name: str, quota: Any, ttl: Any, rate: Any = KEEP
) -> Hub:
    """Change what is not KEEP; None: unlimited quota, no expiry, the server's request rate."""
    check_limits(quota, ttl, rate)
    hub = await hubs.update_hub(tenant_id, name, quota, ttl, rate)
    if hub is None:
        raise HubRefused(f"no hub named {name!r}")
    return hub


async def delete_hub(hubs: HubStore, tenant_id: int, name: str) -> None:
    if not await hubs.delete_hub(tenant_id, name):
        raise HubRefused(f"no hub named {name!r}")


async def create_rule(
    hubs: HubStore,
    tenant_id: int,
    hub_name: str | None,
    name: str,
    rights: frozenset[str],
    now: int,
) -> str:
    """The new rule's primary key. `hub_name` None: the rule covers every hub of the tenant."""
    check_rule_name(name)
    hub_id = None
    if hub_name is not None:
        hub = await hubs.find_hub(tenant_id, hub_name)
        if hub is None:
            raise HubRefused(f"no hub named {hub_name!r}")
        hub_id = hub.id
    key = new_key()
    await hubs.add_rule(tenant_id, hub_id, (name, rights_text(rights), key, new_key()), now)
    return key


async def rotate_rule(hubs: HubStore, tenant_id: int, name: str) -> str:
    """A new primary key; the old primary becomes the secondary, so both work until the next
    rotation (rotation with overlap)."""
    rule = await find_rule(hubs, tenant_id, name)
    key = new_key()
    await hubs.set_rule_keys(tenant_id, name, key, rule.primary_key)
    return key


async def find_rule(hubs: HubStore, tenant_id: int, name: str) -> Rule:
    rule = await hubs.find_rule(name)
    if rule is None or rule.tenant_id != tenant_id:
        raise HubRefused(f"no rule named {name!r}")
    return rule


async def delete_rule(hubs: HubStore, tenant_id: int, name: str) -> None:
    if not await hubs.delete_rule(tenant_id, name):
        raise HubRefused(f"no rule named {name!r}")
