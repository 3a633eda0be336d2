"""HTTP/1.1 over a raw socket: requests as bytes, so anything can be sent, and a strict reader of
the answers, so a dropped connection or a missing answer is seen, not retried away."""

from __future__ import annotations

import dataclasses
import socket
import time


@dataclasses.dataclass
class Request:
    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    version: bytes = b"HTTP/1.1"
    raw_tail: bytes = b""  # bytes sent after the body (framing mutations)
    content_length: bool = True  # add a Content-Length for the body

    def encode(self) -> bytes:
        lines = [self.method + b" " + self.target + b" " + self.version]
        lines += [name + b": " + value for name, value in self.headers]
        names = {name.lower() for name, _ in self.headers}
        if (
            self.content_length
            and b"content-length" not in names
            and (self.body or self.method not in (b"GET", b"HEAD", b"DELETE"))
        ):
            lines.append(b"content-length: " + str(len(self.body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + self.body + self.raw_tail


@dataclasses.dataclass
class Response:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    seconds: float

    @property
    def closes(self) -> bool:
        return b"close" in self.headers.get(b"connection", b"").lower()


class Dropped(Exception):
    """The server closed the connection (or went silent) without a complete answer."""


class Connection:
    def __init__(self, port: int, timeout: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.timeout = timeout

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:  # the server may already have answered and closed: read that
            if not isinstance(exc, (BrokenPipeError, ConnectionResetError)):
                raise

    def read(self, head_request: bool = False) -> Response:
        """The next final (non-1xx) response."""
        started = time.monotonic()
        while True:
            status, headers = self._head()
            if status >= 200:
                break
        body = b"" if head_request or status in (204, 304) else self._body(headers)
        return Response(status, headers, body, time.monotonic() - started)

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise Dropped("no answer in time") from None
        except OSError as exc:
            raise Dropped(f"connection error: {exc}") from None
        if not chunk:
            raise Dropped("closed without a complete answer")
        self.buffer += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def _head(self) -> tuple[int, dict[bytes, bytes]]:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.split(b"\r\n")
        parts = status_line.split(b" ", 2)
        if len(parts) < 2 or parts[0] != b"HTTP/1.1" or not parts[1].isdigit():
            raise Dropped(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        return int(parts[1]), headers

    def _body(self, headers: dict[bytes, bytes]) -> bytes:
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int(self._line().split(b";")[0], 16):
                chunks.append(self._take(size))
                self._take(2)
            self._take(2)
            return b"".join(chunks)
        if b"content-length" in headers:
            return self._take(int(headers[b"content-length"]))
        data = self.buffer  # no length: the body ends when the connection does
        try:
            while True:
                self._fill()
        except Dropped:
            pass
        data, self.buffer = self.buffer, b""
        return data
