-- Notification hubs (docs/NOTIFICATION_HUBS.md): hubs, their SAS rules, and device registrations and
-- installations, written once for both databases ({pk}, {blob}: store/migrate.py).

CREATE TABLE hubs (
    id                  {pk},
    tenant_id           BIGINT NOT NULL REFERENCES tenants (id),
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL UNIQUE,       -- lower(name): unique per instance, any case
    registration_quota  BIGINT CHECK (registration_quota >= 0),   -- NULL: unlimited
    registration_ttl    BIGINT CHECK (registration_ttl > 0),      -- seconds, NULL: never expires
    -- Live registrations + installations (expired ones until purged). The quota guard is one
    -- guarded UPDATE of this counter in the write's transaction.
    device_count        BIGINT NOT NULL DEFAULT 0 CHECK (device_count >= 0),
    created_at          BIGINT NOT NULL,
    requests_per_second BIGINT CHECK (requests_per_second >= 1)   -- NULL: the server's setting
);
CREATE INDEX hubs_tenant ON hubs (tenant_id, name_key);

-- SAS rules. The key name alone finds the rule and its tenant, so names are unique per instance.
-- Keys are sealed (AES-GCM under a key derived from the server secret): the server needs them back
-- to compute HMACs, so they cannot be hashed like API keys.
CREATE TABLE hub_rules (
    id              {pk},
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    hub_id          BIGINT REFERENCES hubs (id) ON DELETE CASCADE,    -- NULL: every hub of the tenant
    name            TEXT NOT NULL UNIQUE,
    rights          TEXT NOT NULL,                  -- comma-separated: listen, send, manage
    primary_key     {blob} NOT NULL,
    secondary_key   {blob},
    created_at      BIGINT NOT NULL
);

-- Registrations (kind 'registration') and installations (kind 'installation') of a hub.
CREATE TABLE hub_devices (
    pk          {pk},
    hub_id      BIGINT NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('registration', 'installation')),
    id          TEXT NOT NULL,
    version     BIGINT NOT NULL CHECK (version >= 1),
    platform    TEXT NOT NULL,                  -- the description type without "Template"
    handle      TEXT NOT NULL,                  -- the PNS handle, normalised (Apple upper-cased)
    body        TEXT NOT NULL,                  -- the canonical description, JSON
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    expires_at  BIGINT,                         -- NULL: never
    UNIQUE (hub_id, kind, id)
);
CREATE INDEX hub_devices_order ON hub_devices (hub_id, kind, pk);
CREATE INDEX hub_devices_handle ON hub_devices (hub_id, handle, pk);

-- One row per (device, tag): a by-tag list is an index range, never a scan of the hub.
CREATE TABLE hub_device_tags (
    hub_id      BIGINT NOT NULL,
    tag         TEXT NOT NULL,
    device_pk   BIGINT NOT NULL REFERENCES hub_devices (pk) ON DELETE CASCADE,
    PRIMARY KEY (hub_id, tag, device_pk)
);
CREATE INDEX hub_device_tags_device ON hub_device_tags (device_pk);

-- Deleted registration IDs, refused for PUT (410) until the retention period ends.
CREATE TABLE hub_tombstones (
    hub_id      BIGINT NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    deleted_at  BIGINT NOT NULL,
    PRIMARY KEY (hub_id, id)
);
