-- Server-side write functions, (re)installed by every migrate run. They are the PostgreSQL half of
-- the store contract in core/ports.py: a registration write is one call, so one round trip.
--
-- turnout_write_registration applies a write the core has already decided, under the event's row
-- lock, if and only if the guards hold:
--   * the registration is at the version the decision assumed (0: absent) and the event has the
--     status it assumed (else 'stale', with the current registration, so the store decides again);
--   * in the order of turnout.core.seats.refusal: the cancelled-event rule (else 'refused'), no other
--     active registration holding the email when asked (else 'duplicate'), the seat rule ('refused').
-- With p_page > 0 it also returns the event's first p_page + 1 registrations, as the write left them.
-- p_deltas: pending, tentative, accepted, declined, removed, attended, seats, checked_in.
-- Registrations travel as JSON arrays in the order of turnout.store.rows.REGISTRATION_COLUMNS.
--
-- The outbox (store/outbox.py): p_n_* are the write's webhook messages as the core decided them
-- (core/notices.py), inserted for every subscribed endpoint of the tenant when the write is applied.
-- p_full_id, given when the write takes seats, is the id of an event.full message, inserted when this
-- write took the event's last seat (core.notices.event_filled's condition, on the locked row); its
-- data is the event as turnout_event_json renders it, the same object as /v1's render.event.

DROP FUNCTION IF EXISTS turnout_write_registration;

CREATE OR REPLACE FUNCTION turnout_registration_row(r registrations) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(r.id, r.status, r.guest_count, r.metadata, r.notes, r.checked_in_count,
                             r.checked_in_at, r.created_at, r.updated_at, r.version, r.seq)
$$;

