-- The outbox row's CHECK on state, as 0010_outbox_state_check.sqlite.sql spells it there (where an
-- IN list of three made every insert build a temporary b-tree). PostgreSQL checks either spelling
-- cheaply; this keeps both databases' constraint the same. Adding it checks every row once.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_state_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_state_check
    CHECK (state = 'pending' OR state = 'delivered' OR state = 'failed');
