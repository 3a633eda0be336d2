"""The `turnout` command, run as a user would run it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live import free_port

TURNOUT = [sys.executable, "-m", "turnout"]


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "TURNOUT_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "TURNOUT_SECRET_FILE": str(tmp_path / "secret"),
        **env,
    }
    return subprocess.run(
        [*TURNOUT, *args], capture_output=True, text=True, env=environ, timeout=60, check=False
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    out = run(tmp_path, "--help")
    assert out.returncode == 0
    for command in ("serve", "migrate", "tenant", "key"):
        assert command in out.stdout
    assert "--scope" in run(tmp_path, "key", "create", "--help").stdout


def test_migrate_applies_once(tmp_path: Path) -> None:
    first = run(tmp_path, "migrate")
    assert first.returncode == 0 and "applied migrations 1" in first.stdout
    again = run(tmp_path, "migrate")
    assert again.returncode == 0 and "up to date" in again.stdout


def test_tenant_and_key_create(tmp_path: Path) -> None:
    made = run(tmp_path, "tenant", "create", "acme")
    assert made.returncode == 0 and "turnout key create --tenant acme" in made.stdout
    assert run(tmp_path, "tenant", "create", "acme").returncode == 1
    key = run(tmp_path, "key", "create", "--tenant", "acme", "--scope", "read")
    assert key.returncode == 0
    assert re.fullmatch(r"tk_[A-Za-z0-9]{12}_[A-Za-z0-9]{32}", key.stdout.strip().splitlines()[-1])


def test_key_create_explains_mistakes(tmp_path: Path) -> None:
    unknown = run(tmp_path, "key", "create", "--tenant", "ghost")
    assert unknown.returncode == 1 and "turnout tenant create ghost" in unknown.stderr
    bad_scope = run(tmp_path, "key", "create", "--tenant", "ghost", "--scope", "superuser")
    assert bad_scope.returncode == 2 and "read, write" in bad_scope.stderr


def test_bad_database_url_says_what_works(tmp_path: Path) -> None:
    out = run(tmp_path, "migrate", TURNOUT_DATABASE_URL="mysql://x")
    assert out.returncode == 2 and "sqlite:///" in out.stderr


def test_workers_need_postgres(tmp_path: Path) -> None:
    out = run(tmp_path, "serve", "--workers", "2")
    assert out.returncode == 2 and "PostgreSQL" in out.stderr


def test_first_serve_prints_a_working_key_and_curl_line_once(tmp_path: Path) -> None:
    port = free_port()
    environ = {
        **os.environ,
        "TURNOUT_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "TURNOUT_SECRET_FILE": str(tmp_path / "secret"),
    }
    outputs = []
    for _ in range(2):
        proc = subprocess.Popen(
            [*TURNOUT, "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ,
        )
        try:
            _wait_healthy(port)
            if not outputs:
                proc.terminate()
                stdout, _ = proc.communicate(timeout=20)
                outputs.append(stdout)
                curl = _curl_line(stdout)
                proc = subprocess.Popen(
                    [*TURNOUT, "serve", "--port", str(port)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=environ,
                )
                _wait_healthy(port)
                done = subprocess.run(
                    ["bash", "-c", curl + " -w '%{http_code}' -o /dev/null"],
                    capture_output=True,
                    text=True,
                    timeout=30,
                    check=False,
                )
                assert done.stdout.strip() == "200", done
        finally:
            proc.terminate()
            stdout, _ = proc.communicate(timeout=20)
        outputs.append(stdout)
    assert "tk_" in outputs[0]
    assert all("tk_" not in out for out in outputs[1:])


def _curl_line(stdout: str) -> str:
    lines = stdout[stdout.index("curl") :].strip().splitlines()
    return " ".join(line.rstrip("\\").strip() for line in lines)


def _wait_healthy(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("turnout serve did not become healthy")


def test_restart_says_how_to_make_a_new_key(tmp_path: Path) -> None:
    assert run(tmp_path, "tenant", "create", "acme").returncode == 0
    port = free_port()
    environ = {
        **os.environ,
        "TURNOUT_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "TURNOUT_SECRET_FILE": str(tmp_path / "secret"),
    }
    proc = subprocess.Popen(
        [*TURNOUT, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    try:
        _wait_healthy(port)
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=20)
    assert "tk_" not in stdout
    assert "Lost a key? Make another with: turnout key create --tenant acme" in stderr


def test_version(tmp_path: Path) -> None:
    out = run(tmp_path, "--version")
    assert out.returncode == 0 and re.fullmatch(r"turnout \d+\.\d+\.\d+\n", out.stdout)


def test_key_list_shows_every_key_and_its_state(tmp_path: Path) -> None:
    assert run(tmp_path, "tenant", "create", "acme").returncode == 0
    first = run(tmp_path, "key", "create", "--tenant", "acme", "--name", "ci").stdout
    run(tmp_path, "key", "create", "--tenant", "acme", "--scope", "read", "--expires", "2099-01-01")
    prefix = first.strip().splitlines()[-1][:15]
    rotated = run(tmp_path, "key", "rotate", prefix, "--grace", "1h")
    assert rotated.returncode == 0 and "keeps working until" in rotated.stdout
    assert run(tmp_path, "key", "revoke", prefix).returncode == 0
    listed = run(tmp_path, "key", "list", "--tenant", "acme").stdout.splitlines()
    assert listed[0].split() == [
        "PREFIX",
        "NAME",
        "SCOPES",
        "CREATED",
        "LAST",
        "USED",
        "EXPIRES",
        "STATE",
    ]
    rows = {line.split()[0]: line for line in listed[1:]}
    assert len(rows) == 3
    assert rows[prefix].endswith("revoked")
    assert "2099-01-01 00:00Z" in next(r for r in rows.values() if " read " in r)
    assert all("tk_" not in row[16:] for row in rows.values())  # never a whole key


def test_tenant_list_and_set(tmp_path: Path) -> None:
    assert run(tmp_path, "tenant", "list").stdout.startswith("turnout: no tenants yet")
    run(tmp_path, "tenant", "create", "acme")
    run(tmp_path, "key", "create", "--tenant", "acme")
    changed = run(
        tmp_path,
        "tenant",
        "set",
        "acme",
        "--require-precondition",
        "on",
        "--cors-origins",
        "https://app.example.com,http://localhost:5173",
    )
    assert changed.returncode == 0, changed.stderr
    listed = run(tmp_path, "tenant", "list").stdout.splitlines()
    assert listed[1].split()[0] == "acme"
    assert listed[1].split()[3:] == ["1", "on", "https://app.example.com", "http://localhost:5173"]


def test_secret_adopt_revokes_every_key_and_lets_serve_start(tmp_path: Path) -> None:
    run(tmp_path, "tenant", "create", "acme")
    run(tmp_path, "key", "create", "--tenant", "acme")
    other = {"TURNOUT_SECRET": "c" * 40}
    assert run(tmp_path, "key", "create", "--tenant", "acme", **other).returncode == 2
    adopted = run(tmp_path, "secret", "adopt", **other)
    assert adopted.returncode == 0 and "1 key(s) revoked" in adopted.stdout
    assert run(tmp_path, "key", "create", "--tenant", "acme", **other).returncode == 0
