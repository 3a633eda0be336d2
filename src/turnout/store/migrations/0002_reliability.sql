-- Preconditions and idempotency keys (docs/RELIABILITY.md).

-- When set, every write to an existing resource must carry If-Match or If-None-Match (else 428).
ALTER TABLE tenants ADD COLUMN require_precondition BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per (credential, Idempotency-Key). The row is inserted in the same transaction as the work
-- it guards, so a crash before COMMIT leaves no claim behind; the response is stored right after the
-- COMMIT and before it is sent. A row without a response is a request in flight, or one whose process
-- died between the two steps: after the lease it may be executed again (see store/claims.py).
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,        -- the API key's public prefix: keys never match across credentials
    key          TEXT NOT NULL,
    fingerprint  {blob} NOT NULL,      -- SHA-256 of method, path, query and body
    created_at   BIGINT NOT NULL,
    status       INTEGER,              -- the stored response, NULL while in flight
    headers      TEXT,                 -- JSON [[name, value], ...]
    body         {blob},
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
