"""The Cronofy-compatible surface, as the registry sees it."""

from starlette.responses import Response

from turnout.surfaces.cronofy.routes import build
from turnout.surfaces.http import json_response
from turnout.surfaces.surface import Surface


def reject(status: int) -> Response:
    """/v1 errors without a field to blame have an empty body."""
    return json_response({}, status)


SURFACE = Surface(name="cronofy", path="/v1", build=build, reject=reject)
