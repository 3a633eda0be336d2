-- The outbox's ordering index leaves the write path (docs/WEBHOOKS.md "Cost and throughput").
--
-- webhook_deliveries_in_order is keyed by the ordering key (one registration, or one event), which
-- scatters across the index: each row a write inserted dirtied a page of its own, and the writer paid
-- for it (about half of a SQLite outbox row's CPU, `python -m bench.outbox_rows`). Now a write appends
-- its rows unadmitted, found only by webhook_deliveries_fresh, which grows at its right edge; the
-- dispatcher admits them to the ordered queue in pk order (webhooks/store.py _ADMIT), a batch at a
-- time, and only admitted rows are in the ordering and due indexes, and only they are claimed.
--
-- Order stays right because admission takes a prefix of pk order: every pending row with the same
-- key and endpoint as an admitted one, and a smaller pk, was committed before it (the writes of one
-- registration or event are serialized by its row) and so is admitted before or with it. The
-- claim's in-order test therefore needs to look at admitted rows only.
--
-- Rows already in the outbox were in the old ordering index: they are admitted here, so pending
-- messages keep their order against the ones written after this migration.
ALTER TABLE webhook_deliveries ADD COLUMN admitted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE webhook_deliveries SET admitted = TRUE;
DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_in_order;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending' AND admitted;
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_pk, ordering_key, pk) WHERE state = 'pending' AND admitted;
CREATE INDEX webhook_deliveries_fresh ON webhook_deliveries (pk) WHERE NOT admitted;
