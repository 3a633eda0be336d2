"""The RateLimit-Policy and RateLimit headers both surfaces send, and a way to add headers to a
response the app below is about to send.

The syntax is draft-ietf-httpapi-ratelimit-headers-11 (May 2026): each field is a Structured Fields
list with one item per policy, named by a string, e.g.

    RateLimit-Policy: "per-tenant-second";q=50;w=1, "per-tenant-minute";q=500;w=60
    RateLimit: "per-tenant-second";r=49;t=1, "per-tenant-minute";r=420;t=17

q is the quota and w the window in seconds; r is what is left of the quota and t the seconds until
the window ends. A request counts in every policy's window or in none.
"""

from __future__ import annotations

from starlette.types import Message, Send

from turnout.ratelimit import Decision


def ietf_headers(decision: Decision | None) -> dict[str, str]:
    if decision is None:
        return {}
    quotas = decision.quotas
    return {
        "RateLimit-Policy": ", ".join(
            f'"{q.policy.name}";q={q.policy.limit};w={q.policy.seconds}' for q in quotas
        ),
        "RateLimit": ", ".join(f'"{q.policy.name}";r={q.remaining};t={q.reset_in}' for q in quotas),
    }


def adding_headers(send: Send, headers: dict[str, str]) -> Send:
    """`send`, with `headers` added to the response's start."""
    if not headers:
        return send
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *raw]
        await send(message)

    return send_with_headers
