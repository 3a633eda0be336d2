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
