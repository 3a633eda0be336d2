-- The web app's people, their sessions, and who checked whom in (docs/DASHBOARD.md).

-- An organizer account. An email belongs to one person in one tenant, so signing in needs no tenant
-- name. A person without a password has a one-time set-password link outstanding (setup_hash).
CREATE TABLE people (
    id               {pk},
    tenant_id        BIGINT NOT NULL REFERENCES tenants (id),
    email            TEXT NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    role             TEXT NOT NULL CHECK (role IN ('owner', 'staff', 'door')),
    password_hash    TEXT,                 -- Argon2id, in its own PHC string format
    setup_hash       {blob} UNIQUE,        -- HMAC-SHA256 of the one-time set-password token
    setup_expires_at BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX people_by_tenant ON people (tenant_id, email);

-- Server-side sessions: the cookie holds a random token; only its HMAC is stored.
CREATE TABLE sessions (
    token_hash  {blob} PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,             -- the token every form of this session must carry
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_person ON sessions (person_id);

-- Who checked a party in (or undid it) from the web app, and when: the door page's "by whom".
CREATE TABLE check_ins (
    id               {pk},
    event_pk         BIGINT NOT NULL REFERENCES events (pk),
    registration_id  TEXT NOT NULL,
    person_email     TEXT NOT NULL,
    checked_in_count BIGINT NOT NULL,      -- the party's count after this action
    at               BIGINT NOT NULL
);
CREATE INDEX check_ins_by_registration ON check_ins (event_pk, registration_id, id);
