"""The `turnout` command's subcommand groups beyond serve, migrate, tenant and key: one module per
group (`hubs.py`, `webhooks.py`, `users.py`, …), each with a `register(commands)` that adds its
parsers and sets `run=` to a function `(settings, args) -> exit code`. Adding a group is its module
plus one line in GROUPS."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from turnout.cli import users, webhooks

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

GROUPS: list[Register] = [
    users.register,
    webhooks.register,
]
