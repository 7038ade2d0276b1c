-- The engine's per-step reads of calls in flight, by range instead of by visiting every call in flight.
-- Append-only: never edit this file once it has landed. IF [NOT] EXISTS because other work may drop or add
-- indexes on the same tables.

-- `calls_in_flight(campaign_id, status)` becomes `(campaign_id, started_at, status)`, same predicate. The
-- watchdog's overdue calls (`campaign_id = ? AND started_at < ?`) are then one range holding only the calls
-- past their limit (it visited every call in flight of the campaign, up to `max_concurrent` table rows,
-- every step); the count per campaign still reads the prefix, and calls still queued (a NULL `started_at`,
-- set when the provider accepts the call) are found by `status` on the index alone. An entry moves when its
-- status or start time changes, which happen together (`mark_dialed`), as often as before.
DROP INDEX IF EXISTS calls_in_flight;
CREATE INDEX IF NOT EXISTS calls_in_flight ON calls(campaign_id, started_at, status)
    WHERE (+status = 'queued' OR +status = 'dialing' OR +status = 'initiated' OR +status = 'ringing' OR +status = 'in_progress');

-- `campaign_contacts_dialing(campaign_id)` (contacts being dialed) gains the lease: reconciliation finds the
-- leases that ran out on this small index instead of joining every call in flight to its contact. The lease
-- is set with the state (at the claim) and cleared with it (at the ending), so the entry is written no more
-- often than before; leases are handed out in time order, so new entries land at the end of the index.
DROP INDEX IF EXISTS campaign_contacts_dialing;
CREATE INDEX IF NOT EXISTS campaign_contacts_dialing ON campaign_contacts(campaign_id, lease_expires_at)
    WHERE state = 'dialing';
