"""The surface's one error table and its XML error body (spec notification-hubs §2.4, §8.3)."""

from __future__ import annotations

import time

from starlette.responses import Response

from turnout.core.devices import (
    DeviceInputError,
    DeviceMissing,
    QuotaExceeded,
    RegistrationGone,
    VersionMismatch,
)
from turnout.core.errors import TurnoutError, Unavailable

XML = "application/xml; charset=utf-8"


class HubProblem(Exception):
    """An answer decided by the surface itself: status, x-ms-error-code, Detail message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


HUB_NOT_FOUND = (404, "HubNotFound", "No notification hub exists at this location.")
NOT_FOUND = (404, "NotFound", "The requested resource was not found.")


# The core's errors, as this surface answers them: status, x-ms-error-code, Detail message.
_ANSWERS: dict[type[TurnoutError], tuple[int, str, str]] = {
    VersionMismatch: (
        412,
        "PreconditionFailed",
        "Precondition failed. The current version of the registration does not have specified ETag.",
    ),
    RegistrationGone: (
        410,
        "RegistrationGone",
        "Cannot use specified location. Use a different registration ID.",
    ),
    QuotaExceeded: (
        403,
        "QuotaExceeded",
        "Quota exceeded; too many registrations in this notification hub.",
    ),
}
_MISSING = {
    "registration": (404, "RegistrationNotFound", "No registration exists at this location."),
    "installation": (404, "InstallationNotFound", "Installation not found."),
}


def problem_for(exc: TurnoutError, kind: str) -> HubProblem:
    """The answer to a core error; `kind` is registration or installation."""
    if isinstance(exc, DeviceInputError):
        return HubProblem(400, exc.reason, str(exc))
    if isinstance(exc, DeviceMissing):
        return HubProblem(*_MISSING[kind])
    if isinstance(exc, Unavailable):
        return HubProblem(
            503, "ServiceUnavailable", "The service is busy; try again.", {"Retry-After": "1"}
        )
    answer = _ANSWERS.get(type(exc))
    if answer is not None:
        return HubProblem(*answer)
    return HubProblem(500, "InternalError", "The request could not be processed.")


def timestamp(now: float) -> str:
    t = time.gmtime(now)
    hour = t.tm_hour % 12 or 12
    half = "AM" if t.tm_hour < 12 else "PM"
    return f"{t.tm_mon}/{t.tm_mday}/{t.tm_year} {hour}:{t.tm_min:02d}:{t.tm_sec:02d} {half}"


def error_response(problem: HubProblem, tracking_id: str) -> Response:
    detail = f"{problem.message}.TrackingId:{tracking_id},TimeStamp:{timestamp(time.time())}"
    detail = detail.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = f"<Error><Code>{problem.status}</Code><Detail>{detail}</Detail></Error>"
    headers = {"TrackingId": tracking_id, "x-ms-error-code": problem.code, **problem.headers}
    return Response(body, problem.status, headers=headers, media_type=XML)
