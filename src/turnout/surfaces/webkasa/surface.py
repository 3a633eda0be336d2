"""The Webkasa-compatible surface, as the registry sees it."""

from starlette.responses import Response

from turnout.surfaces.surface import Surface
from turnout.surfaces.webkasa.apidoc import CONTRACT
from turnout.surfaces.webkasa.errors import error
from turnout.surfaces.webkasa.routes import build

# Refusals made before routing (surfaces/headers.py, connections.py), in Webkasa's error shape.
_BEFORE_ROUTING = {
    408: (
        "REQUEST_TIMEOUT",
        "The request did not arrive in time; send it again, whole and promptly",
    ),
    431: ("HEADERS_TOO_LARGE", "Request headers are too large"),
}


def reject(status: int) -> Response:
    code, message = _BEFORE_ROUTING[status]
    return error(status, code, message)


SURFACE = Surface(name="webkasa", path="/api/v1", build=build, reject=reject, contract=CONTRACT)
