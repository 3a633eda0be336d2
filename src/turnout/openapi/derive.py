"""An OpenAPI operation from a route's record (surfaces/operation.py): parameters and bodies from
the types it names, success headers from what it declares, and every error response from examples
the surface's own error table renders, so the document shows what the server sends."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

import msgspec
from starlette.responses import Response

from turnout.openapi import prose
from turnout.openapi.walk import Endpoint
from turnout.surfaces.operation import Contract, Operation

Schema = dict[str, Any]
SchemaOf = Callable[[Any], Schema]  # a type → its schema, a $ref for a Struct


def types_of(operation: Operation) -> Iterator[Any]:
    """Every type the operation's schemas are made from."""
    yield from operation.path.values()
    for kind in (operation.body, operation.ok, *operation.answers.values()):
        if kind is not None:
            yield kind
    if operation.query is not None:
        yield from (field.type for field in msgspec.structs.fields(operation.query))


def operation(endpoint: Endpoint, schema_of: SchemaOf, headers: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI operation object of `endpoint`; `headers`: those every answer of its surface
    carries."""
    op, contract = endpoint.operation, endpoint.contract
    assert op is not None, endpoint
    description = op.description
    if op.scopes:
        description += "\n\nScope: " + ", ".join(f"`{s}`" for s in op.scopes) + "."
    out: dict[str, Any] = {
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "description": description,
    }
    if contract is not None and contract.security:
        out["security"] = [dict(s) for s in contract.security]
    parameters = [*_path(endpoint.path, op, schema_of), *_query(op, schema_of), *_headers(op)]
    if parameters:
        out["parameters"] = parameters
    if op.body is not None or op.request_example_text:
        out["requestBody"] = _request_body(op, schema_of)
    responses = {str(op.status): _success(op, schema_of, headers)}
    for status, kind in op.answers.items():
        responses[str(status)] = _answer(HTTPStatus(status).phrase, kind, schema_of, headers)
    if contract is not None:
        responses.update(_errors(endpoint, contract, headers))
    out["responses"] = dict(sorted(responses.items()))
    return out


def _path(path: str, op: Operation, schema_of: SchemaOf) -> Iterator[dict[str, Any]]:
    for name in re.findall(r"{([^}:]+)", path):
        schema = schema_of(op.path.get(name, str))
        yield _parameter(name, "path", schema, required=True)


def _query(op: Operation, schema_of: SchemaOf) -> Iterator[dict[str, Any]]:
    if op.query is None:
        return
    for field in msgspec.structs.fields(op.query):
        schema = schema_of(field.type)
        if field.default not in (msgspec.UNSET, msgspec.NODEFAULT):
            schema["default"] = field.default
        yield _parameter(field.encode_name, "query", schema, required=field.required)


def _parameter(name: str, where: str, schema: Schema, required: bool) -> dict[str, Any]:
    schema = dict(schema)
    parameter: dict[str, Any] = {"name": name, "in": where, "required": required}
    if "description" in schema:
        parameter["description"] = schema.pop("description")
    parameter["schema"] = schema
    return parameter


def _headers(op: Operation) -> Iterator[dict[str, Any]]:
    if op.idempotent:
        yield prose.IDEMPOTENCY_KEY
    if op.preconditions:
        yield from (prose.IF_MATCH, prose.IF_NONE_MATCH)


def _request_body(op: Operation, schema_of: SchemaOf) -> dict[str, Any]:
    media: dict[str, Any] = {}
    if op.body is not None:
        media["schema"] = schema_of(op.body)
        if op.example is not None:
            media["example"] = op.example
    else:
        media["schema"] = {"type": "string"}
        media["example"] = op.request_example_text
    return {"required": op.body_required, "content": {op.request_media: media}}


def _success(op: Operation, schema_of: SchemaOf, headers: dict[str, Any]) -> dict[str, Any]:
    said = (getattr(op.ok, "__doc__", None) or "").split("\n")[0].rstrip(".")
    description = f"{HTTPStatus(op.status).phrase}: {said[0].lower()}{said[1:]}" if said else ""
    response = _answer(
        description or HTTPStatus(op.status).phrase, op.ok, schema_of, headers, op.media
    )
    if op.example_text:
        response["content"] = {op.media: {"schema": {"type": "string"}, "example": op.example_text}}
    own = {}
    if op.etag:
        own["ETag"] = prose.ETAG
    if op.location:
        own["Location"] = prose.LOCATION
    if own:
        response["headers"] = {**own, **response.get("headers", {})}
    if op.links:
        response["links"] = {
            link.name: _link(link.target, link.parameters, link.body, link.description)
            for link in op.links
        }
    return response


def _link(target: str, parameters: Any, body: Any, description: str) -> dict[str, Any]:
    link: dict[str, Any] = {"operationId": target}
    if parameters:
        link["parameters"] = dict(parameters)
    if body is not None:
        link["requestBody"] = body
    if description:
        link["description"] = description
    return link


def _answer(
    description: str, kind: Any, schema_of: SchemaOf, headers: dict[str, Any], media: str = ""
) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description + "."}
    if headers:
        response["headers"] = dict(headers)
    if kind is not None:
        response["content"] = {media or prose.JSON: {"schema": schema_of(kind)}}
    return response


def _errors(endpoint: Endpoint, contract: Contract, headers: dict[str, Any]) -> dict[str, Any]:
    """Each error status the operation can answer, with an example of every error it names, as
    the surface's error table renders it."""
    op = endpoint.operation
    assert op is not None
    params = {name: name for name in re.findall(r"{([^}:]+)", endpoint.path)}
    rendered = [contract.render_error(exc, params) for exc in _errors_of(op, contract)]
    by_status: dict[int, list[Response]] = {}
    for response in [*rendered, *contract.extra(op)]:
        by_status.setdefault(response.status_code, []).append(response)
    return {
        str(status): _error_response(found, contract, headers)
        for status, found in by_status.items()
    }


def _errors_of(op: Operation, contract: Contract) -> list[Exception]:
    errors = [*contract.common(op), *op.errors]
    if op.idempotent:
        errors += contract.idempotency_errors
    if op.preconditions:
        errors += contract.precondition_errors
    return errors


def _error_response(
    found: list[Response], contract: Contract, headers: dict[str, Any]
) -> dict[str, Any]:
    media = (found[0].media_type or "").split(";")[0] + "; charset=utf-8"
    examples: dict[str, Any] = {}
    shapes: list[Any] = []
    said: list[str] = []
    own: dict[str, Any] = {}
    for response in found:
        name, text, value = _example(response)
        while name in examples:
            name += "_"
        examples[name] = {"value": value}
        said += [text] if text not in said else []
        shape = _shape(response, contract)
        shapes += [shape] if shape not in shapes else []
        for name, spec in prose.ERROR_HEADERS.items():
            if name.lower() in response.headers:
                own[name] = spec
    if all(s is None for s in shapes):
        schema: Schema = {"type": "string"}
    elif len(shapes) == 1:
        schema = _ref(shapes[0])
    else:
        schema = {"anyOf": [_ref(s) for s in shapes]}
    return {
        "description": " ".join(said),
        "headers": {**own, **headers},
        "content": {media: {"schema": schema, "examples": examples}},
    }


def _ref(kind: Any) -> Schema:
    return {"$ref": f"#/components/schemas/{kind.__name__}"}


def _shape(response: Response, contract: Contract) -> Any:
    """The first of the surface's error shapes the body decodes to, strictly; None for a body that
    is not JSON (the hubs' XML)."""
    for shape in contract.error_shapes:
        try:
            msgspec.json.decode(bytes(response.body), type=shape)
        except msgspec.ValidationError:
            continue
        return shape
    if contract.error_shapes:
        raise AssertionError(f"no declared shape for {bytes(response.body)!r}")
    return None


def _example(response: Response) -> tuple[str, str, Any]:
    """(name, one line saying what it is, value) of an error answer."""
    body = bytes(response.body)
    code = response.headers.get("x-ms-error-code")
    if code is not None:  # XML: Azure's code is in the header
        detail = re.sub(r"\.TrackingId:.*", ".", body.decode())
        return code, f"{code}: " + re.sub(r"<[^>]+>", " ", detail).split("  ")[-1].strip(), detail
    value = json.loads(body)
    if "code" in value:  # /api/v1
        return value["code"], f"{value['code']}: {value['error']}.", value
    if "errors" in value:  # /v1 with a field
        field, details = next(iter(value["errors"].items()))
        key = details[0]["key"]
        return key.removeprefix("errors."), f"{key} on {field}: {details[0]['description']}.", value
    explained = value.get("turnout_error", {})
    code = explained.get("code", f"status_{response.status_code}")
    return (
        code,
        f"{code}: {explained.get('problem', HTTPStatus(response.status_code).phrase)}.",
        value,
    )
