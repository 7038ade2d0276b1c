-- The campaign engine, second part: schedules, headroom, frequency caps, the global provider cap.

-- A campaign may start at a set time (status `scheduled` until then) and end at one (then it completes or
-- pauses, as `end_action` says). RFC 3339 UTC text, NULL for "not set".
ALTER TABLE campaigns ADD COLUMN start_at TEXT;
ALTER TABLE campaigns ADD COLUMN end_at TEXT;
ALTER TABLE campaigns ADD COLUMN end_action TEXT NOT NULL DEFAULT 'complete';
-- Slots of `max_concurrent` kept free for inbound calls and other campaigns.
ALTER TABLE campaigns ADD COLUMN reserved_headroom INTEGER NOT NULL DEFAULT 0;

-- Frequency caps count a contact's recent calls across every campaign: one index range per contact.
CREATE INDEX calls_contact_recent ON calls(contact_id, created_at) WHERE contact_id IS NOT NULL;
-- The global cap per provider account counts the calls in flight per provider.
CREATE INDEX calls_provider_in_flight ON calls(provider, status)
    WHERE status IN ('queued', 'dialing', 'initiated', 'ringing', 'in_progress');
-- Reconciliation and "release an attempt that never happened" find the contact by its last call.
CREATE INDEX campaign_contacts_last_call ON campaign_contacts(last_call_id) WHERE last_call_id IS NOT NULL;
