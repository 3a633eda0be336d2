"""A real local webhook receiver: verifies every signature with the reference `standardwebhooks`
library, and keeps what it received. `mode` makes it answer 200, 500, 410, or hang."""

from __future__ import annotations

import http.server
import json
import threading
import time
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret: str = "", mode: str = "ok", delay: float = 0.0) -> None:
        self.secret = secret  # set once the endpoint exists
        self.mode = mode
        self.delay = delay
        self.received: list[dict[str, Any]] = []  # every request: id, headers, body, verified
        self.lock = threading.Lock()
        self.bad_signatures = 0
        self.raw: list[tuple[dict[str, str], bytes]] = []  # every request's headers and body
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request: nothing was delivered
                    return
                receiver.take(dict(self.headers.items()), body)
                if receiver.mode == "hang":
                    time.sleep(30)
                    return
                if receiver.mode == "slow":  # answers 200, but only after `delay`
                    time.sleep(receiver.delay)
                status = {"ok": 200, "slow": 200, "fail": 500, "gone": 410}[receiver.mode]
                try:
                    self.send_response(status)
                    self.send_header("content-length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the dispatcher was killed mid-delivery, as the test meant
                    pass

            def log_message(self, *_: object) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def take(self, headers: dict[str, str], body: bytes) -> None:
        self.raw.append((headers, body))
        try:
            payload = Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            payload, verified = json.loads(body), False
        with self.lock:
            self.bad_signatures += not verified
            self.received.append(
                {"id": headers["webhook-id"], "payload": payload, "verified": verified}
            )

    def ids(self) -> set[str]:
        with self.lock:
            return {r["id"] for r in self.received}

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.ids()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.ids())} of {count} messages")
            time.sleep(0.05)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default, 5, drops concurrent connects, which retry after 1 s

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a dispatcher killed mid-request resets its connection: that is the test, not a fault
