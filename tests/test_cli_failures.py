"""Every `turnout` subcommand, walked through the failures it expects: each ends in exactly one line
on stderr that says what to do next, no traceback, and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from turnout.__main__ import _parser

TURNOUT = [sys.executable, "-m", "turnout"]
OTHER_SECRET = "b" * 40
UNUSED_PORT = "1"  # nothing listens on port 1 of 127.0.0.1 in the test machines


def run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")},
        "TURNOUT_DATABASE_URL": f"sqlite:///{folder}/cli.db",
        "TURNOUT_SECRET": "a" * 40,
        **env,
    }
    return subprocess.run(
        [*TURNOUT, *args], capture_output=True, text=True, env=environ, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with tenant `acme`, a revoked key and a usable one."""
    path = tmp_path_factory.mktemp("cli")
    assert run(path, "tenant", "create", "acme").returncode == 0
    made = run(path, "key", "create", "--tenant", "acme").stdout.splitlines()[-1]
    assert run(path, "key", "revoke", made[:15]).returncode == 0
    assert run(path, "key", "create", "--tenant", "acme").returncode == 0
    (path / "notadb.db").write_text("this is not SQLite\n" * 100)
    return path


@pytest.fixture(scope="module")
def revoked_prefix(folder: Path) -> str:
    listed = run(folder, "key", "list", "--tenant", "acme").stdout
    return next(line.split()[0] for line in listed.splitlines() if line.endswith("revoked"))


@pytest.fixture
def busy_port() -> Iterator[str]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield str(taken.getsockname()[1])


SQLITE_CASES = {
    # name: (arguments, environment, a phrase the one line must hold)
    "no-action": (["key"], {}, "needs an action"),
    "unknown-command": (["bogus"], {}, "invalid choice"),
    "missing-argument": (["key", "create"], {}, "--tenant"),
    "bad-setting": (["migrate"], {"TURNOUT_PAGE_SIZE": "many"}, "whole number"),
    "bad-url": (["migrate"], {"TURNOUT_DATABASE_URL": "mysql://x"}, "sqlite:///"),
    "short-secret": (["migrate"], {"TURNOUT_SECRET": "short"}, "at least 32"),
    "folder-missing": (
        ["migrate"],
        {"TURNOUT_DATABASE_URL": "sqlite:////nonexistent/dir/x.db"},
        "mkdir -p /nonexistent/dir",
    ),
    "not-a-database": (
        ["migrate"],
        {"TURNOUT_DATABASE_URL": "sqlite:///{folder}/notadb.db"},
        "not a SQLite",
    ),
    "serve-workers-zero": (["serve", "--workers", "0"], {}, "at least 1"),
    "serve-workers-sqlite": (["serve", "--workers", "2"], {}, "needs PostgreSQL"),
    "serve-bad-port": (["serve", "--port", "70000"], {}, "is not a port"),
    "serve-bad-host": (["serve", "--host", "no.such.host.invalid"], {}, "cannot resolve"),
    "serve-port-in-use": (["serve", "--port", "{busy_port}"], {}, "is in use"),
    "serve-new-secret": (
        ["serve", "--port", "{free_port}"],
        {"TURNOUT_SECRET": OTHER_SECRET},
        "turnout secret adopt",
    ),
    "tenant-exists": (["tenant", "create", "acme"], {}, "already exists"),
    "tenant-name-empty": (["tenant", "create", " "], {}, "1 to 64"),
    "tenant-list-not-a-database": (
        ["tenant", "list"],
        {"TURNOUT_DATABASE_URL": "sqlite:///{folder}/notadb.db"},
        "not a SQLite",
    ),
    "tenant-set-unknown": (["tenant", "set", "ghost", "--cors-origins", "none"], {}, "tenant list"),
    "tenant-set-nothing": (["tenant", "set", "acme"], {}, "nothing to change"),
    "tenant-set-bad-origin": (
        ["tenant", "set", "acme", "--cors-origins", "app.example.com/path"],
        {},
        "scheme://host",
    ),
    "key-create-unknown-tenant": (["key", "create", "--tenant", "ghost"], {}, "tenant create"),
    "key-create-bad-scope": (
        ["key", "create", "--tenant", "acme", "--scope", "owner"],
        {},
        "scopes are",
    ),
    "key-create-bad-expiry": (
        ["key", "create", "--tenant", "acme", "--expires", "soonish"],
        {},
        "duration",
    ),
    "key-create-past-expiry": (
        ["key", "create", "--tenant", "acme", "--expires", "2001-01-01"],
        {},
        "in the past",
    ),
    "key-create-new-secret": (
        ["key", "create", "--tenant", "acme"],
        {"TURNOUT_SECRET": OTHER_SECRET},
        "turnout secret adopt",
    ),
    "key-list-unknown-tenant": (["key", "list", "--tenant", "ghost"], {}, "tenant list"),
    "key-revoke-not-a-prefix": (["key", "revoke", "nope"], {}, "tk_"),
    "key-revoke-unknown": (["key", "revoke", "tk_AAAAAAAAAAAA"], {}, "key list"),
    "key-revoke-again": (["key", "revoke", "{revoked}"], {}, "already revoked"),
    "key-rotate-revoked": (["key", "rotate", "{revoked}"], {}, "key create"),
    "key-rotate-bad-grace": (["key", "rotate", "{revoked}", "--grace", "a while"], {}, "duration"),
    # The webhooks branch's groups (docs/WEBHOOKS.md): their argument errors, one line each.
    "webhook-create-missing": (["webhook", "create"], {}, "required"),
    "webhook-list-missing": (["webhook", "list"], {}, "required"),
    "webhook-delete-missing": (["webhook", "delete"], {}, "required"),
    "webhook-rotate-missing": (["webhook", "rotate"], {}, "required"),
    "webhook-deliveries-missing": (["webhook", "deliveries"], {}, "required"),
    "webhook-redeliver-missing": (["webhook", "redeliver"], {}, "required"),
    "worker-bad-argument": (["worker", "--bogus"], {}, "unrecognized"),
    # The web app's people (docs/DASHBOARD.md).
    "user-create-missing": (["user", "create"], {}, "required"),
    "user-create-unknown-tenant": (
        ["user", "create", "--tenant", "ghost", "a@b.co"],
        {},
        "tenant list",
    ),
    "user-list-missing": (["user", "list"], {}, "required"),
    "user-delete-missing": (["user", "delete"], {}, "required"),
    "user-reset-missing": (["user", "reset"], {}, "required"),
    # The Notification Hubs groups (docs/NOTIFICATION_HUBS.md).
    "hub-create-missing": (["hub", "create"], {}, "required"),
    "hub-create-unknown-tenant": (["hub", "create", "--tenant", "ghost", "h1"], {}, "tenant list"),
    "hub-list-unknown-tenant": (["hub", "list", "--tenant", "ghost"], {}, "tenant create"),
    "hub-set-missing": (["hub", "set"], {}, "required"),
    "hub-delete-missing": (["hub", "delete"], {}, "required"),
    "hub-rule-no-action": (["hub", "rule"], {}, "needs an action"),
    "secret-adopt-folder-missing": (
        ["secret", "adopt"],
        {"TURNOUT_DATABASE_URL": "sqlite:////nonexistent/dir/x.db"},
        "does not exist",
    ),
}


