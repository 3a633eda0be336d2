-- The outbox row's CHECK on state, spelled so SQLite checks it without a temporary table
-- (docs/WEBHOOKS.md "Cost and throughput"). The same rule as before: 0010_outbox_state_check.postgres.sql.
--
-- SQLite codes `x IN ('a', 'b', 'c')` (three constants or more) by building an ephemeral b-tree of
-- the list, and a CHECK does it again for every row it checks: opening, filling and closing that
-- b-tree was about a quarter of the CPU an outbox row cost the write that inserted it (callgrind,
-- 32,000 of 114,000 instructions a write). The same test as comparisons joined by OR costs a few.
-- SQLite cannot alter a constraint, so the table is rebuilt (its documented procedure: a new table,
-- the rows copied with their pks, the old one dropped, the new one renamed, its indexes made again);
-- nothing else refers to it. The copy reads the whole outbox, delivered history included, once.
CREATE TABLE webhook_deliveries_rebuilt (
    pk              {pk},
    endpoint_pk     BIGINT NOT NULL,
    message_id      TEXT NOT NULL,
    type            TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state = 'pending' OR state = 'delivered' OR state = 'failed'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    BIGINT,
    admitted        BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (endpoint_pk, message_id)
);
INSERT INTO webhook_deliveries_rebuilt (pk, endpoint_pk, message_id, type, ordering_key, payload,
    created_at, state, attempts, next_attempt_at, lease_until, last_status, last_error, delivered_at,
    admitted)
SELECT pk, endpoint_pk, message_id, type, ordering_key, payload, created_at, state, attempts,
    next_attempt_at, lease_until, last_status, last_error, delivered_at, admitted
FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_rebuilt RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending' AND admitted;
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_pk, ordering_key, pk) WHERE state = 'pending' AND admitted;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_pk, pk);
CREATE INDEX webhook_deliveries_fresh ON webhook_deliveries (pk) WHERE NOT admitted;
CREATE INDEX webhook_deliveries_claimable ON webhook_deliveries (pk) WHERE state = 'pending' AND admitted;
