"""The `turnout` command's subcommand groups beyond serve and migrate: one module per group
(`keys.py`, `tenants.py`, `hubs.py`, `webhooks.py`, `users.py`, …), each with a `register(commands)`
that adds its parsers and sets `run=` to a function `(settings, args) -> exit code`. Adding a group
is its module plus one line in GROUPS. A run function fails by raising `common.CliError` (one line
that says what to do next); `failures.py` explains the other exceptions it expects."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from turnout.cli import hubs, keys, tenants, users, webhooks

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

GROUPS: list[Register] = [
    tenants.register,
    keys.register,
    users.register,
    webhooks.register,
    hubs.register,
]
