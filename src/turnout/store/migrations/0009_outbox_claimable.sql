-- The dispatcher's claim (webhooks/store.py _CLAIM) takes the oldest claimable rows, ORDER BY pk.
-- With no index that both filters and orders, SQLite's planner walked the whole table in pk order,
-- delivered history included, on every poll (five a second while idle): a cost that grew with every
-- message ever sent. This partial index holds exactly the rows the claim considers, in its order.
CREATE INDEX webhook_deliveries_claimable ON webhook_deliveries (pk) WHERE state = 'pending' AND admitted;
