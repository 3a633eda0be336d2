"""The pages people read: `GET /` and the interactive API reference at `/docs`.

/docs is Scalar's API reference (`make install` puts its pinned browser bundle beside this module),
reading `/docs/openapi.json`: the one OpenAPI document, with each paragraph that the document repeats
on many responses said once, in the introduction (`said_once`). Scalar shows a copyable curl example
for every operation and can send requests. No page loads anything from another host: fonts are the
system's, telemetry is off.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from turnout.openapi import HTTP_METHODS
from turnout.operability import DOCS
from turnout.surfaces.operation import Documented

ASSET = Path(__file__).parent / "assets" / "scalar-api-reference.js"
REPEATED = 3  # a header description on this many responses or more is said once
SAID_ONCE_HEADING = "Headers on many responses"

# Scalar's options (https://github.com/scalar/scalar, documentation/configuration.md).
_SCALAR = {
    "url": "/docs/openapi.json",
    "withDefaultFonts": False,  # its default loads fonts from its own host
    "telemetry": False,
    "agent": {"disabled": True},  # its chat calls its own host
    "showDeveloperTools": "never",
    "defaultHttpClient": {"targetKey": "shell", "clientKey": "curl"},
    "authentication": {"preferredSecurityScheme": "bearerAuth"},
    "metaData": {"title": "turnout API reference"},
}

_DOCS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>turnout API reference</title></head>
<body><div id="reference"></div>
<noscript>This reference needs JavaScript. The API itself is described by
<a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1) and in docs/API.md.</noscript>
<script src="/docs/scalar-api-reference.js"></script>
<script>Scalar.createApiReference("#reference", CONFIGURATION)</script>
</body></html>
"""

_MISSING = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>turnout API reference</title></head>
<body><p>The interactive reference is not installed: run <code>make install</code>, which fetches
its pinned bundle from npm. Meanwhile the API is described by <a href="/openapi.json">/openapi.json</a>.
</p></body></html>
"""

_HOME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>turnout</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;
color:#1d2330}}li{{margin:.4rem 0}}code{{font-size:.9em}}</style></head>
<body><h1>turnout</h1>
<p>Bookable events, seats and registrations, over a Cronofy-compatible API (<code>/v1</code>) and a
Webkasa-compatible one (<code>/api/v1</code>).</p>
<ul>
<li><a href="/docs">API reference</a>: every operation, with a curl example to copy</li>
{app}<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a>: is it up, is its database</li>
<li><a href="/openapi.json">/openapi.json</a>: the OpenAPI 3.1 document</li>
</ul>
<p>API keys are made with <code>turnout key create --tenant NAME</code>; see the README.</p>
</body></html>
"""


def routes(document: dict[str, Any]) -> list[Route]:
    """`/`, `/docs`, the reference's document and its bundle. `document` is filled in once the
    app's routes exist (it is derived from them), before the first request."""
    docs_page = _DOCS.replace("CONFIGURATION", json.dumps(_SCALAR))  # constant: no "<" in it
    home_page = home(web_app=importlib.util.find_spec("turnout.web") is not None)

    async def index(_: Request) -> Response:
        return HTMLResponse(home_page)

    async def docs(_: Request) -> Response:
        return HTMLResponse(docs_page if ASSET.exists() else _MISSING)

    reference: list[bytes] = []

    async def reference_json(_: Request) -> Response:
        if not reference:
            reference.append(json.dumps(said_once(document), separators=(",", ":")).encode())
        return Response(reference[0], media_type="application/json; charset=utf-8")

    async def bundle(_: Request) -> Response:
        if not ASSET.exists():
            return Response("run make install", 404)
        return FileResponse(ASSET, media_type="text/javascript; charset=utf-8")

    return [
        Route("/", index, include_in_schema=False),
        Documented("/docs", docs, DOCS, "GET"),
        Route("/docs/openapi.json", reference_json, include_in_schema=False),
        Route("/docs/scalar-api-reference.js", bundle, include_in_schema=False),
    ]


def home(web_app: bool) -> str:
    app = '<li><a href="/app/">The web app</a>: events and check-in for organizers</li>\n'
    return _HOME.format(app=app if web_app else "")


def said_once(document: dict[str, Any]) -> dict[str, Any]:
    """The document for the reference: each response-header description repeated on REPEATED or
    more responses is written once, under its header's name in the introduction, and each response
    points there. Nothing else changes; /openapi.json stays as it is."""
    result = copy.deepcopy(document)
    seen = _header_descriptions(result)
    notes = []
    for (name, text), places in seen.items():
        if len(places) < REPEATED:
            continue
        label = _label(name, text, places, seen)
        notes.append(f"**{label}**: {text}")
        for _, header in places:
            header["description"] = f"See *{label}* under {SAID_ONCE_HEADING} in the introduction."
    if notes:
        intro = result["info"].get("description", "")
        result["info"]["description"] = f"{intro}\n\n## {SAID_ONCE_HEADING}\n\n" + "\n\n".join(
            sorted(notes)
        )
    return result


Places = list[tuple[str, dict[str, Any]]]  # (path, header object)


def _header_descriptions(document: dict[str, Any]) -> dict[tuple[str, str], Places]:
    seen: dict[tuple[str, str], Places] = defaultdict(list)
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            for response in item.get(method, {}).get("responses", {}).values():
                for name, header in response.get("headers", {}).items():
                    if isinstance(header.get("description"), str):
                        seen[(name, header["description"])].append((path, header))
    return seen


def _label(name: str, text: str, places: Places, seen: dict[tuple[str, str], Places]) -> str:
    """The header's name, with the surfaces it is said of when the document describes it in more
    than one way."""
    ways = [t for (n, t), found in seen.items() if n == name and len(found) >= REPEATED]
    if len(ways) == 1:
        return name
    surfaces = sorted({"/api/v1" if p.startswith("/api/") else p.split("/")[1] for p, _ in places})
    return f"{name} on {', '.join('/' + s.lstrip('/') for s in surfaces)}"
