"""Connections a server can survive: uvicorn's httptools protocol, with limits it lacks.

uvicorn with httptools buffers a request's headers whatever their size, never times out a client
that sends them (or its body) slowly, closes idle connections only after a first request, and takes
connections without bound (`limit_concurrency` counts them, but answers past it only once a request's
headers have arrived, and without `Retry-After`). This subclass adds, per connection:

- a cap on the request head (request line and headers): past `max_header_bytes` plus the longest
  request target (65,535 bytes), the connection gets a 431 and is closed, with at most two reads
  (256 KiB each) more than that buffered: the read in which the head began is not counted, since it
  may also hold the end of the request before. The app refuses the headers at exactly `max_header_bytes`, in the
  surface's own shape (surfaces/headers.py); this cap is what keeps a 32 MiB header out of memory;
- `header_timeout`: from a request's first byte until its headers are complete (slowloris): 408;
- `body_timeout`: from the end of the headers until the body is complete: 408, and the app sees the
  client disconnect. If the app has already answered (without reading the body, which uvicorn then
  reads and drops), the connection is closed with no second answer;
- `idle_timeout`: a connection with no request in progress, including a new one that never sends a
  byte and one that sends only the blank lines allowed between requests, is closed;
- `max_connections`: a connection past it gets `503` with `Retry-After: 1` at once and is closed;
  a refused connection stops counting as soon as it is refused, not when its linger ends.

The header and body timeouts count only while the server reads: uvicorn stops reading a connection
while a request pipelined behind the one being answered waits its turn (and while the app leaves a
large body unread), and a client is not late for bytes the server left in the socket. A request that
is late behind one still being answered does not take that one's answer: the answers already owed
are sent first, then the 408, then the connection closes.

A 408 or 431 sent once the request line has arrived takes the shape of the surface its path would
be routed to (the app's `refusal`, surfaces/headers.py), as the app's own refusals do; one sent
before that, and the 503 at accept, has a plain-text body that says what to do.

uvicorn's own options cover part of this: `timeout_keep_alive` is the idle timeout between
requests (set from TURNOUT_IDLE_TIMEOUT_SECONDS); `h11_max_incomplete_event_size` caps heads, but
only with the pure-Python h11 parser, not the httptools one turnout's throughput is measured with
(docs/PERFORMANCE.md), and neither parser has a header or body timeout. Hence a thin subclass.

The limits ride on uvicorn's Config (`limits`), which uvicorn pickles into its worker processes.

The event loop is uvloop's, with one change (`EagerLoop`): connections are accepted all at once.
libuv accepts one connection each time the listening socket is polled, once per loop iteration, and
an iteration of a busy server serves every connection it has: 64 clients connecting together waited
up to 0.4 s for the last accept, their requests sitting in their sockets (docs/PERFORMANCE.md, "Read
tails"). asyncio's own loop accepts them all at once, but costs up to 17% more CPU per request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import ssl as _ssl
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import httptools
import uvicorn
import uvloop
from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.supervisors import Multiprocess

from turnout.config import Settings

log = logging.getLogger("turnout.connections")

MAX_TARGET_BYTES = 65_535  # httptools refuses longer request targets with a 400 of its own
_LINGER_SECONDS = 1.0  # how long a refused connection is read (and dropped) before it is closed


@dataclasses.dataclass(frozen=True)
class Limits:
    max_head_bytes: int
    header_timeout: int  # seconds
    body_timeout: int
    idle_timeout: int
    max_connections: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            max_head_bytes=settings.max_header_bytes + MAX_TARGET_BYTES,
            header_timeout=settings.header_timeout_seconds,
            body_timeout=settings.body_timeout_seconds,
            idle_timeout=settings.idle_timeout_seconds,
            max_connections=settings.max_connections,
        )


def _line(status: bytes, *headers: bytes) -> bytes:
    return b"\r\n".join((b"HTTP/1.1 " + status, *headers, b"content-length: 0", b"", b""))


def _answer(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A whole refusal on the wire; the connection closes after it."""
    lines = [b"HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase.encode())]
    lines += [name + b": " + value for name, value in headers if name.lower() != b"connection"]
    if status == 503:
        lines.append(b"retry-after: 1")
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _plain(status: int, text: str) -> bytes:
    body = f"turnout: {text}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    return _answer(status, [*headers, (b"content-length", str(len(body)).encode())], body)


# Refusals sent before any path is known, so before any surface can be chosen (docs/API.md).
REFUSALS = {
    400: _line(b"400 Bad Request", b"connection: close"),  # bytes that are not HTTP/1.1
    408: _plain(
        408,
        "the request's headers did not arrive in time (TURNOUT_HEADER_TIMEOUT_SECONDS); "
        "send it again, whole and promptly",
    ),
    431: _plain(
        431, "the request's head is larger than this server reads; send fewer or smaller headers"
    ),
    503: _plain(
        503,
        "this server process holds its maximum of connections (TURNOUT_MAX_CONNECTIONS); "
        "connect again after Retry-After seconds",
    ),
}
# Refusals that take the shape of the surface the path goes to, once the path is known.
IN_SURFACE_SHAPE = (408, 431)

Refusal = Callable[[dict[str, Any], int], Any]  # (scope, status) -> starlette Response


def _refusal_of(app: Any) -> Refusal | None:
    """The app's `refusal` (surfaces/headers.HeaderLimit), found through the middleware around
    it, uvicorn's included: the same route table decides a refusal's shape here as in the app."""
    while app is not None:
        refusal = getattr(app, "refusal", None)
        if callable(refusal):
            return refusal  # type: ignore[no-any-return]
        app = getattr(app, "app", None)
    return None


class _Flow(FlowControl):
    """uvicorn's flow control, telling the protocol when it stops and starts reading."""

    def __init__(self, transport: asyncio.Transport, changed: Callable[[], None]) -> None:
        super().__init__(transport)
        self.changed = changed

    def pause_reading(self) -> None:
        if not self.read_paused:
            super().pause_reading()
            self.changed()

    def resume_reading(self) -> None:
        if self.read_paused:
            super().resume_reading()
            self.changed()


class GuardedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with the limits above; everything else is uvicorn's."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.limits: Limits = config.limits  # type: ignore[attr-defined]
        self.head_bytes = 0
        self.reading_head = False  # between a request's first byte and the end of its headers
        self.awaiting_body = False  # between the end of a request's headers and its end
        self.began_this_read = False
        self.deadline: asyncio.TimerHandle | None = None
        self.refused = False  # what the client sends from now on is read and dropped
        self.late: int | None = None  # a refusal owed once the answers before it are sent
        self.running: RequestResponseCycle | None = None  # the request whose app was started last
        # Whether the current request's line (so its path) has arrived whole, and the last piece
        # of its target the parser passed on (see data_received).
        self.target_known = False
        self.target_tail: bytes | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.flow = _Flow(self.transport, self._time_reading)  # before any request uses it
        if len(self.connections) > self.limits.max_connections:
            log.warning("over TURNOUT_MAX_CONNECTIONS (%d): refused", self.limits.max_connections)
            self._refuse(503)
            return
        self._arm(self.limits.idle_timeout, self._idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # read and dropped until the linger ends, so the 503 is not lost to a reset
        self.began_this_read = False
        self.target_tail = None
        super().data_received(data)
        if self.reading_head and not self.target_known and self.url:
            # The parser passes the target on in pieces; it is whole once bytes have followed it:
            # in this read, or in a later one that added nothing to it.
            self.target_known = self.target_tail is None or not data.endswith(self.target_tail)
        if self.awaiting_body and self.deadline is None and not self.flow.read_paused:
            # Armed here rather than at the end of the headers: most requests have no body, and
            # their end follows the headers in the same read, so they need no timer at all.
            self._arm(self.limits.body_timeout, self._too_slow)
        if not self.reading_head or self.transport.is_closing():
            return
        if not self.began_this_read:  # the bytes before a request's start belong to the last one
            self.head_bytes += len(data)
        if self.head_bytes > self.limits.max_head_bytes:
            self._refuse(431)

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_bytes, self.reading_head, self.began_this_read = 0, True, True
        self.target_known = False
        # From the first byte: a kept-alive connection's idle timer is uvicorn's, which any byte
        # cancels, so a request that never got as far as its target was never timed out.
        self._time_reading()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self.target_tail = url

    def on_headers_complete(self) -> None:
        self.reading_head = False
        if not _framing_understood(self.headers):
            # The parser fails right after this callback, but uvicorn would already have started
            # the app: the write would run while the client is told 400.
            self.send_400_response("unsupported Transfer-Encoding")
            return
        self._disarm()
        self.awaiting_body = True
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes its parser cannot read — unless a request before them is
        still being answered. uvicorn would write its 400 at once and close, so that request's
        client read a 400 for a request that ran; instead it gets its own answer (with whatever
        body had arrived), and the connection closes after it."""
        if self.refused:
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            self._refuse(400)
            return
        self.refused = True  # what follows is unreadable: dropped
        self.awaiting_body = False
        self._disarm()
        cycle.keep_alive = False
        if cycle.more_body:
            cycle.more_body = False
            cycle.message_event.set()

    def on_message_complete(self) -> None:
        self.awaiting_body = False
        self._disarm()
        super().on_message_complete()
        if self.cycle is not None and self.cycle.response_complete:
            # A body that ended after its answer (read and dropped, as uvicorn does): the
            # connection is now idle, and uvicorn's keep-alive timer was stopped by its bytes.
            self._arm(self.limits.idle_timeout, self._idle)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        self.running = cycle
        super()._start_asgi_task(cycle, app)

    def on_response_complete(self) -> None:
        owed = not self.pipeline  # no request queued behind this one: nothing else to answer
        super().on_response_complete()
        if self.transport.is_closing() or not owed:
            return
        if self.late is not None:
            self._answer_and_close(self.late)
        elif not (self.reading_head or self.awaiting_body or self.refused):
            # uvicorn's keep-alive timer stops at any byte, even the blank lines that may precede
            # a request; this one runs until a request begins.
            self._arm(self.limits.idle_timeout, self._idle)

    # Deadlines

    def _arm(self, seconds: float, then: Any) -> None:
        self._disarm()
        self.deadline = self.loop.call_later(seconds, then)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _time_reading(self) -> None:
        """Time the head or the body being read, only while the server reads it; called again
        whenever uvicorn stops or starts reading (_Flow). A pause ends when an answer is sent,
        which a client cannot stretch for free, so the clock starts afresh."""
        if self.refused or not (self.reading_head or self.awaiting_body):
            return
        if self.flow.read_paused:
            self._disarm()
        else:
            seconds = self.limits.header_timeout if self.reading_head else self.limits.body_timeout
            self._arm(seconds, self._too_slow)

    def _idle(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    def _too_slow(self) -> None:
        """A request's head or body did not arrive in time: 408 if nothing was answered yet; the
        app, if it is waiting for the body, is told the client is gone. If an earlier request is
        still being answered, its answer (and those of whole requests queued behind it) go first."""
        late = self.cycle if self.awaiting_body else None  # None: a head, which has no cycle yet
        earlier = self.running
        if earlier is not None and earlier is not late and not earlier.response_complete:
            self._stop_reading()
            self.late = 408
            if late is not None and self.pipeline and self.pipeline[0][0] is late:
                self.pipeline.popleft()  # queued, never started: it only gets the 408
            return
        if late is not None and late.response_complete:
            # Answered before its body was read: the client has its answer, and a 408 after it
            # would be taken for its next request's. The body it still owed ends here, quietly.
            self.transport.close()
            return
        cycle = self.cycle
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()  # too late for a 408; the app sees the disconnect
            return
        self._refuse(408)

    def _refuse(self, status: int) -> None:
        """Answer `status` and close, after reading what the client still sends for a moment:
        closing a socket with unread data resets it, and the client might never see the answer."""
        if self.refused or self.transport.is_closing():
            return
        self._stop_reading()
        self._answer_and_close(status)

    def _stop_reading(self) -> None:
        self.refused = True
        self.awaiting_body = False
        self._disarm()

    def _answer_and_close(self, status: int) -> None:
        # From now on it only drains: it no longer counts toward max_connections (uvicorn's set of
        # connections, which it also closes at shutdown; the linger's timer closes this one).
        self.connections.discard(self)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:  # nothing more of it gets written
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.write(self._refusal(status))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.deadline = self.loop.call_later(_LINGER_SECONDS, self.transport.close)

    def _refusal(self, status: int) -> bytes:
        """In the shape of the surface the path goes to, if the path is known; else plain."""
        path = self._path()
        refusal = _refusal_of(self.app) if path is not None else None
        if status not in IN_SURFACE_SHAPE or refusal is None:
            return REFUSALS[status]
        # Routing looks at the path alone here: a method a route does not take still goes to it.
        response = refusal({"type": "http", "path": path, "root_path": "", "method": "GET"}, status)
        return _answer(status, response.raw_headers, response.body)

    def _path(self) -> str | None:
        """The current request's path: parsed by uvicorn once its headers are complete, or from
        its target once that has arrived whole; None before (or at accept, with no request)."""
        scope = getattr(self, "scope", None)
        if scope is not None and "path" in scope:
            return str(scope["path"])
        if not self.target_known:
            return None
        try:
            return urllib.parse.unquote(httptools.parse_url(self.url).path.decode("ascii"))
        except (httptools.HttpParserInvalidURLError, UnicodeDecodeError, AttributeError):
            return None


def _framing_understood(headers: list[tuple[bytes, bytes]]) -> bool:
    """RFC 9112 §6.3: a request whose Transfer-Encoding does not end in chunked has no length a
    server can know; it must be refused with 400 before anything acts on it."""
    codings = [
        c.strip().lower() for n, v in headers if n == b"transfer-encoding" for c in v.split(b",")
    ]
    return not codings or codings[-1] == b"chunked"


def config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """A uvicorn Config that serves `app` with GuardedProtocol and the settings' limits."""
    conf = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=f"{__name__}:GuardedProtocol",
        loop=f"{__name__}:EagerLoop",  # uvloop, accepting every waiting connection at once
        timeout_keep_alive=settings.idle_timeout_seconds,
        **options,
    )
    conf.limits = Limits.of(settings)  # type: ignore[attr-defined]
    return conf


def serve(app: Any, settings: Settings, workers: int, **options: Any) -> None:
    """What uvicorn.run does, with `config` above: one process, or `workers` behind a supervisor."""
    conf = config(app, settings, workers=workers, **options)
    server = uvicorn.Server(conf)
    if workers > 1:
        Multiprocess(conf, sockets=[conf.bind_socket()]).run()
    else:
        # Bound here rather than by uvicorn, so that uvicorn hands EagerLoop a socket: every
        # path to the listening socket then goes through EagerLoop.create_server(sock=…).
        server.run(sockets=[conf.bind_socket()])
        if not server.started:  # as uvicorn.run: the port was taken, or the app did not start
            raise SystemExit(3)


ACCEPT_PAUSE = 1.0  # seconds without accepting after the process ran out of file descriptors


class EagerLoop(uvloop.Loop):
    """uvloop, but a server on a given socket accepts every connection waiting, each time the socket
    is readable (see the module's docstring); the connections themselves are uvloop's."""

    async def create_server(
        self, protocol_factory: Any, *args: Any, sock: socket.socket | None = None, **kwargs: Any
    ) -> Any:
        if sock is None:
            return await super().create_server(protocol_factory, *args, **kwargs)
        return _EagerServer(self, sock, protocol_factory, kwargs.get("ssl"), kwargs.get("backlog"))


class _EagerServer:
    """What uvicorn uses of an asyncio Server (`sockets`, `close`, `wait_closed`); uvicorn closes
    the sockets it passed in itself."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: Any,
        ssl: _ssl.SSLContext | None,
        backlog: int | None,
    ) -> None:
        self.loop, self.sock, self.protocol_factory, self.ssl = loop, sock, protocol_factory, ssl
        self.sockets = [sock]
        self.closed = False
        sock.setblocking(False)
        sock.listen(backlog or 2048)
        self.loop.add_reader(sock.fileno(), self._accept_all)

    def _accept_all(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return  # none left
            except ConnectionAbortedError:
                continue  # that client left before it was accepted
            except OSError as exc:
                # Out of file descriptors (or memory): the socket stays readable, and accepting
                # again at once would spin. Pause, as asyncio's loop does, and accept once some are free.
                log.warning("accept failed, accepting again in %.0f s: %s", ACCEPT_PAUSE, exc)
                self.loop.remove_reader(self.sock.fileno())
                self.loop.call_later(ACCEPT_PAUSE, self._resume)
                return
            conn.setblocking(False)
            task = self.loop.create_task(
                self.loop.connect_accepted_socket(self.protocol_factory, conn, ssl=self.ssl)
            )
            task.add_done_callback(_drop_handshake_failure)

    def _resume(self) -> None:
        if not self.closed and self.sock.fileno() != -1:
            self.loop.add_reader(self.sock.fileno(), self._accept_all)

    def close(self) -> None:
        self.closed = True
        if self.sock.fileno() != -1:
            self.loop.remove_reader(self.sock.fileno())

    async def wait_closed(self) -> None:
        return None


def _drop_handshake_failure(task: asyncio.Task[Any]) -> None:
    """A client gone before its connection was set up (a TLS handshake that failed, say) is not
    an error of the server's: retrieve it, so asyncio does not log it as one."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("connection not set up: %s", task.exception())
