-- Webhooks: correlation ids, where a call came from, and per-event facts for the call timeline.
-- Append-only: never edit this file once it has landed.

-- 'dial' when our dial path created the call; 'webhook' when a provider told us about a call we did not know.
ALTER TABLE calls ADD COLUMN origin TEXT NOT NULL DEFAULT 'dial';
-- JSON array of transcript turns (from ElevenLabs' post_call_transcription).
ALTER TABLE calls ADD COLUMN transcript TEXT;
-- The journal row whose event decided status/outcome (the most informative one, not the last to arrive).
ALTER TABLE calls ADD COLUMN status_event_id INTEGER REFERENCES call_events(id) ON DELETE SET NULL;

-- Provider ids that identify a call: conversation_id, call_sid, exotel_call_sid, batch_recipient_id, …
CREATE TABLE call_refs (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    call_id     INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX call_refs_call ON call_refs(call_id);

-- What an applied event says about its call (JSON), extracted once; the call is the fold of these.
ALTER TABLE call_events ADD COLUMN facts TEXT;
-- The provider's own time for the event and its sequence number, when it gives them (timeline order).
ALTER TABLE call_events ADD COLUMN occurred_at TEXT;
ALTER TABLE call_events ADD COLUMN sequence INTEGER;
-- How many times applying this row was tried.
ALTER TABLE call_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX call_events_call ON call_events(call_id, id);
CREATE INDEX call_events_unapplied ON call_events(status) WHERE status = 'pending' OR status = 'failed';
-- Rows waiting for their call (pending with the reason): retried whenever a call learns a new id.
CREATE INDEX call_events_waiting ON call_events(id) WHERE status = 'pending' AND error IS NOT NULL;
-- Calls found by the ids the dial path wrote on the row itself.
CREATE INDEX calls_conversation ON calls(conversation_id) WHERE conversation_id IS NOT NULL;
