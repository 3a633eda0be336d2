"""What request handlers share: settings, the store, the authenticator and page tokens.

`build_app` makes one, and the lifespan fills in the store once the database is open.
"""

from __future__ import annotations

import dataclasses

from turnout.auth.keys import Authenticator
from turnout.config import Settings
from turnout.core.paging import PageTokens
from turnout.ratelimit import Decision, FixedWindow
from turnout.store.base import Store


@dataclasses.dataclass
class Services:
    settings: Settings
    secret: bytes
    tokens: PageTokens
    # Failed authentications per client address, across every surface (None: limits are off).
    failed_auth: FixedWindow | None = None
    _store: Store | None = None
    _auth: Authenticator | None = None

    @classmethod
    def create(cls, settings: Settings) -> Services:
        secret = settings.server_secret()
        failed_auth = None
        if settings.rate_limits:
            failed_auth = FixedWindow(settings.rate_limit_failed_auth_per_minute, 60)
        return cls(settings, secret, PageTokens(secret), failed_auth)

    def refuse_credential(self, client: str) -> Decision | None:
        """Count a failed authentication from `client`; the decision, if limits are on."""
        return None if self.failed_auth is None else self.failed_auth.hit("ip:" + client)

    def attach(self, store: Store) -> None:
        self._store = store
        self._auth = Authenticator(store, self.secret)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is opened by the app's lifespan; it has not started")
        return self._store

    @property
    def auth(self) -> Authenticator:
        if self._auth is None:
            raise RuntimeError("the store is opened by the app's lifespan; it has not started")
        return self._auth