CREATE OR REPLACE FUNCTION turnout_utc(t bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(to_timestamp(t) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

CREATE OR REPLACE FUNCTION turnout_event_json(e events) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'bookable_event_id', e.id, 'start', turnout_utc(e.start_at), 'end', turnout_utc(e.end_at),
        'status', e.status, 'timezone', e.timezone,
        'registration', json_build_object(
            'capacity', e.capacity,
            'registered_count', e.count_pending + e.count_tentative + e.count_accepted,
            'total_count', e.count_pending + e.count_tentative + e.count_accepted
                           + e.count_declined + e.count_removed,
            'seats_taken', e.seats_taken))
$$;

CREATE FUNCTION turnout_write_registration(
    p_event_pk bigint, p_expect_status text, p_id text, p_expect_version bigint, p_status text,
    p_guest_count bigint, p_metadata text, p_email_key text, p_notes text,
    p_checked_in_count bigint, p_checked_in_at bigint, p_created_at bigint, p_updated_at bigint,
    p_deltas bigint[], p_cancel_ok boolean, p_unique_email text, p_guard boolean,
    p_history boolean, p_page integer,
    p_n_types text[], p_n_keys text[], p_n_ids text[], p_n_bodies text[], p_full_id text
) RETURNS TABLE (o_outcome text, o_event events, o_seq bigint, o_current jsonb, o_page jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_event events;
    v_current registrations;
    v_pk bigint;
    v_seq bigint;
BEGIN
    SELECT * INTO v_event FROM events e WHERE e.pk = p_event_pk FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_event'::text, NULL::events, NULL::bigint, NULL::jsonb, NULL::jsonb;
        RETURN;
    END IF;
    SELECT * INTO v_current FROM registrations r WHERE r.event_pk = p_event_pk AND r.id = p_id;
    IF coalesce(v_current.version, 0) <> p_expect_version OR v_event.status <> p_expect_status THEN
        RETURN QUERY SELECT 'stale'::text, v_event, NULL::bigint,
            CASE WHEN v_current.pk IS NULL THEN NULL ELSE turnout_registration_row(v_current) END,
            NULL::jsonb;
        RETURN;
    END IF;
    IF p_guard AND v_event.status = 'cancelled' AND NOT p_cancel_ok THEN
        RETURN QUERY SELECT 'refused'::text, v_event, NULL::bigint, NULL::jsonb, NULL::jsonb;
        RETURN;
    END IF;
    IF p_unique_email IS NOT NULL AND EXISTS (
        SELECT 1 FROM registrations r
        WHERE r.event_pk = p_event_pk AND r.email_key = p_unique_email AND r.id <> p_id
          AND r.status IN ('pending', 'tentative', 'accepted')
    ) THEN
        RETURN QUERY SELECT 'duplicate'::text, v_event, NULL::bigint, NULL::jsonb, NULL::jsonb;
        RETURN;
    END IF;
    IF p_guard AND p_deltas[7] > 0 AND v_event.capacity IS NOT NULL
       AND v_event.seats_taken + p_deltas[7] > v_event.capacity THEN
        RETURN QUERY SELECT 'refused'::text, v_event, NULL::bigint, NULL::jsonb, NULL::jsonb;
        RETURN;
    END IF;

    IF p_expect_version = 0 THEN
        INSERT INTO registrations (event_pk, id, seq, status, guest_count, metadata, email_key, notes,
                                   checked_in_count, checked_in_at, version, created_at, updated_at)
        VALUES (p_event_pk, p_id, v_event.next_seq, p_status, p_guest_count, p_metadata, p_email_key,
                p_notes, p_checked_in_count, p_checked_in_at, 1, p_created_at, p_updated_at)
        RETURNING pk, seq INTO v_pk, v_seq;
    ELSE
        UPDATE registrations r
        SET status = p_status, guest_count = p_guest_count, metadata = p_metadata,
            email_key = p_email_key, notes = p_notes, checked_in_count = p_checked_in_count,
            checked_in_at = p_checked_in_at, version = p_expect_version + 1, updated_at = p_updated_at
        WHERE r.event_pk = p_event_pk AND r.id = p_id
        RETURNING r.pk, r.seq INTO v_pk, v_seq;
    END IF;

    IF p_expect_version = 0 OR p_deltas <> ARRAY[0, 0, 0, 0, 0, 0, 0, 0]::bigint[] THEN
        UPDATE events e
        SET count_pending = e.count_pending + p_deltas[1],
            count_tentative = e.count_tentative + p_deltas[2],
            count_accepted = e.count_accepted + p_deltas[3],
            count_declined = e.count_declined + p_deltas[4],
            count_removed = e.count_removed + p_deltas[5],
            count_attended = e.count_attended + p_deltas[6],
            seats_taken = e.seats_taken + p_deltas[7],
            checked_in = e.checked_in + p_deltas[8],
            next_seq = e.next_seq + (p_expect_version = 0)::int
        WHERE e.pk = p_event_pk
        RETURNING e.* INTO v_event;
    END IF;  -- else the event row has nothing to change

    IF p_history THEN
        INSERT INTO registration_history (registration_pk, status, checked_in_count, at)
        VALUES (v_pk, p_status, p_checked_in_count, p_updated_at);
    END IF;

    INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload, created_at,
                                    next_attempt_at)
    SELECT w.pk, n.id, n.type, n.key, n.body, p_updated_at, p_updated_at
    FROM unnest(p_n_types, p_n_keys, p_n_ids, p_n_bodies) AS n (type, key, id, body)
    JOIN webhook_endpoints w ON w.tenant_id = v_event.tenant_id AND w.enabled AND w.deleted_at IS NULL
     AND (w.event_types = ' * ' OR strpos(w.event_types, ' ' || n.type || ' ') > 0);
    IF p_full_id IS NOT NULL AND v_event.capacity IS NOT NULL
       AND v_event.seats_taken >= v_event.capacity
       AND v_event.seats_taken - p_deltas[7] < v_event.capacity THEN
        INSERT INTO webhook_deliveries (endpoint_pk, message_id, type, ordering_key, payload,
                                        created_at, next_attempt_at)
        SELECT w.pk, p_full_id, 'event.full', 'event:' || v_event.id,
            json_build_object('type', 'event.full', 'timestamp', turnout_utc(p_updated_at),
                              'data', turnout_event_json(v_event))::text,
            p_updated_at, p_updated_at
        FROM webhook_endpoints w
        WHERE w.tenant_id = v_event.tenant_id AND w.enabled AND w.deleted_at IS NULL
          AND (w.event_types = ' * ' OR strpos(w.event_types, ' event.full ') > 0);
    END IF;
    RETURN QUERY SELECT 'ok'::text, v_event, v_seq, NULL::jsonb,
        CASE WHEN p_page > 0 THEN (
            SELECT coalesce(jsonb_agg(turnout_registration_row(r) ORDER BY r.seq), '[]'::jsonb)
            FROM (SELECT * FROM registrations WHERE event_pk = p_event_pk ORDER BY seq LIMIT p_page + 1) r
        ) END;
END
$$;

-- The key cache (store/postgres/keycache.py): every change to a key or a tenant that can change
-- how a request authenticates sends NOTIFY turnout_keys from the changing transaction (so it is
-- delivered at its COMMIT, and never for a rolled-back change), whoever makes it: the API, the
-- CLI, another process or plain SQL. The payload is the key's prefix, or '*' for a tenant (its keys'
-- settings). A key's last use notifies too (at most once a minute per key): each process then
-- reads the recorded use again, so none rewrites it within the minute, whoever wrote it.
CREATE OR REPLACE FUNCTION turnout_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('turnout_keys', CASE WHEN TG_OP = 'DELETE' THEN OLD.prefix ELSE NEW.prefix END);
    ELSE
        PERFORM pg_notify('turnout_keys', '*');
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER turnout_api_keys_notify AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION turnout_keys_changed();
CREATE OR REPLACE TRIGGER turnout_tenants_notify AFTER UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION turnout_keys_changed();
