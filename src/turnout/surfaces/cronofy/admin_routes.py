"""What /v1's admin extensions share (admin.py: keys and the tenant; hubs.py: notification hubs):
routes that only an `admin` key reaches, and path names checked before they reach the store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from turnout.auth.keys import ADMIN, Principal
from turnout.core.errors import NotFound

# A handler of an admin route: the request and its principal, whose admin scope is checked.
Handler = Callable[[Request, Principal], Awaitable[Response]]


def admin_routes(*table: tuple[str, str, Handler]) -> list[Route]:
    """A Route per (method, path, handler); any key without the admin scope gets 403 before the
    handler runs (a key of another tenant never reaches this tenant's objects: handlers look up
    under the principal's tenant)."""
    return [Route(path, _guarded(handler), methods=[method]) for method, path, handler in table]


def _guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        principal: Principal = request.state.principal
        principal.require(ADMIN)
        return await handler(request, principal)

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    return endpoint


def path_name(request: Request, param: str, valid: Callable[[str], bool], what: str) -> str:
    """The path parameter `param`, or 404 when it is not `valid`: a name that cannot exist (one
    with a NUL in it, say) is not looked up, since PostgreSQL refuses NUL in text with an error."""
    name: str = request.path_params[param]
    if not valid(name):
        raise NotFound(f"no {what} {name!r}")
    return name
