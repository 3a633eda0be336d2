"""One line per request on stderr: method, path, status, duration, tenant, and the request's
tracking ID when its surface gave it one (the Notification Hubs surface's `TrackingId`).

Only the path is logged, never the query string: the Cronofy Node SDK puts the API key there as
`bearer_token`. Headers and bodies are never logged either.

Lines reach stderr in batches: the lines the event loop makes within `FLUSH_AFTER` of the first are
written with one `write`, instead of a write and a flush per request on the loop. While that
writer is the logger's only way out (as `configure` leaves it), a line goes to it as text, without
a `logging.LogRecord`; a handler added to `turnout.access` (the tests', an operator's) gets records
again, with the same message.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("turnout.access")

# How late a line may reach stderr. A timer, not `call_soon`: a ready callback makes the loop's next
# poll return at once, so under load each flush cut the loop's wait for I/O short, and the work
# after it came in smaller batches; the log then cost more over HTTP than its own instructions
# (docs/PERFORMANCE.md, "The access log's measure").
FLUSH_AFTER = 0.002


class TurnWriter(logging.Handler):
    """Formats each line when it is logged; writes the lines of the loop's next `FLUSH_AFTER`
    seconds together (at once outside a loop; logging.shutdown flushes what is left at exit)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.lines: list[str] = []
        # The loop a flush is scheduled on. Test processes run several servers, each on a loop of
        # its own thread; a loop that stopped before its flush must not keep the others waiting.
        self.scheduled_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self._add(self.format(record))  # under the handler's lock (Handler.handle)

    def add(self, line: str) -> None:
        """`line` as a record of it would be written, without making the record."""
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self._add(line)

    def _add(self, line: str) -> None:
        self.lines.append(line)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write()
            return
        if self.scheduled_on is not loop:
            self.scheduled_on = loop
            loop.call_later(FLUSH_AFTER, self.flush)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            self.scheduled_on = None
            self._write()

    def _write(self) -> None:
        if self.lines:
            text = "\n".join(self.lines) + "\n"
            self.lines.clear()
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed or gone: nowhere left to log
                pass


def configure(enabled: bool) -> None:
    if log.handlers:
        return
    handler = TurnWriter(sys.stderr)  # no formatter: a line is its message (as "%(message)s")
    log.addHandler(handler)
    log.propagate = False
    log.setLevel(logging.INFO if enabled else logging.WARNING)


def _sole_writer() -> TurnWriter | None:
    """The logger's writer, when a record would reach it alone and be written as its message."""
    handlers = log.handlers
    if len(handlers) != 1 or log.filters or log.propagate:
        return None
    writer = handlers[0]
    if type(writer) is not TurnWriter or writer.filters or writer.formatter is not None:
        return None
    return writer if writer.level <= logging.INFO else None


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        logged = False

        def write_line() -> None:
            nonlocal logged
            logged = True
            elapsed_ms = (time.perf_counter() - started) * 1000
            state = scope.get("state", {})
            tenant = state.get("tenant", "-")
            path = _printable(scope["path"])
            tracking = f" tracking={state['tracking_id']}" if "tracking_id" in state else ""
            line = f"{scope['method']} {path} {status} {elapsed_ms:.1f}ms tenant={tenant}{tracking}"
            writer = _sole_writer()
            if writer is not None:
                writer.add(line)
                return
            # The record made directly: Logger.info would also walk the stack for the caller's
            # file and line, which an access line never shows (about half its cost).
            log.handle(log.makeRecord(log.name, logging.INFO, "", 0, line, (), None))

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                write_line()  # before the last byte leaves: written within FLUSH_AFTER
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if not logged:
                write_line()


def _printable(path: str) -> str:
    # A path is client text: keep one request on one line. Most paths have nothing to escape, and
    # the check costs a seventh of the escaping (what unicode_escape leaves as is: printable ASCII
    # but the backslash).
    if path.isascii() and path.isprintable() and "\\" not in path:
        return path[:512]
    return path.encode("unicode_escape").decode("ascii")[:512]
