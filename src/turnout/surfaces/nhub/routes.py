"""The Azure Notification Hubs surface: `/{hub}/…` (spec notification-hubs.md).

Every request goes through the checks of §2.4 in order — route and method, body size, SAS token,
hub (within the token's tenant), rule scope, right, rate — then its operation. Operations parse XML
or JSON here, leave the rules to the core and the SQL to the store, and render here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from turnout.core.errors import TurnoutError
from turnout.core.hub_lists import ListTokens
from turnout.core.hub_ports import HubStore
from turnout.core.hubs import (
    LISTEN,
    MANAGE,
    SEND,
    Hub,
    KeySeal,
    Rule,
    plausible_hub_name,
    plausible_rule_name,
)
from turnout.ratelimit import Policy
from turnout.services import Services
from turnout.surfaces.nhub import records, sas
from turnout.surfaces.nhub.errors import (
    HUB_NOT_FOUND,
    NOT_FOUND,
    HubProblem,
    error_response,
    problem_for,
)
from turnout.surfaces.operation import Documented
from turnout.surfaces.operation import Operation as Record

DEFAULT_VERSION = "2020-06"
_VERSION = re.compile(r"\d{4}-\d{2}")
SENDING = {"messages", "schedulednotifications", "jobs", "feedbackcontainer"}
_GONE = ("InvalidRequestBody", "The client hung up before sending its whole body.")


@dataclasses.dataclass(frozen=True)
class Call:
    """One request, once routed and authorised: what an operation needs."""

    request: Request
    hub: Hub
    hubs: HubStore
    params: dict[str, str]  # query, names lower-cased
    path_id: str  # {id}, {tag} or installation ID, percent-decoded once
    body: bytes
    version: str  # effective api-version
    authority: str
    tokens: ListTokens

    def url(self, *segments: str) -> str:
        path = "/".join([self.hub.name, *segments])
        return f"https://{self.authority}/{path}?api-version={self.version}"


Operation = Callable[[Call], Awaitable[Response]]


@dataclasses.dataclass(frozen=True)
class Route:
    """A path shape: literal segments, and `*` for the one variable segment, named `variable`."""

    shape: tuple[str, ...]
    # method → (operation name, right, its record for the document: records.py)
    methods: dict[str, tuple[str, str, Record]]
    variable: str = ""

    @property
    def path(self) -> str:
        """The path under /{hub}, as a template: /registrations/{registration_id}."""
        return "/" + "/".join("{" + self.variable + "}" if p == "*" else p for p in self.shape)


ROUTES = [
    Route(
        ("registrationids",),
        {"POST": ("create_registration_id", LISTEN, records.CREATE_REGISTRATION_ID)},
    ),
    Route(
        ("registrations",),
        {
            "POST": ("create_registration", LISTEN, records.CREATE_REGISTRATION),
            "GET": ("list_registrations", MANAGE, records.LIST_REGISTRATIONS),
        },
    ),
    Route(
        ("registrations", "*"),
        {
            "PUT": ("put_registration", LISTEN, records.PUT_REGISTRATION),
            "GET": ("get_registration", LISTEN, records.GET_REGISTRATION),
            "DELETE": ("delete_registration", LISTEN, records.DELETE_REGISTRATION),
        },
        "registration_id",
    ),
    Route(
        ("tags", "*", "registrations"),
        {"GET": ("list_by_tag", MANAGE, records.LIST_BY_TAG)},
        "tag",
    ),
    Route(
        ("installations", "*"),
        {
            "PUT": ("put_installation", LISTEN, records.PUT_INSTALLATION),
            "PATCH": ("patch_installation", LISTEN, records.PATCH_INSTALLATION),
            "GET": ("get_installation", LISTEN, records.GET_INSTALLATION),
            "DELETE": ("delete_installation", LISTEN, records.DELETE_INSTALLATION),
        },
        "installation_id",
    ),
]


def match(segments: list[str]) -> tuple[Route, str] | None:
    """The route of the segments after the hub, and its variable segment (percent-decoded once)."""
    for route in ROUTES:
        if len(route.shape) != len(segments):
            continue
        variable = ""
        for want, got in zip(route.shape, segments, strict=True):
            if want == "*":
                variable = unquote(got)
            elif want != got.lower():
                break
        else:
            return route, variable
    return None


class NotificationHubs:
    """The ASGI app of the surface; mounted after every other route, since hubs are first segments."""

    def __init__(self, services: Services, operations: dict[str, Operation]) -> None:
        self.services = services
        self.settings = services.settings
        self.operations = operations
        self.seal = KeySeal(services.secret)
        self.tokens = ListTokens(services.tokens)
        self.public_authority = urlsplit(self.settings.base_url).netloc.lower()
        self.hub_rate = Policy("per-hub-second", self.settings.hub_requests_per_second, 1)

    @property
    def hubs(self) -> HubStore:
        return self.services.hubs

    @property
    def routes(self) -> list[Documented]:
        """The route table as Starlette routes (for route discovery: tests, documentation); the
        surface matches paths itself, case-insensitively (spec §2.2)."""
        return [
            Documented(route.path, self, record, method)
            for route in ROUTES
            for method, (_, _, record) in route.methods.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        tracking_id = str(uuid.uuid4())
        # The access log line carries it too (spec §2.3), so a client's TrackingId finds its line.
        scope.setdefault("state", {})["tracking_id"] = tracking_id
        try:
            response = await self.answer(request)
        except HubProblem as problem:
            response = error_response(problem, tracking_id)
        except ClientDisconnect:  # gone mid-body: nothing was written, and it is no server error
            response = error_response(HubProblem(400, *_GONE), tracking_id)
        response.headers["TrackingId"] = tracking_id
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        raw = request.scope.get("raw_path") or request.scope["path"].encode()
        segments = raw.decode("latin-1").split("?", 1)[0].split("/")[1:]
        if segments and segments[-1] == "" and len(segments) > 1:
            segments = segments[:-1]
        if not segments or not segments[0]:
            raise HubProblem(*NOT_FOUND)
        hub_name, rest = unquote(segments[0]), segments[1:]
        params = {k.lower(): v for k, v in parse_qsl(request.url.query, keep_blank_values=True)}
        version = self._version(params)
        operation, right, variable = self._route(rest, request.method, params)
        _check_length(request, self.settings.max_body_bytes)
        rule = await self._authenticate(request)
        hub = None
        if plausible_hub_name(hub_name):
            hub = await self.hubs.find_hub(rule.tenant_id, hub_name)
        if hub is None:
            raise HubProblem(*HUB_NOT_FOUND)
        request.scope["state"]["tenant"] = f"{rule.tenant_id}/{rule.name}"
        _authorise(rule, hub, right, version)
        if operation == "send":
            raise HubProblem(
                501, "NotImplemented", "Sending notifications is not provided by turnout."
            )
        await self._limit(hub, version)
        body = await _read_body(request, self.settings.max_body_bytes)
        authority = self.public_authority or request.headers.get("host", "")
        call = Call(
            request, hub, self.hubs, params, variable, body, version, authority, self.tokens
        )
        try:
            return await self.operations[operation](call)
        except TurnoutError as exc:
            raise problem_for(
                exc, "installation" if "installation" in operation else "registration"
            ) from exc

    @staticmethod
    def _version(params: dict[str, str]) -> str:
        given = params.get("api-version", "")
        return given if _VERSION.match(given) else DEFAULT_VERSION

    @staticmethod
    def _route(rest: list[str], method: str, params: dict[str, str]) -> tuple[str, str, str]:
        if rest and rest[0].lower() in SENDING:
            return "send", SEND, ""
        found = match(rest)
        if found is None:
            raise HubProblem(*NOT_FOUND)
        route, variable = found
        if method not in route.methods:
            allow = ", ".join(sorted(route.methods))
            raise HubProblem(
                405, "MethodNotAllowed", "The method is not allowed.", {"Allow": allow}
            )
        operation, right, _ = route.methods[method]
        if operation == "list_registrations" and "$filter" in params:
            return "list_by_channel", LISTEN, variable
        return operation, right, variable

    async def _authenticate(self, request: Request) -> Rule:
        try:
            token = sas.parse(request.headers.get("authorization"))
            rule = None
            if plausible_rule_name(token.key_name):
                rule = await self.hubs.find_rule(token.key_name)
            if rule is None:
                raise sas.TokenRefused(*sas.BAD_SIGNATURE)  # no key-name oracle
            sas.check_expiry(token, int(time.time()))
            sas.check_signature(token, rule.keys())
            hosts = None
            if self.settings.hub_check_audience_host:
                hosts = [request.headers.get("host", ""), self.public_authority]
            sas.check_audience(token, hosts, request.scope["path"])
            return rule
        except sas.TokenRefused as refused:
            client = request.client.host if request.client else "-"
            decision = await self.services.refuse_credential(client)
            if decision is not None and not decision.allowed:
                raise _throttled(DEFAULT_VERSION, decision.retry_after) from None
            headers = {"WWW-Authenticate": "SharedAccessSignature"}
            raise HubProblem(401, refused.code, str(refused), headers) from None

    async def _limit(self, hub: Hub, version: str) -> None:
        rate = self.hub_rate
        if hub.requests_per_second is not None:
            rate = Policy(rate.name, hub.requests_per_second, 1)
        decision = await self.services.limit([rate], f"hub:{hub.id}")
        if decision is not None and not decision.allowed:
            raise _throttled(version, decision.retry_after)


def _throttled(version: str, retry_after: int) -> HubProblem:
    status = 429 if version[:7] >= DEFAULT_VERSION else 409
    message = "The registration operations rate is too high; retry later."
    return HubProblem(status, "Throttled", message, {"Retry-After": str(max(1, retry_after))})


def _authorise(rule: Rule, hub: Hub, right: str, version: str) -> None:
    if not rule.covers(hub):
        headers = {"WWW-Authenticate": "SharedAccessSignature"}
        raise HubProblem(
            401, "UnauthorizedAccess", "The key is not valid for this notification hub.", headers
        )
    if not rule.grants(right):
        status = 403 if version[:7] >= DEFAULT_VERSION else 401
        message = f"Unauthorized: {right.capitalize()} claim is required for this operation."
        raise HubProblem(status, "MissingClaim", message)


def _too_large() -> HubProblem:
    return HubProblem(413, "RequestTooLarge", "The request body is too large.")


def _check_length(request: Request, limit: int) -> None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise _too_large()


async def _read_body(request: Request, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def purge_forever(services: Services, every: float = 60) -> None:
    """Delete expired devices (their hubs' counts go down in the same transaction) and tombstones
    past retention, now and every `every` seconds; the app's lifespan runs this."""
    while True:
        now = int(time.time())
        try:
            await services.hubs.purge(now, now - services.settings.hub_tombstone_seconds)
        except Exception:
            logging.getLogger("turnout.nhub").warning("purging hubs failed", exc_info=True)
        await asyncio.sleep(every)


def build(services: Services) -> NotificationHubs:
    from turnout.surfaces.nhub.operations import OPERATIONS

    return NotificationHubs(services, OPERATIONS)
