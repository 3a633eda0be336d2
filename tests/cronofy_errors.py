"""/v1 error bodies as Cronofy's SDKs see them."""

from __future__ import annotations

from typing import Any

import httpx


def cronofy_body(response: httpx.Response) -> dict[str, Any]:
    """The body without turnout's `turnout_error` member, which every /v1 error carries and which
    must name a problem and a fix."""
    body = dict(response.json())
    member = body.pop("turnout_error")
    assert member["code"] and member["problem"] and member["fix"], member
    return body
