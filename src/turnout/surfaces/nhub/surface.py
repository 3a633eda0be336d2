"""The Azure Notification Hubs surface, as the registry sees it: mounted at `/{hub}`, after every
fixed prefix. It keeps its own processing order (spec notification-hubs §2.4: route and body size
before the SAS token), so it does not use surfaces/access.Guard, which authenticates first; it counts
through the same shared limiter and failed-authentication budget (Services.limit,
Services.refuse_credential)."""

from __future__ import annotations

import uuid

from starlette.responses import Response

from turnout.surfaces.nhub.apidoc import CONTRACT
from turnout.surfaces.nhub.errors import HubProblem, error_response
from turnout.surfaces.nhub.routes import build, purge_forever
from turnout.surfaces.surface import Surface

# Refusals made before routing (surfaces/headers.py, connections.py): x-ms-error-code, Detail.
_BEFORE_ROUTING = {
    408: (
        "RequestTimeout",
        "The request did not arrive in time; send it again, whole and promptly.",
    ),
    431: ("RequestHeadersTooLarge", "The request headers are too large."),
}


def reject(status: int) -> Response:
    """A refusal before routing, as an Azure XML error."""
    return error_response(HubProblem(status, *_BEFORE_ROUTING[status]), str(uuid.uuid4()))


SURFACE = Surface(
    name="nhub",
    path="/{hub}",
    build=build,
    reject=reject,
    background=purge_forever,
    contract=CONTRACT,
)
