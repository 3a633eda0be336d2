-- Webhooks (docs/WEBHOOKS.md): endpoints, and the outbox of deliveries the write transactions fill.

-- An endpoint of a tenant. Its signing secret is stored encrypted under the server secret (it must be
-- usable to sign, so it cannot be hashed); during a rotation the previous secret also signs until
-- previous_until. event_types is space-separated and padded with spaces (' * ' for every type), so a
-- type matches with one substring test on either database.
CREATE TABLE webhook_endpoints (
    pk              {pk},
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL UNIQUE,             -- we_…, the public id
    url             TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    description     TEXT,
    event_types     TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    signing         TEXT NOT NULL DEFAULT 'v1' CHECK (signing IN ('v1', 'v1a')),
    secret          {blob} NOT NULL,
    previous_secret {blob},
    previous_until  BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id) WHERE enabled AND deleted_at IS NULL;

-- The outbox: one row per (message, endpoint), inserted by the write that made the change, in its
-- transaction. message_id is the webhook-id, the same on every attempt and for every endpoint.
-- Deliveries with the same ordering_key (one registration, or one event) to one endpoint are sent
-- in pk order, which is commit order: a later one waits while an earlier one is pending.
-- endpoint_pk has no FOREIGN KEY on purpose: on PostgreSQL every insert would take a share lock on
-- the endpoint's row, and concurrent writes sharing one turn it into a MultiXact, which measured as
-- most of the outbox's cost (bench/webhooks.py). Endpoints are never deleted (deleted_at), and rows
-- are only inserted by joining live endpoints, so the reference cannot dangle.
CREATE TABLE webhook_deliveries (
    pk              {pk},
    endpoint_pk     BIGINT NOT NULL,
    message_id      TEXT NOT NULL,
    type            TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,    -- a dispatcher holds it until then (or dies)
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    BIGINT,
    UNIQUE (endpoint_pk, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_pk, ordering_key, pk) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_pk, pk);
