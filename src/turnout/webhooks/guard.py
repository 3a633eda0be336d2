"""Where webhooks may go: the SSRF guard, applied to the addresses a name resolves to, at connect time.

Checking a URL's host when the endpoint is saved is not enough: the name may resolve elsewhere
later (DNS rebinding). So the transport resolves the name itself when it opens a connection,
refuses if any address is loopback, private, link-local, multicast or otherwise not global, and
then connects to the address it checked. TURNOUT_WEBHOOK_ALLOW_NETWORKS opens listed networks (for
LANs, development and tests), and plain http goes only to addresses inside them. Proxies from the
environment are ignored (they would connect on our behalf, unchecked), and redirects are not
followed (the dispatcher sets follow_redirects=False).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable

import certifi
import httpcore
import httpx

from turnout.config import ipaddress_networks

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]


class Refused(httpcore.ConnectError):
    """A connection the guard would not open; nothing was sent."""


@dataclasses.dataclass(frozen=True)
class AllowList:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Comma-separated CIDRs; ValueError names one that is not."""
        return cls(tuple(ipaddress_networks(text)))

    @property
    def opens_any(self) -> bool:
        return bool(self.networks)

    def opens(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def refusal(address: Address, allow: AllowList, plain_http: bool) -> str | None:
    """Why a connection to `address` is refused, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if allow.opens(address):
        return None
    if plain_http:
        return f"{address} is not in TURNOUT_WEBHOOK_ALLOW_NETWORKS (plain http goes only there)"
    if not address.is_global or address.is_multicast:
        return f"{address} is a loopback, private, link-local, multicast or reserved address"
    return None


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, but every TCP connection goes to a checked address."""

    def __init__(
        self,
        allow: AllowList,
        plain_http: bool,
        resolver: Resolver = resolve,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow = allow
        self.plain_http = plain_http
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = [
                ipaddress.ip_address(a.split("%")[0]) for a in await self.resolver(host, port)
            ]
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            reason = refusal(address, self.allow, self.plain_http)
            if reason:
                raise Refused(f"refused to connect to {host}: {reason}")
        return await self.inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: GuardedBackend) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, so its connection pool is rebuilt around ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=certifi.where()),
            max_connections=100,
            max_keepalive_connections=20,
            network_backend=backend,
        )


def client(
    allow: AllowList,
    connect_timeout: float,
    resolver: Resolver = resolve,
    inner: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """An HTTP client that only reaches addresses the guard allows, and follows no redirects."""
    secure = GuardedTransport(GuardedBackend(allow, False, resolver, inner))
    plain = GuardedTransport(GuardedBackend(allow, True, resolver, inner))
    return httpx.AsyncClient(
        transport=secure,
        mounts={"http://": plain},
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(connect_timeout * 2, connect=connect_timeout),
    )
