"""Connections a server can survive (connections.py), against `turnout serve` as a real process.

Slow clients (slowloris: headers a byte at a time, bodies that never finish, sockets that never
send) are timed out; oversized headers are refused before they are buffered whole; connections past
TURNOUT_MAX_CONNECTIONS get 503 with Retry-After. Under those attacks the server's memory stays
bounded and an honest client keeps its latency, as a ratio to its own unloaded baseline measured in
the same run (the figures are printed; docs/RELIABILITY.md records them).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.builders import make_event
from tests.fuzz.wire import Connection, Dropped
from tests.live import make_tenant
from tests.processes import ServerProcess

TIMEOUT = 2  # header, body and idle timeouts of the server under test, seconds
SLOW_CLIENTS = 200
BIG_CLIENTS = 8
BIG_HEADER = 32 * 1024 * 1024


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    limits = {
        "TURNOUT_HEADER_TIMEOUT_SECONDS": str(TIMEOUT),
        "TURNOUT_BODY_TIMEOUT_SECONDS": str(TIMEOUT),
        "TURNOUT_IDLE_TIMEOUT_SECONDS": str(TIMEOUT),
        "TURNOUT_MAX_CONNECTIONS": "1000",
    }
    with ServerProcess(database_url, str(tmp_path_factory.mktemp("conn")), **limits) as server:
        yield server


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def connect(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def answer(sock: socket.socket, timeout: float) -> bytes:
    """What the server sends until it closes the connection (or `timeout` passes)."""
    sock.settimeout(timeout)
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


class Honest:
    """A client reading its events over and over on one keep-alive connection, timing each."""

    def __init__(self, server: ServerProcess, key: str) -> None:
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        self.statuses: list[int] = []

    def latencies(self, seconds: float) -> list[float]:
        taken = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            started = time.perf_counter()
            self.statuses.append(self.http.get("/api/v1/events").status_code)
            taken.append(time.perf_counter() - started)
            time.sleep(0.01)
        return taken


def under_attack(
    attack: Callable[[threading.Event], None], honest: Honest, pid: int
) -> dict[str, float]:
    """Baseline, then the same client while `attack` runs; memory sampled throughout."""
    baseline = honest.latencies(2.0)
    rss_before = rss_mib(pid)
    stop = threading.Event()
    peak = [rss_before]

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.05)

    threads = [threading.Thread(target=attack, args=(stop,)), threading.Thread(target=sample)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    loaded = honest.latencies(3.0)
    honest.http.close()
    stop.set()
    for t in threads:
        t.join(timeout=60)
    figures = {
        "baseline_p50_ms": statistics.median(baseline) * 1000,
        "loaded_p50_ms": statistics.median(loaded) * 1000,
        "p50_ratio": statistics.median(loaded) / statistics.median(baseline),
        "p90_ratio": _p90(loaded) / _p90(baseline),
        "rss_before_mib": rss_before,
        "rss_peak_mib": peak[0],
    }
    print("\nconnection figures:", {k: round(v, 2) for k, v in figures.items()})
    return figures


def _p90(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.9)]


def test_oversized_headers_are_refused_before_they_are_buffered(served: ServerProcess) -> None:
    sent: list[int] = []
    answers: list[bytes] = []

    def big_headers(stop: threading.Event) -> None:
        def one() -> None:
            sock = connect(served)
            total = 0
            chunk = b"a" * 262144
            with contextlib.suppress(OSError):
                sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nX-Big: ")
                while total < BIG_HEADER and not stop.is_set():
                    sock.sendall(chunk)
                    total += len(chunk)
            sent.append(total)
            answers.append(answer(sock, 5))
            sock.close()

        workers = [threading.Thread(target=one) for _ in range(BIG_CLIENTS)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        honest = Honest(served, tenant.key)
        figures = under_attack(big_headers, honest, served.pid)
    assert len(sent) == BIG_CLIENTS  # (the server drops what follows its 431 for a moment)
    assert all(a.startswith(b"HTTP/1.1 431 ") for a in answers), answers
    assert figures["rss_peak_mib"] - figures["rss_before_mib"] < 32, figures
    assert set(honest.statuses) == {200}
    assert figures["p50_ratio"] < 10, figures


def test_slowloris_clients_are_timed_out(served: ServerProcess) -> None:
    closed_after: list[float] = []
    answers: list[bytes] = []

    def slowloris(stop: threading.Event) -> None:
        socks = [connect(served) for _ in range(SLOW_CLIENTS)]
        started = time.monotonic()
        for sock in socks:
            sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n")
            sock.setblocking(False)
        open_socks = dict.fromkeys(socks, b"")
        while open_socks and time.monotonic() - started < 4 * TIMEOUT + 5:
            for sock in list(open_socks):
                got = b""
                with contextlib.suppress(BlockingIOError):
                    got = sock.recv(4096)
                    if not got:  # closed by the server
                        closed_after.append(time.monotonic() - started)
                        answers.append(open_socks.pop(sock))
                        sock.close()
                        continue
                open_socks[sock] += got
                with contextlib.suppress(OSError):
                    sock.send(b"X")  # one more byte of a header name, forever
            time.sleep(0.2)
        for sock in open_socks:
            sock.close()

    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        honest = Honest(served, tenant.key)
        figures = under_attack(slowloris, honest, served.pid)
    print(f"slowloris: {len(closed_after)} closed, the last after {max(closed_after):.2f} s")
    assert len(closed_after) == SLOW_CLIENTS, "some slow clients were never timed out"
    assert max(closed_after) < TIMEOUT + 3, closed_after
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers)
    assert set(honest.statuses) == {200}
    assert figures["p50_ratio"] < 10, figures
    assert figures["rss_peak_mib"] - figures["rss_before_mib"] < 32, figures


def test_a_connection_that_never_sends_is_closed(served: ServerProcess) -> None:
    with connect(served) as sock:
        started = time.monotonic()
        assert answer(sock, TIMEOUT + 5) == b""
        assert TIMEOUT - 0.5 < time.monotonic() - started < TIMEOUT + 2


# A write on each JSON surface, and how to count what it would have made.
SLOW_WRITES = {
    "/api/v1/events": lambda http: http.get("/api/v1/events").json()["meta"]["total"],
    "/v1/bookable_events": lambda http: len(
        http.get("/v1/bookable_events").json()["bookable_events"]
    ),
}


@pytest.mark.parametrize("path", SLOW_WRITES)
def test_a_body_that_never_ends_gets_408_and_writes_nothing(
    served: ServerProcess, path: str
) -> None:
    with make_tenant(served) as tenant, connect(served) as sock:  # type: ignore[arg-type]
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            '{"title": "slow'.encode()
        )
        started = time.monotonic()
        got = answer(sock, TIMEOUT + 5)
        assert got.startswith(b"HTTP/1.1 408 "), got
        assert time.monotonic() - started < TIMEOUT + 2
        assert SHAPES[path](body_of(got), 408), got  # the path was known: the surface's shape
        assert SLOW_WRITES[path](tenant.http) == 0


def test_connections_past_the_limit_get_503_with_retry_after(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {"TURNOUT_MAX_CONNECTIONS": "20", "TURNOUT_IDLE_TIMEOUT_SECONDS": "30"}
    with ServerProcess(database_url, str(tmp_path_factory.mktemp("max")), **env) as server:
        held = [connect(server) for _ in range(20)]
        time.sleep(0.3)
        extra = connect(server)
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        refused = answer(extra, 5)
        extra.close()
        assert refused.startswith(b"HTTP/1.1 503 "), refused
        assert b"retry-after: 1" in refused.lower()
        # Refused at accept, before any path: a plain body that says what to do.
        assert b"content-type: text/plain" in refused.lower()
        assert b"connect again after Retry-After seconds" in body_of(refused)
        for sock in held:
            sock.close()
        time.sleep(0.3)
        assert httpx.get(server.url + "/healthz").status_code == 200


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        utime, stime = f.read().rsplit(")", 1)[1].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def test_a_server_out_of_file_descriptors_pauses_its_accepts_and_recovers(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Without the pause (connections.ACCEPT_PAUSE), turnout's own accept failed with EMFILE on
    # every loop iteration while clients waited in the backlog: the process spun at 100% CPU.
    env = {"TURNOUT_IDLE_TIMEOUT_SECONDS": "30"}
    tmp = str(tmp_path_factory.mktemp("fds"))
    with (
        ServerProcess(database_url, tmp, open_files=96, **env) as server,
        contextlib.ExitStack() as opened,
    ):
        for _ in range(120):  # more than the process may open; the rest wait in the backlog
            opened.enter_context(connect(server))
        time.sleep(0.5)
        before = cpu_seconds(server.pid)
        time.sleep(2)
        spent = cpu_seconds(server.pid) - before
        assert "accept failed, accepting again" in server.log()
        opened.close()
        deadline = time.monotonic() + 10
        while True:  # accepting again: the backlog's dead clients first, then this one
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.url + "/healthz", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, "not serving after the descriptors came free"
            time.sleep(0.2)
    assert spent < 0.5, f"{spent:.2f} s of CPU in 2 s while out of descriptors"


def test_refused_connections_do_not_count_toward_the_limit(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Before: a connection refused at accept counted toward the limit while it lingered (a second,
    # reading what its client still sent), so a place freed meanwhile went to nobody: 503 again.
    env = {"TURNOUT_MAX_CONNECTIONS": "5", "TURNOUT_IDLE_TIMEOUT_SECONDS": "30"}
    with (
        ServerProcess(database_url, str(tmp_path_factory.mktemp("max")), **env) as server,
        contextlib.ExitStack() as opened,
    ):
        held = [opened.enter_context(connect(server)) for _ in range(5)]
        time.sleep(0.3)
        refused = [Connection(server.port, timeout=5) for _ in range(3)]  # left open: lingering
        for conn in refused:
            opened.callback(conn.close)
        assert [conn.read().status for conn in refused] == [503, 503, 503]
        held[0].close()
        time.sleep(0.2)  # well within the refused connections' linger (1 s)
        admitted = Connection(server.port, timeout=5)
        opened.callback(admitted.close)
        admitted.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert admitted.read().status == 200


def test_an_answer_sent_before_its_body_arrived_is_the_only_answer(served: ServerProcess) -> None:
    # Before: the app answered at once (here a 404) without reading the body; the body's timer then
    # fired and wrote a 408 on the connection, which a client takes for its next request's answer.
    conn = Connection(served.port, timeout=TIMEOUT + 8)
    conn.send(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    assert conn.read().status == 404
    started = time.monotonic()
    with pytest.raises(Dropped, match="closed"):  # the body never came: closed, not answered
        conn.read()
    assert time.monotonic() - started < TIMEOUT + 2
    conn.close()


@pytest.mark.parametrize("then", [b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"])
def test_a_body_sent_after_its_answer_is_dropped_and_the_connection_kept(
    served: ServerProcess, then: bytes
) -> None:
    # As uvicorn does: the rest of the body is read and dropped, and the connection serves its next
    # request — or, without one, is closed after the idle timeout. Before, once such a body ended,
    # no timer ran: the connection stayed open for good.
    conn = Connection(served.port, timeout=TIMEOUT + 8)
    conn.send(b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
    assert conn.read().status == 404
    conn.send(b'"a": 123}' + then)  # the 9 bytes left of 10
    if then:
        assert conn.read().status == 200
    started = time.monotonic()
    with pytest.raises(Dropped, match="closed"):
        conn.read()
    assert TIMEOUT - 0.5 < time.monotonic() - started < TIMEOUT + 2
    conn.close()


def _registration(tenant: Any, rid: str) -> str:
    body = {"registration_id": rid, "status": "accepted"}
    assert tenant.http.post("/v1/bookable_events/te/registrations", json=body).status_code == 200
    return f"/api/v1/events/te/registrations/{rid}"


def _status(tenant: Any, path: str) -> str:
    return str(tenant.http.get(path).json()["data"]["status"])


def test_an_unknown_transfer_encoding_is_refused_before_the_request_runs(
    served: ServerProcess,
) -> None:
    # Found by the fuzzer: uvicorn started the app, then answered the parser's 400, so the client
    # was told 400 for a DELETE that ran.
    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        make_event(tenant.http, "te")
        path = _registration(tenant, "r1")
        with connect(served) as sock:
            sock.sendall(
                f"DELETE {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n"
                "Transfer-Encoding: x\r\n\r\n".encode()
            )
            assert answer(sock, 5).startswith(b"HTTP/1.1 400 ")
        time.sleep(0.3)
        assert _status(tenant, path) == "CONFIRMED"


def test_garbage_behind_a_request_does_not_replace_its_answer(served: ServerProcess) -> None:
    with make_tenant(served) as tenant:  # type: ignore[arg-type]
        make_event(tenant.http, "te")
        path = _registration(tenant, "r2")
        with connect(served) as sock:
            sock.sendall(
                f"DELETE {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tenant.key}\r\n\r\n"
                "GET / HTTP/1.1\r\nbad header\r\n\r\n".encode()
            )
            got = answer(sock, 5)
        assert got.startswith(b"HTTP/1.1 200 "), got[:200]
        assert got.count(b"HTTP/1.1 ") == 1
        assert _status(tenant, path) == "CANCELLED"


def test_a_slow_second_request_on_a_kept_alive_connection_gets_408(served: ServerProcess) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\n")
        got = answer(sock, TIMEOUT + 5)
    assert got.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 408 " in got, got
    assert body_of(got.partition(b"HTTP/1.1 408 ")[2]) == b"{}"  # /healthz's own JSON


def body_of(answer: bytes) -> bytes:
    """The body of the (last) answer on a closed connection: refusals carry a Content-Length."""
    head, _, body = answer.rpartition(b"\r\n\r\n")
    length = [line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length")]
    return body[: int(length[-1].split(b":")[1])] if length else body


# Where each surface's refusal must show: a path, and a check of the answer's body.
SHAPES: dict[str, Callable[[bytes, int], bool]] = {
    "/api/v1/events": lambda body, status: (
        json.loads(body)["code"] == {408: "REQUEST_TIMEOUT", 431: "HEADERS_TOO_LARGE"}[status]
    ),
    "/v1/bookable_events": lambda body, status: (
        json.loads(body)["turnout_error"]["code"]
        == {408: "request_timeout", 431: "headers_too_large"}[status]
    ),
    "/fzhub/registrations": lambda body, status: body.startswith(
        b"<Error><Code>%d</Code><Detail>" % status
    ),
    "/healthz": lambda body, status: json.loads(body) == {},
}


@pytest.mark.parametrize("path", SHAPES)
def test_a_head_over_the_cap_after_its_request_line_is_refused_in_the_surface_shape(
    served: ServerProcess, path: str
) -> None:
    with connect(served) as sock:
        with contextlib.suppress(OSError):  # the server stops reading soon after its 431
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode())
            sock.sendall(b"a" * 300_000)
        got = answer(sock, 5)
    assert got.startswith(b"HTTP/1.1 431 "), got[:300]
    assert b"connection: close" in got.lower()
    assert SHAPES[path](body_of(got), 431), got


@pytest.mark.parametrize("path", SHAPES)
def test_headers_too_slow_after_the_request_line_get_408_in_the_surface_shape(
    served: ServerProcess, path: str
) -> None:
    with connect(served) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Slo".encode())
        got = answer(sock, TIMEOUT + 5)
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert SHAPES[path](body_of(got), 408), got


def test_a_request_line_too_slow_to_arrive_gets_a_plain_408(served: ServerProcess) -> None:
    # No path yet, so no surface to answer for: plain text that says what to do.
    with connect(served) as sock:
        sock.sendall(b"GET /api/v1/ev")
        got = answer(sock, TIMEOUT + 5)
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert b"content-type: text/plain; charset=utf-8" in got.lower()
    assert b"send it again, whole and promptly" in body_of(got)
