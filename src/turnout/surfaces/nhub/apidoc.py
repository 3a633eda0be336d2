"""What every Notification Hubs operation shares, for the OpenAPI document: its XML error body
(errors.py renders every documented example) and the refusals of spec §2.4 any route can give."""

from __future__ import annotations

from starlette.responses import Response

from turnout.core.errors import TurnoutError
from turnout.surfaces.nhub.errors import HUB_NOT_FOUND, HubProblem, error_response, problem_for
from turnout.surfaces.operation import Contract, Operation

EXAMPLE_TRACKING_ID = "00000000-0000-0000-0000-000000000000"


def render_error(exc: Exception, _: dict[str, str]) -> Response:
    if isinstance(exc, TurnoutError):
        exc = problem_for(exc, "registration")
    assert isinstance(exc, HubProblem)
    return error_response(exc, EXAMPLE_TRACKING_ID)


def common(_: Operation) -> tuple[Exception, ...]:
    challenge = {"WWW-Authenticate": "SharedAccessSignature"}
    return (
        HubProblem(401, "InvalidSignature", "The token's signature is not valid.", challenge),
        HubProblem(403, "MissingClaim", "Unauthorized: Listen claim is required."),
        HubProblem(*HUB_NOT_FOUND),
        HubProblem(413, "RequestTooLarge", "The request body is too large."),
        HubProblem(429, "Throttled", "Retry later.", {"Retry-After": "1"}),
        HubProblem(
            503, "ServiceUnavailable", "The service is busy; try again.", {"Retry-After": "1"}
        ),
        HubProblem(500, "InternalError", "The request could not be processed."),
    )


CONTRACT = Contract(
    render_error=render_error,
    common=common,
    security=({"sharedAccessSignature": []},),
    precondition_errors=(),  # its If-Match is its own (spec §4.6): each record names its 412
)
