-- Keys people can manage (docs/API.md "Managing keys"), per-tenant CORS, and the server secret's
-- fingerprint.

-- A key stops working at expires_at (NULL: never); `turnout key rotate` sets it on the old key.
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
-- When the key last authenticated a request, to the minute: written at most once a minute per key.
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

-- Browser origins allowed to call the API with this tenant's keys, space-separated; NULL: none.
ALTER TABLE tenants ADD COLUMN cors_origins TEXT;

-- A fingerprint of the server secret the keys were made with (never the secret): a start with a
-- different secret is refused instead of silently invalidating every key. One row.
CREATE TABLE server_secret (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint  TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
