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
    def __init__(self, secret: str = "", mode: str = "ok") -> None:
        self.secret = secret  # set once the endpoint exists
        self.mode = mode
        self.received: list[dict[str, Any]] = []  # every request: id, headers, body, verified
        self.lock = threading.Lock()
        self.bad_signatures = 0
        self.raw: list[tuple[dict[str, str], bytes]] = []  # every request's headers and body
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.take(dict(self.headers.items()), body)
                if receiver.mode == "hang":
                    time.sleep(30)
                    return
                status = {"ok": 200, "fail": 500, "gone": 410}[receiver.mode]
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
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
