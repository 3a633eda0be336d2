"""turnout as real OS processes, and a private PostgreSQL cluster a test may restart.

`ServerProcess` runs `python -m turnout serve --workers N` in a session (process group) of its own,
so tearing it down — on success or failure — kills the supervisor and every worker it spawned.
It has the `settings`, `url` and `run` of `tests.live.LiveServer`, so `make_tenant` works on it.

`PrivatePostgres` is for tests that restart or stop the database: the shared server on 5432 is
used by other test sessions and must never be restarted.
"""

from __future__ import annotations

import contextlib
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import SECRET, free_port, run_on_store
from turnout.config import Settings


class ServerProcess:
    def __init__(
        self,
        database_url: str,
        tmp_dir: str,
        workers: int = 1,
        open_files: int | None = None,  # the server's RLIMIT_NOFILE, if not the default
        **env: str,
    ) -> None:
        self.workers = workers
        self.open_files = open_files
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = Settings(
            database_url=database_url,
            port=self.port,
            secret=SECRET,
            secret_file=os.path.join(tmp_dir, "secret"),
            rate_limits=False,
            access_log=False,
        )
        self.env = {
            **os.environ,
            "TURNOUT_DATABASE_URL": database_url,
            "TURNOUT_SECRET": self.settings.secret,
            "TURNOUT_SECRET_FILE": self.settings.secret_file,
            "TURNOUT_RATE_LIMITS": "off",
            "TURNOUT_ACCESS_LOG": "off",
            **env,
        }
        self.log_path = Path(tmp_dir) / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self, timeout: float = 30) -> None:
        """Start (or start again, on the same port and database) and wait until it is ready."""
        assert self.process is None or self.process.poll() is not None
        command = [sys.executable, "-m", "turnout", "serve", "--port", str(self.port)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*command, "--workers", str(self.workers)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._limit_open_files if self.open_files else None,
            )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"turnout serve did not start:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def _limit_open_files(self) -> None:
        assert self.open_files is not None
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))

    def ready(self) -> bool:
        if self.workers > 1 and len(self.worker_pids()) < self.workers:
            return False
        try:
            return httpx.get(self.url + "/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The supervisor's live worker processes (with one worker, there is no supervisor)."""
        if self.workers == 1:
            return [self.pid]
        return [pid for pid in _children(self.pid) if "resource_tracker" not in _cmdline(pid)]

    def client_connections(self) -> dict[int, int]:
        """Open client connections per worker: which processes are serving requests right now."""
        inodes = _established_inodes(self.port)
        counts = {}
        for pid in self.worker_pids():
            links = []
            for fd in glob.glob(f"/proc/{pid}/fd/*"):
                with contextlib.suppress(OSError):
                    links.append(os.readlink(fd))
            counts[pid] = sum(1 for link in links if link.removeprefix("socket:[")[:-1] in inodes)
        return counts

    def kill(self, pid: int | None = None) -> None:
        """SIGKILL one process (a worker, or by default the supervisor alone) and reap it."""
        target = self.pid if pid is None else pid
        os.kill(target, signal.SIGKILL)
        if target == self.pid:
            assert self.process is not None
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after 10 s."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        # Workers orphaned by a killed supervisor are still in its process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def run(self, coro_fn: Any) -> Any:
        return run_on_store(self.settings, coro_fn)


def _children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.split("/")[2]))
    return sorted(found)


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is `port` (IPv4)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
            inodes.add(fields[9])
    return inodes


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def pg_bin_dir() -> str | None:
    """The newest installed PostgreSQL's binaries (TURNOUT_TEST_PG_BIN overrides)."""
    if override := os.environ.get("TURNOUT_TEST_PG_BIN"):
        return override
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found.sort(key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, run as the `postgres` user when we are root."""

    def __init__(self) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            message = "no PostgreSQL server binaries (initdb) under /usr/lib/postgresql"
            if os.environ.get("CI") == "true":
                pytest.fail(message + "; under CI=true this test is required")
            pytest.skip(message)
        self.bin = bin_dir
        self.port = free_port()
        # Not under pytest's tmp_path: it is private to root, and the server runs as `postgres`.
        self.root = tempfile.mkdtemp(prefix="turnout-pg-")
        self.data = os.path.join(self.root, "data")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: a postmaster started by pg_ctl would hold a pipe open.
        with open(os.path.join(self.root, "pg_ctl.log"), "ab") as out:
            subprocess.run(command, check=True, stdout=out, stderr=out, timeout=timeout)

    def __enter__(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        return self

    def _pg_ctl(self, *args: str) -> None:
        log = os.path.join(self.root, "server.log")
        self._run("pg_ctl", "-D", self.data, "-l", log, "-w", *args)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._pg_ctl("-o", options, "start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is ended, then the server comes back."""
        self._pg_ctl("-m", "fast", "restart")

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = Path(self.root) / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres() as pg:
        yield pg
