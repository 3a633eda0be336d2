"""The documentation page: a readable, self-contained HTML rendering of an OpenAPI document."""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from turnout.openapi.build import API_KEY, BEARER, HTTP_METHODS, Schema

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 4rem}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.5rem}
section.op{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.2rem 1rem 1rem;
margin:1.2rem 0}
.method{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;
font-size:.85rem;padding:.1rem .4rem;margin-right:.4rem;background:#57606a}
.get{background:#0969da}.post{background:#1a7f37}.delete{background:#cf222e}
code,pre{font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:.6rem;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top}
.muted{color:#57606a}
"""

_AUTH_LABELS = {BEARER: "Bearer API key", API_KEY: "X-API-Key header"}
_REF = re.compile(r"&quot;#/components/schemas/([A-Za-z0-9_]+)&quot;")


def html(document: dict[str, Any]) -> str:
    """A readable, self-contained HTML page (no scripts, no external resources) for `document`."""
    title = escape(str(document["info"]["title"]))
    schemas = document.get("components", {}).get("schemas", {})
    body = [
        _intro(document),
        _contents(document),
        *(_operation_html(m, p, op, schemas) for m, p, op in _operations(document)),
        _schemas_html(document),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escaped text in which `backticked` spans become <code>."""
    return _CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{_inline(p)}</p>" for p in text.split("\n\n") if p.strip())


def _pre(value: Any) -> str:
    """Pretty JSON in <pre>, with schema references linked to the Schemas section."""
    text = escape(json.dumps(value, indent=2, ensure_ascii=False))
    return (
        "<pre>"
        + _REF.sub(r'&quot;<a href="#schema-\1">#/components/schemas/\1</a>&quot;', text)
        + "</pre>"
    )


def _intro(document: dict[str, Any]) -> str:
    info = document["info"]
    servers = ", ".join(
        f"<code>{escape(str(s['url']))}</code>" for s in document.get("servers", [])
    )
    parts = [
        f"<h1>{escape(str(info['title']))}</h1>",
        f'<p class="muted">Version {escape(str(info["version"]))} · OpenAPI '
        f"{escape(str(document['openapi']))} · Server: {servers}</p>",
    ]
    if "summary" in info:
        parts.append(f"<p><strong>{escape(str(info['summary']))}</strong></p>")
    parts.append('<h2 id="authentication">Authentication</h2>')
    parts.append(
        "<p>Every <code>/v1</code> operation needs a tenant API key in the "
        f"<code>{escape('Authorization: Bearer <API key>')}</code> header. Without a valid key the "
        "answer is <code>401 {}</code> with <code>WWW-Authenticate: Bearer</code>; a key without "
        "the needed scope gets <code>403 {}</code>. Every <code>/api/v1</code> operation takes "
        "the same key in that header or in <code>X-API-Key</code>, and answers "
        "<code>401 UNAUTHORIZED</code> or <code>403 INSUFFICIENT_SCOPE</code>. The health checks "
        "and this documentation need no key.</p>"
    )
    for scheme in document.get("components", {}).get("securitySchemes", {}).values():
        parts.append(_paragraphs(str(scheme.get("description", ""))))
    parts.append('<h2 id="overview">Overview</h2>')
    parts.append(_paragraphs(str(info.get("description", ""))))
    if "/openapi.json" in document["paths"]:
        parts.append(
            '<p>The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>'
        )
    return "\n".join(parts)


def _anchor(operation: dict[str, Any], method: str, path: str) -> str:
    name = operation.get("operationId") or f"{method}-{path}"
    return "op-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(name))


def _contents(document: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td><span class="method {escape(m)}">{escape(m.upper())}</span></td>'
        f'<td><a href="#{_anchor(op, m, p)}"><code>{escape(p)}</code></a></td>'
        f"<td>{escape(str(op.get('summary', '')))}</td></tr>"
        for m, p, op in _operations(document)
    )
    return (
        '<h2 id="operations">Operations</h2>'
        "<table><tr><th>Method</th><th>Path</th><th>Summary</th></tr>" + rows + "</table>"
    )


def _operation_html(
    method: str, path: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> str:
    schemes = [name for requirement in operation.get("security", []) for name in requirement]
    auth = " or ".join(_AUTH_LABELS.get(name, name) for name in schemes) or "none"
    parts = [
        f'<section class="op" id="{_anchor(operation, method, path)}">',
        f'<h3><span class="method {escape(method)}">{escape(method.upper())}</span>'
        f"<code>{escape(path)}</code></h3>",
        f"<p><strong>{escape(str(operation.get('summary', '')))}</strong></p>",
        _paragraphs(str(operation.get("description", ""))),
        f'<p class="muted">operationId <code>{escape(str(operation.get("operationId", "")))}</code>'
        f" · Authentication: {escape(auth)}</p>",
        _parameters_html(operation.get("parameters", [])),
        _request_body_html(operation.get("requestBody"), schemas),
        _responses_html(operation.get("responses", {}), schemas),
        "</section>",
    ]
    return "\n".join(p for p in parts if p)


def _parameters_html(parameters: list[dict[str, Any]]) -> str:
    if not parameters:
        return ""
    rows = "".join(
        f"<tr><td><code>{escape(str(p['name']))}</code></td><td>{escape(str(p['in']))}</td>"
        f"<td>{'yes' if p.get('required') else 'no'}</td>"
        f"<td><code>{escape(json.dumps(p.get('schema', {}), ensure_ascii=False))}</code></td>"
        f"<td>{escape(str(p.get('description', '')))}</td></tr>"
        for p in parameters
    )
    return (
        "<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th>"
        "<th>Description</th></tr>" + rows + "</table>"
    )


def _schema_html(schema: Schema, schemas: dict[str, Any]) -> str:
    """A schema as pretty JSON; a bare reference shows the named schema it points to."""
    ref = str(schema.get("$ref", "")) if set(schema) == {"$ref"} else ""
    name = ref.removeprefix("#/components/schemas/")
    if not ref.startswith("#/components/schemas/") or name not in schemas:
        return _pre(schema)
    link = f'<a href="#schema-{escape(name)}"><code>{escape(name)}</code></a>'
    return f"<p>Schema {link}:</p>" + _pre(schemas[name])


def _content_html(content: dict[str, Any], schemas: dict[str, Any]) -> str:
    parts = []
    for media_type, media in content.items():
        parts.append(f"<p>Content-Type: <code>{escape(media_type)}</code></p>")
        if "schema" in media:
            parts.append(_schema_html(media["schema"], schemas))
        if "example" in media:
            parts.append("<p>Example:</p>" + _pre(media["example"]))
    return "\n".join(parts)


def _request_body_html(body: dict[str, Any] | None, schemas: dict[str, Any]) -> str:
    if not body:
        return ""
    required = " (required)" if body.get("required") else ""
    return f"<h4>Request body{required}</h4>\n" + _content_html(body.get("content", {}), schemas)


def _responses_html(responses: dict[str, Any], schemas: dict[str, Any]) -> str:
    parts = ["<h4>Responses</h4>"]
    for status, response in responses.items():
        parts.append(f"<h5>{escape(str(status))}</h5>")
        parts.append(_paragraphs(str(response.get("description", ""))))
        for name, header in response.get("headers", {}).items():
            parts.append(
                f"<p>Header <code>{escape(str(name))}</code>: "
                f"{_inline(str(header.get('description', '')))}</p>"
            )
        parts.append(_content_html(response.get("content", {}), schemas))
    return "\n".join(p for p in parts if p)


def _schemas_html(document: dict[str, Any]) -> str:
    schemas = document.get("components", {}).get("schemas", {})
    parts = ['<h2 id="schemas">Schemas</h2>']
    for name, schema in schemas.items():
        parts.append(f'<h3 id="schema-{escape(str(name))}"><code>{escape(str(name))}</code></h3>')
        parts.append(_pre(schema))
    return "\n".join(parts)
