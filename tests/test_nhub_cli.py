"""`turnout hub …`: the commands print connection strings the surface accepts (spec §3.1, RT-3)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live import LiveServer
from tests.nhub import sas_token

CONNECTION = re.compile(
    r"Endpoint=(sb|http)://([^/]+)/;SharedAccessKeyName=([^;]+);SharedAccessKey=(.{44})\Z"
)


def turnout(server: LiveServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TURNOUT_DATABASE_URL": server.settings.database_url,
        "TURNOUT_SECRET": server.settings.secret,
        "TURNOUT_PUBLIC_URL": server.url,
        "TURNOUT_SECRET_FILE": str(tmp_path / "secret"),
    }
    command = [sys.executable, "-m", "turnout", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_hub_create_prints_listen_then_full(server: LiveServer, tmp_path: Path) -> None:
    tenant, hub = "t_" + secrets.token_hex(4), "cli" + secrets.token_hex(4)
    assert turnout(server, tmp_path, "tenant", "create", tenant).returncode == 0
    made = turnout(server, tmp_path, "hub", "create", "--tenant", tenant, hub, "--quota", "5")
    assert made.returncode == 0, made.stderr
    *_, listen, full = made.stdout.strip().splitlines()
    assert CONNECTION.match(listen).group(3) == f"{hub}-listen"  # type: ignore[union-attr]
    scheme, authority, name, key = CONNECTION.match(full).groups()  # type: ignore[union-attr]
    assert (scheme, name) == ("http", f"{hub}-full")
    token = sas_token(f"http://{authority}/", name, key)
    r = httpx.get(f"{server.url}/{hub}/registrations", headers={"Authorization": token})
    assert r.status_code == 200, r.text


def test_rule_create_and_rotate_keep_the_old_key_for_overlap(
    server: LiveServer, tmp_path: Path
) -> None:
    tenant, hub = "t_" + secrets.token_hex(4), "cli" + secrets.token_hex(4)
    turnout(server, tmp_path, "tenant", "create", tenant)
    turnout(server, tmp_path, "hub", "create", "--tenant", tenant, hub)
    rule = f"{hub}-ops"
    made = turnout(
        server,
        tmp_path,
        "hub",
        "rule",
        "create",
        "--tenant",
        tenant,
        "--hub",
        hub,
        rule,
        "--rights",
        "listen,manage",
    )
    old_key = CONNECTION.match(made.stdout.strip().splitlines()[-1]).group(4)  # type: ignore[union-attr]
    rotated = turnout(server, tmp_path, "hub", "rule", "rotate", "--tenant", tenant, rule)
    new_key = CONNECTION.match(rotated.stdout.strip().splitlines()[-1]).group(4)  # type: ignore[union-attr]
    for key in (old_key, new_key):
        token = sas_token(server.url + "/", rule, key)
        assert (
            httpx.get(
                f"{server.url}/{hub}/registrations", headers={"Authorization": token}
            ).status_code
            == 200
        )
    assert rule in turnout(server, tmp_path, "hub", "rule", "list", "--tenant", tenant).stdout


def test_reserved_and_duplicate_hub_names_are_refused(
    server: LiveServer, tmp_path: Path
) -> None:  # RT-3
    tenant = "t_" + secrets.token_hex(4)
    turnout(server, tmp_path, "tenant", "create", tenant)
    for name in ("Health2", "admin", "v1", "docs"):
        refused = turnout(server, tmp_path, "hub", "create", "--tenant", tenant, name)
        assert refused.returncode == 1 and "reserved" in refused.stderr, refused.stderr
    hub = "dup" + secrets.token_hex(4)
    assert turnout(server, tmp_path, "hub", "create", "--tenant", tenant, hub).returncode == 0
    again = turnout(server, tmp_path, "hub", "create", "--tenant", tenant, hub.upper())
    assert again.returncode == 1 and "exists" in again.stderr
