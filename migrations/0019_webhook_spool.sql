-- How far the webhook journal has read the delivery spool (webhooks/spool/*.log): the position after the last
-- record committed to `call_events`, written in the same transaction as those rows, so a restart journals
-- exactly the records after it. One row at most.
-- Append-only: never edit this file once it has landed.
CREATE TABLE IF NOT EXISTS webhook_spool (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    segment INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL
);
