"""The Cronofy-compatible surface, as the registry sees it."""

from starlette.responses import Response

from turnout.surfaces.cronofy import explain
from turnout.surfaces.cronofy.apidoc import CONTRACT
from turnout.surfaces.cronofy.routes import build
from turnout.surfaces.http import json_response
from turnout.surfaces.surface import Surface


def reject(status: int) -> Response:
    """/v1 errors without a field to blame have Cronofy's empty body, with turnout_error."""
    return json_response({explain.MEMBER: explain.before_routing(status)}, status)


SURFACE = Surface(name="cronofy", path="/v1", build=build, reject=reject, contract=CONTRACT)
