-- ElevenLabs: per-campaign setup (agent, phone number, call options) and the batches a batch-mode campaign ran
-- as. Append-only: never edit this file once it has landed.

-- How a campaign on `elevenlabs` or `elevenlabs-batch` calls: ElevenLabs' own ids, not ours.
CREATE TABLE elevenlabs_campaigns (
    campaign_id          INTEGER PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
    agent_id             TEXT NOT NULL,              -- ElevenLabs agent id (agent_…)
    phone_number_id      TEXT NOT NULL,              -- ElevenLabs phone number id (phnum_…)
    phone_kind           TEXT NOT NULL DEFAULT 'twilio', -- twilio | sip_trunk: which outbound endpoint
    recording            INTEGER NOT NULL DEFAULT 0, -- fetch the recording (and ask Twilio to record)
    ringing_timeout_secs INTEGER,
    machine_detection    INTEGER NOT NULL DEFAULT 0, -- Twilio AMD: hang up on machines
    overrides            TEXT NOT NULL DEFAULT '{}', -- JSON conversation_config_override (only what the agent allows)
    batch_size           INTEGER NOT NULL DEFAULT 1000,
    updated_at           TEXT NOT NULL
);

-- One row per batch we submitted (or were about to: `submitting` rows are checked against ElevenLabs' list
-- before anything is submitted again, so a lost reply never makes a second batch).
CREATE TABLE elevenlabs_batches (
    id           INTEGER PRIMARY KEY,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    wave         INTEGER NOT NULL,
    submit_key   TEXT NOT NULL UNIQUE,       -- also in the batch's name, to find it again
    call_name    TEXT NOT NULL,
    batch_id     TEXT UNIQUE,                -- ElevenLabs' id once known
    status       TEXT NOT NULL,              -- submitting | pending | in_progress | completed | failed | cancelled | rejected
    recipients   INTEGER NOT NULL,
    error        TEXT,
    polled_at    TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX elevenlabs_batches_campaign ON elevenlabs_batches(campaign_id, id);

-- Which call row stands for which recipient of a batch (recipients are matched by phone number).
CREATE TABLE elevenlabs_batch_calls (
    batch_row    INTEGER NOT NULL REFERENCES elevenlabs_batches(id) ON DELETE CASCADE,
    phone_e164   TEXT NOT NULL,
    call_id      INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    PRIMARY KEY (batch_row, phone_e164)
);
