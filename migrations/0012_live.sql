-- The live monitor: what needs a supervisor's attention, and each call's live transcript as it is spoken.
-- Append-only: never edit this file once it has landed.

-- "Needs attention": stuck calls, escalations, tripped breakers, webhook signature failures, a provider's
-- auto-disabled webhook, a listener or tunnel down, negative-sentiment calls, opt-out requests. `dedupe_key`
-- keeps a repeated alert for the same thing from piling up while the first one is still open.
CREATE TABLE attention_items (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    severity     TEXT NOT NULL DEFAULT 'warning',  -- critical | warning | info
    title        TEXT NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    campaign_id  INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    call_id      INTEGER REFERENCES calls(id) ON DELETE SET NULL,
    dedupe_key   TEXT NOT NULL,
    count        INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    acked_at     TEXT,
    acked_by     TEXT
);
CREATE UNIQUE INDEX attention_open ON attention_items(dedupe_key) WHERE acked_at IS NULL;
CREATE INDEX attention_recent ON attention_items(created_at);

-- Live transcript turns (from the agent backend or the simulator), in the order they were spoken.
CREATE TABLE call_transcript_lines (
    id       INTEGER PRIMARY KEY,
    call_id  INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    role     TEXT NOT NULL,                       -- agent | contact
    text     TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX call_transcript_lines_call ON call_transcript_lines(call_id, id);

-- The call board lists calls in flight and those that ended recently; the audit log is read per subject.
CREATE INDEX calls_recent ON calls(updated_at);
CREATE INDEX audit_log_subject ON audit_log(subject_type, subject_id);
