"""What request handlers share: settings, the store, the authenticator, page tokens, the limiter.

`build_app` makes one, and the lifespan fills in the store once the database is open.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from turnout.auth.keys import Authenticator
from turnout.config import Settings
from turnout.core.hub_ports import HubStore
from turnout.core.hubs import KeySeal
from turnout.core.paging import PageTokens
from turnout.core.ports import Store
from turnout.ratelimit import Decision, Limiter, LocalLimiter, Policy
from turnout.redislimit import RedisLimiter


@dataclasses.dataclass
class Services:
    settings: Settings
    secret: bytes
    tokens: PageTokens
    limiter: Limiter | None = None  # None: rate limits are off
    # Failed authentications per client address, across every surface.
    failed_auth: Policy | None = None
    _store: Store | None = None
    _auth: Authenticator | None = None
    _hubs: HubStore | None = None

    @classmethod
    def create(cls, settings: Settings) -> Services:
        secret = settings.server_secret()
        services = cls(settings, secret, PageTokens(secret))
        if settings.rate_limits:
            services.limiter = (
                RedisLimiter(settings.redis_url, settings.redis_prefix)
                if settings.redis_url
                else LocalLimiter()
            )
            services.failed_auth = Policy(
                "per-address-failed-auth",
                settings.rate_limit_failed_auth_per_minute,
                settings.debug_rate_limit_minute_seconds,
            )
        return services

    async def limit(self, policies: Sequence[Policy], bucket: str) -> Decision | None:
        """Count one request from `bucket` against `policies`; the decision, if limits are on."""
        return None if self.limiter is None else await self.limiter.hit(policies, bucket)

    async def refuse_credential(self, client: str) -> Decision | None:
        """Count a failed authentication from `client`; the decision, if limits are on."""
        if self.failed_auth is None:
            return None
        return await self.limit([self.failed_auth], "ip:" + client)

    def limits_kept(self) -> str:
        """Where rate limits are counted right now: off, in-process, redis, or the fallback."""
        return "off" if self.limiter is None else self.limiter.describe()

    async def close(self) -> None:
        if self.limiter is not None:
            await self.limiter.close()

    def attach(self, store: Store) -> None:
        self._store = store
        self._auth = Authenticator(store, self.secret)
        self._hubs = None

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened by the app's lifespan; it has not started")
        return self._store

    @property
    def hubs(self) -> HubStore:
        """The Notification Hubs storage over the store's connections, made once for every user
        (the surface, its /v1 administration, the web pages, the purge)."""
        if self._hubs is None:
            from turnout.store.hubs import hub_store  # the backend's, chosen by the open store

            window = None  # the quota's negative control (tests only): a stale read before writing
            if self.settings.debug_unsafe_hub_quota:
                window = self.settings.debug_race_window_ms / 1000
            seal = KeySeal(self.secret)
            self._hubs = hub_store(self.store, seal, self.settings.hub_tombstone_seconds, window)
        return self._hubs

    @property
    def auth(self) -> Authenticator:
        if self._auth is None:
            raise RuntimeError("the store is opened by the app's lifespan; it has not started")
        return self._auth
