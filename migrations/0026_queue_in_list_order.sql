-- The dialing queue orders contacts due at the same time by when they joined the campaign (the member row's
-- rowid, which every index ends with), not by contact id. An import writes a chunk's contacts in phone order
-- (its unique index is then walked forwards) so their ids no longer follow the file; it adds the members in
-- the file's order, and the queue dials the list as it was written.
-- Append-only: never edit this file once it has landed. IF [NOT] EXISTS because other work may drop or add
-- indexes on the same tables.
DROP INDEX IF EXISTS campaign_contacts_queue;
CREATE INDEX IF NOT EXISTS campaign_contacts_queue ON campaign_contacts(campaign_id, next_attempt_at)
    WHERE state IN ('pending', 'retry_wait');
