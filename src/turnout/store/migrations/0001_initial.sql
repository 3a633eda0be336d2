-- The whole core model. Written once for both databases: {pk} and {blob} are filled in per dialect
-- (store/migrate.py). Instants are whole UTC seconds; metadata is JSON text; nothing is hard-deleted.

CREATE TABLE tenants (
    id          {pk},
    name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id          {pk},
    tenant_id   BIGINT NOT NULL REFERENCES tenants (id),
    prefix      TEXT NOT NULL UNIQUE,       -- the public part a key is looked up by
    key_hash    {blob} NOT NULL,            -- HMAC-SHA256 of the whole key under the server secret
    scopes      TEXT NOT NULL,              -- space-separated
    name        TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE TABLE events (
    pk              {pk},
    tenant_id       BIGINT NOT NULL REFERENCES tenants (id),
    id              TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    title           TEXT,
    description     TEXT,
    location        TEXT,
    cost_cents      BIGINT CHECK (cost_cents >= 0),
    start_at        BIGINT NOT NULL,
    end_at          BIGINT NOT NULL,
    timezone        TEXT NOT NULL,
    start_date      TEXT NOT NULL,               -- local YYYY-MM-DD of start_at, for date filters
    status          TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'cancelled')),
    capacity        BIGINT CHECK (capacity BETWEEN 1 AND 2147483647),
    -- Counters, kept by every registration write in the same transaction.
    count_pending   BIGINT NOT NULL DEFAULT 0 CHECK (count_pending >= 0),
    count_tentative BIGINT NOT NULL DEFAULT 0 CHECK (count_tentative >= 0),
    count_accepted  BIGINT NOT NULL DEFAULT 0 CHECK (count_accepted >= 0),
    count_declined  BIGINT NOT NULL DEFAULT 0 CHECK (count_declined >= 0),
    count_removed   BIGINT NOT NULL DEFAULT 0 CHECK (count_removed >= 0),
    count_attended  BIGINT NOT NULL DEFAULT 0 CHECK (count_attended >= 0 AND count_attended <= count_accepted),
    seats_taken     BIGINT NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    checked_in      BIGINT NOT NULL DEFAULT 0 CHECK (checked_in >= 0),
    next_seq        BIGINT NOT NULL DEFAULT 1,
    version         BIGINT NOT NULL DEFAULT 1,   -- of the event's own fields, not its counters
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (end_at > start_at),
    UNIQUE (tenant_id, id)
);
CREATE INDEX events_by_start ON events (tenant_id, start_at, id);
CREATE INDEX events_by_local_date ON events (tenant_id, start_date);

CREATE TABLE registrations (
    pk               {pk},
    event_pk         BIGINT NOT NULL REFERENCES events (pk),
    id               TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    seq              BIGINT NOT NULL,             -- creation order within the event
    status           TEXT NOT NULL
                     CHECK (status IN ('pending', 'tentative', 'accepted', 'declined', 'removed')),
    guest_count      BIGINT NOT NULL DEFAULT 0 CHECK (guest_count BETWEEN 0 AND 9999),
    metadata         TEXT,                        -- JSON object, or NULL once cleared
    email_key        TEXT,                        -- lower(trim(metadata.email)), for duplicate checks
    notes            TEXT CHECK (length(notes) <= 2000),
    checked_in_count BIGINT NOT NULL DEFAULT 0 CHECK (checked_in_count BETWEEN 0 AND 1 + guest_count),
    checked_in_at    BIGINT,
    version          BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (event_pk, id),
    UNIQUE (event_pk, seq)
);
CREATE INDEX registrations_by_email ON registrations (event_pk, email_key);
CREATE INDEX registrations_by_status ON registrations (event_pk, status, seq);

-- Every status a registration has been in, in order.
CREATE TABLE registration_history (
    pk               {pk},
    registration_pk  BIGINT NOT NULL REFERENCES registrations (pk),
    status           TEXT NOT NULL,
    checked_in_count BIGINT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX registration_history_by_registration ON registration_history (registration_pk, pk);
