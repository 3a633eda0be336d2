"""Settings, read from TURNOUT_* environment variables and passed in.

This is the only module that reads the environment. Everything else receives a `Settings` value, so a
test can build as many differently configured apps as it likes in one process.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path


class ConfigError(ValueError):
    """A setting has a value turnout cannot use; the message says which and what to do."""


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/turnout.db"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # empty: http://{host}:{port}
    secret: str = ""  # empty: read (or create) secret_file
    secret_file: str = "var/turnout.secret"  # noqa: S105 (a path, not a secret)
    page_size: int = 50
    max_body_bytes: int = 64 * 1024
    max_header_bytes: int = 16 * 1024  # all request headers together; over it, 431
    # Connections (connections.py): how long a client may take to send a request's headers, then
    # its body; how long a connection without a request in progress stays open; and how many
    # connections one server process holds before it answers 503 to new ones.
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 30
    idle_timeout_seconds: int = 5
    max_connections: int = 1000
    access_log: bool = True
    sqlite_synchronous: str = "FULL"
    pg_pool_size: int = 10  # connections per server process
    rate_limits: bool = True
    rate_limit_reads_per_minute: int = 300
    rate_limit_writes_per_minute: int = 100
    rate_limit_v1_per_second: int = 50
    rate_limit_v1_per_minute: int = 500
    rate_limit_failed_auth_per_minute: int = 20
    # Idempotency-Key: how long a key and its response are kept, and how long a claim whose process
    # died between its COMMIT and storing the response blocks retries (docs/RELIABILITY.md).
    idempotency_retention_hours: int = 24
    idempotency_lease_seconds: int = 30
    # Empty: each process counts its own requests. Set: every process counts in this Redis.
    redis_url: str = ""
    redis_prefix: str = "turnout:"  # of every key turnout writes in Redis
    # Webhooks (docs/WEBHOOKS.md). Networks opened to deliveries, comma-separated CIDRs (plain http
    # goes only there); whether `turnout serve` delivers (off: run `turnout worker` processes); how
    # long a dispatcher holds a message it is sending before another may send it again.
    webhook_allow_networks: str = ""
    webhook_dispatch: bool = True
    webhook_lease_seconds: int = 60
    # Test-only: check seats outside the write transaction, to prove the concurrency tests can see an
    # oversell (the negative control). Never set this in production.
    debug_unsafe_seats: bool = False
    debug_race_window_ms: int = 0
    # Test-only negative control: honour Idempotency-Key by look-up-then-store, without claiming the
    # key in the write's transaction. Never set this in production.
    debug_unsafe_idempotency: bool = False
    # Test-only: a file holding a count N; the Nth keyed write to commit after it appears deletes it
    # and SIGKILLs its own process between the COMMIT and storing the response (IDEM-5).
    debug_idempotency_crash_file: str = ""
    # Test-only: the length of every per-minute rate-limit window, so tests see windows end.
    debug_rate_limit_minute_seconds: int = 60

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in dataclasses.fields(cls):
            raw = env.get("TURNOUT_" + field.name.upper())
            if raw is None or raw == "":
                continue
            values[field.name] = _convert(field.name, field.type, raw)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if not (self.is_postgres or self.database_url.startswith("sqlite:///")):
            raise ConfigError(
                f"TURNOUT_DATABASE_URL={self.database_url!r} is not understood: use "
                "sqlite:///relative/path.db, sqlite:////absolute/path.db or "
                "postgresql://user@host:port/database"
            )
        if self.max_header_bytes < 4096:
            raise ConfigError("TURNOUT_MAX_HEADER_BYTES must be at least 4096")
        timeouts = (
            self.header_timeout_seconds,
            self.body_timeout_seconds,
            self.idle_timeout_seconds,
        )
        if not all(1 <= t <= 3600 for t in timeouts):
            raise ConfigError(
                "TURNOUT_HEADER_TIMEOUT_SECONDS, TURNOUT_BODY_TIMEOUT_SECONDS and "
                "TURNOUT_IDLE_TIMEOUT_SECONDS must be between 1 and 3600"
            )
        if not 1 <= self.max_connections <= 100_000:
            raise ConfigError("TURNOUT_MAX_CONNECTIONS must be between 1 and 100000")
        if not 1 <= self.page_size <= 1000:
            raise ConfigError("TURNOUT_PAGE_SIZE must be between 1 and 1000")
        if not 1 <= self.pg_pool_size <= 1000:
            raise ConfigError("TURNOUT_PG_POOL_SIZE must be between 1 and 1000")
        if self.sqlite_synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ConfigError("TURNOUT_SQLITE_SYNCHRONOUS must be FULL, EXTRA or NORMAL")
        limits = (
            self.rate_limit_reads_per_minute,
            self.rate_limit_writes_per_minute,
            self.rate_limit_v1_per_second,
            self.rate_limit_v1_per_minute,
            self.rate_limit_failed_auth_per_minute,
        )
        if min(limits) < 1:
            raise ConfigError(
                "rate limits are at least 1 request a minute; to turn them off, set TURNOUT_RATE_LIMITS=off"
            )
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(
                "TURNOUT_REDIS_URL must be redis://host:port/db, rediss://... or unix:///path"
            )
        if self.idempotency_retention_hours < 24:
            raise ConfigError("TURNOUT_IDEMPOTENCY_RETENTION_HOURS must be at least 24")
        if not 1 <= self.idempotency_lease_seconds <= 300:
            raise ConfigError("TURNOUT_IDEMPOTENCY_LEASE_SECONDS must be between 1 and 300")
        try:
            ipaddress_networks(self.webhook_allow_networks)
        except ValueError as exc:
            raise ConfigError(
                f"TURNOUT_WEBHOOK_ALLOW_NETWORKS must be comma-separated CIDRs ({exc})"
            ) from None
        if not 5 <= self.webhook_lease_seconds <= 3600:
            raise ConfigError("TURNOUT_WEBHOOK_LEASE_SECONDS must be between 5 and 3600")
        if self.debug_rate_limit_minute_seconds < 1:
            raise ConfigError("TURNOUT_DEBUG_RATE_LIMIT_MINUTE_SECONDS must be at least 1")
        if self.secret and len(self.secret) < 32:
            raise ConfigError(
                "TURNOUT_SECRET must be at least 32 characters (try: openssl rand -hex 32)"
            )

    def with_(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def server_secret(self) -> bytes:
        """The key for API-key hashes and page tokens: TURNOUT_SECRET, or a file made on first use."""
        if self.secret:
            return self.secret.encode()
        path = Path(self.secret_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
        value = path.read_text().strip()
        if len(value) < 32:
            raise ConfigError(
                f"{path} holds a secret shorter than 32 characters; delete it or fix it"
            )
        return value.encode()


def ipaddress_networks(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()]


def _convert(name: str, kind: object, raw: str) -> object:
    env_name = "TURNOUT_" + name.upper()
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{env_name} must be a whole number, not {raw!r}") from None
    if kind in (bool, "bool"):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{env_name} must be on or off, not {raw!r}")
    return raw
