"""The organizer web app and the door page, under /app (docs/DASHBOARD.md).

`ROUTES` is the table of every page with the least role it needs (None: open to anyone, for
signing in); the guard on each endpoint enforces it and tests walk it.
"""

from __future__ import annotations

from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from turnout.core.errors import NotFound, TurnoutError, ValidationFailed
from turnout.services import Services
from turnout.web import render
from turnout.web.door import DoorPages
from turnout.web.events import EventPages
from turnout.web.guard import Guard, Refused, wants_json
from turnout.web.hubs import HubPages
from turnout.web.keys import KeyPages
from turnout.web.people import PeoplePages
from turnout.web.registrations import RegistrationPages
from turnout.web.signin import SignIn
from turnout.web.webhooks import WebhookPages

# How the core's refusals read on a page (and their status), by error code.
_STATUS = {"not_found": 404, "validation_failed": 422, "service_unavailable": 503}


def build(services: Services) -> Starlette:
    guard = Guard(services)
    signin, events = SignIn(guard), EventPages(guard)
    regs = RegistrationPages(events)
    door, keys, team = DoorPages(events, regs), KeyPages(guard), PeoplePages(guard)
    hubs, hooks = HubPages(guard), WebhookPages(guard)
    page = guard.page
    E, R = "/events/{event}", "/events/{event}/registrations/{registration}"
    H, W = "/hubs/{hub}", "/webhooks/{endpoint}"
    owner = page("owner")
    routes = [
        Route("/", page("door")(events.index)),
        Route("/signin", signin.show, methods=["GET"]),
        Route("/signin", signin.submit, methods=["POST"]),
        Route("/setup", signin.show_setup, methods=["GET"]),
        Route("/setup", signin.submit_setup, methods=["POST"]),
        Route("/signout", page("door")(signin.sign_out), methods=["POST"]),
        Route("/signout-everywhere", page("door")(signin.sign_out_everywhere), methods=["POST"]),
        Route("/events/new", page("staff")(events.new)),
        Route("/events", page("staff")(events.create), methods=["POST"]),
        Route(E, page("staff")(events.show)),
        Route(E + "/edit", page("staff")(events.edit)),
        Route(E + "/edit", page("staff")(events.update), methods=["POST"]),
        Route(E + "/status", page("staff")(events.set_status), methods=["POST"]),
        Route(E + "/registrations", page("staff")(regs.add), methods=["POST"]),
        Route(R, page("staff")(regs.show)),
        Route(R, page("staff")(regs.change), methods=["POST"]),
        Route("/door/{event}", page("door")(door.show)),
        Route("/door/{event}/find", page("door")(door.find)),
        Route("/door/{event}/live", page("door")(door.live)),
        Route(
            "/door/{event}/check-in/{registration}", page("door")(door.check_in), methods=["POST"]
        ),
        Route("/keys", owner(keys.show)),
        Route("/keys", owner(keys.create), methods=["POST"]),
        Route("/keys/{prefix}/rotate", owner(keys.rotate), methods=["POST"]),
        Route("/keys/{prefix}/revoke", owner(keys.revoke), methods=["POST"]),
        Route("/hubs", owner(hubs.index)),
        Route("/hubs", owner(hubs.create), methods=["POST"]),
        Route(H, owner(hubs.show)),
        Route(H, owner(hubs.change), methods=["POST"]),
        Route(H + "/delete", owner(hubs.delete), methods=["POST"]),
        Route(H + "/rules", owner(hubs.create_rule), methods=["POST"]),
        Route(H + "/rules/{rule}/show", owner(hubs.reveal), methods=["POST"]),
        Route(H + "/rules/{rule}/rotate", owner(hubs.rotate_rule), methods=["POST"]),
        Route(H + "/rules/{rule}/delete", owner(hubs.delete_rule), methods=["POST"]),
        Route("/webhooks", owner(hooks.index)),
        Route("/webhooks", owner(hooks.create), methods=["POST"]),
        Route(W, owner(hooks.show)),
        Route(W, owner(hooks.update), methods=["POST"]),
        Route(W + "/enabled", owner(hooks.set_enabled), methods=["POST"]),
        Route(W + "/rotate", owner(hooks.rotate), methods=["POST"]),
        Route(W + "/delete", owner(hooks.delete), methods=["POST"]),
        Route(W + "/deliveries/{message}/redeliver", owner(hooks.redeliver), methods=["POST"]),
        Route(W + "/replay", owner(hooks.replay), methods=["POST"]),
        Route("/people", owner(team.show)),
        Route("/people", owner(team.add), methods=["POST"]),
        Route("/people/{email}", owner(team.change), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(resources.files("turnout.web") / "static"))),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={
            Refused: _refused,
            TurnoutError: _core_error,
            HTTPException: _http_error,
        },
    )


def _problem(request: Request, status: int, code: str, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": code, "message": message}, status)
    return render.page(request, "error.html", status, status=status, message=message)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return _problem(request, exc.status, "refused", exc.message)


async def _core_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TurnoutError)
    if isinstance(exc, NotFound):
        return _problem(request, 404, exc.code, "There is nothing here, or it is not yours to see.")
    if isinstance(exc, ValidationFailed):
        message = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return _problem(request, 422, exc.code, message)
    return _problem(request, _STATUS.get(exc.code, 409), exc.code, str(exc) or exc.code)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _problem(request, 404, "not_found", "There is no such page.")
    return _problem(request, exc.status_code, "error", str(exc.detail))