def _filled(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def assert_one_line_failure(done: subprocess.CompletedProcess[str], phrase: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0, done
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and lines[0].startswith("turnout"), lines
    assert phrase in lines[0], lines[0]


@pytest.mark.parametrize("case", list(SQLITE_CASES))
def test_each_failure_is_one_line_and_nonzero(
    case: str, folder: Path, revoked_prefix: str, busy_port: str
) -> None:
    arguments, environment, phrase = SQLITE_CASES[case]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = str(probe.getsockname()[1])
    values = {
        "folder": str(folder),
        "revoked": revoked_prefix,
        "busy_port": busy_port,
        "free_port": free_port,
    }
    done = run(
        folder,
        *(_filled(a, values) for a in arguments),
        **{k: _filled(v, values) for k, v in environment.items()},
    )
    assert_one_line_failure(done, phrase)


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_every_subcommand_has_a_failure_case() -> None:
    expected = set()
    for name, command in _choices(_parser()).items():
        actions = _choices(command)
        expected |= {f"{name} {action}" for action in actions} if actions else {name}
    cases = [arguments for arguments, _, _ in SQLITE_CASES.values()]
    walked = {" ".join(a[:2]) for a in cases} | {a[0] for a in cases}
    assert expected - walked == set(), "subcommands without a failure case"


PG_CASES = {
    "database-missing": ("turnout_no_such_db", "postgres", "createdb"),
    "role-missing": ("postgres", "turnout_no_such_role", "createuser"),
}


@pytest.mark.parametrize("case", list(PG_CASES))
def test_postgres_set_up_mistakes_say_how_to_fix_them(
    case: str, postgres_url: str, tmp_path: Path
) -> None:
    database, role, phrase = PG_CASES[case]
    host = postgres_url.split("@", 1)[1].split("/", 1)[0]
    url = f"postgresql://{role}@{host}/{database}"
    for command in (["migrate"], ["tenant", "list"]):
        done = run(tmp_path, *command, TURNOUT_DATABASE_URL=url)
        assert_one_line_failure(done, phrase)


def test_unreachable_postgres_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{UNUSED_PORT}/x"
    assert_one_line_failure(run(tmp_path, "migrate", TURNOUT_DATABASE_URL=url), "is it running")


def test_tenant_exists_on_postgres_is_one_line(postgres_url: str, tmp_path: Path) -> None:
    assert (
        run(tmp_path, "tenant", "create", "twice", TURNOUT_DATABASE_URL=postgres_url).returncode
        == 0
    )
    done = run(tmp_path, "tenant", "create", "twice", TURNOUT_DATABASE_URL=postgres_url)
    assert_one_line_failure(done, "already exists")


def test_serve_waits_for_postgres_with_backoff_and_says_how_to_stop(tmp_path: Path) -> None:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TURNOUT_")},
        "TURNOUT_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{UNUSED_PORT}/x",
        "TURNOUT_SECRET": "a" * 40,
    }
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    proc = subprocess.Popen(
        [*TURNOUT, "serve", "--port", port], stderr=subprocess.PIPE, text=True, env=environ
    )
    try:
        proc.wait(timeout=3.5)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = proc.communicate(timeout=20)
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    waits = [line for line in lines if "not answering" in line]
    assert len(waits) >= 2 and all(w.startswith("turnout:") and "Ctrl-C" in w for w in waits)
    assert "in 0.5 s" in waits[0] and "in 1 s" in waits[1]  # backing off
    assert lines[-1] == "turnout: stopped (Ctrl-C)" and proc.returncode == 130
