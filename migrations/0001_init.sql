-- Callboard schema, first version. Append-only: never edit this file once it has landed; add 0002_….sql.
-- Timestamps are RFC 3339 UTC text; ids are integers; JSON columns hold provider payloads and variables.

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,           -- JSON
    updated_at  TEXT NOT NULL
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    provider      TEXT NOT NULL,          -- elevenlabs | openai-realtime | sim
    external_id   TEXT,                   -- the provider's agent id, when it has one
    language      TEXT NOT NULL DEFAULT 'en',
    voice         TEXT NOT NULL DEFAULT '',
    prompt        TEXT NOT NULL DEFAULT '',
    first_message TEXT NOT NULL DEFAULT '',
    disclosure    TEXT NOT NULL DEFAULT '',
    tools         TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE campaigns (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'draft',
    status_reason    TEXT NOT NULL DEFAULT '',
    provider         TEXT NOT NULL DEFAULT 'sim',
    agent_id         INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    from_number      TEXT NOT NULL DEFAULT '',
    max_concurrent   INTEGER NOT NULL DEFAULT 5,
    calls_per_second REAL NOT NULL DEFAULT 1.0,
    hours_preset     TEXT NOT NULL DEFAULT 'always',
    time_zone        TEXT NOT NULL DEFAULT 'UTC',
    retry_policy     TEXT NOT NULL DEFAULT '{}',   -- JSON
    scheduled_at     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX campaigns_name_unique ON campaigns(name COLLATE NOCASE);

CREATE TABLE contacts (
    id               INTEGER PRIMARY KEY,
    phone_e164       TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT '',
    time_zone        TEXT,
    time_zone_source TEXT NOT NULL DEFAULT 'unknown', -- column | number | campaign_default | unknown
    consent_basis    TEXT NOT NULL DEFAULT '',
    external_id      TEXT NOT NULL DEFAULT '',
    variables        TEXT NOT NULL DEFAULT '{}',      -- JSON: extra columns, the agent's dynamic variables
    status           TEXT NOT NULL DEFAULT 'active',  -- active | opted_out | deleted
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX contacts_phone_unique ON contacts(phone_e164);

CREATE TABLE campaign_contacts (
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    state            TEXT NOT NULL DEFAULT 'pending', -- pending | dialing | in_call | retry_wait | done | suppressed
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_outcome     TEXT,
    next_attempt_at  TEXT,
    callback_at      TEXT,
    lease_expires_at TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
);
CREATE INDEX campaign_contacts_due ON campaign_contacts(campaign_id, state, next_attempt_at);

CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    contact_id       INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    agent_id         INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    attempt          INTEGER NOT NULL DEFAULT 1,
    provider         TEXT NOT NULL,
    provider_call_id TEXT,
    conversation_id  TEXT,
    direction        TEXT NOT NULL DEFAULT 'outbound',
    status           TEXT NOT NULL DEFAULT 'queued',
    outcome          TEXT,
    disposition      TEXT,
    started_at       TEXT,
    answered_at      TEXT,
    ended_at         TEXT,
    duration_s       REAL,
    cost             REAL,
    summary          TEXT,
    analysis         TEXT NOT NULL DEFAULT '{}',      -- JSON: evaluation, data collection, sentiment
    recording_path   TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX calls_provider_call ON calls(provider, provider_call_id) WHERE provider_call_id IS NOT NULL;
CREATE INDEX calls_campaign ON calls(campaign_id, status);

-- The raw webhook journal: written before the provider gets its 200, applied afterwards.
CREATE TABLE call_events (
    id               INTEGER PRIMARY KEY,
    provider         TEXT NOT NULL,
    type             TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    call_id          INTEGER REFERENCES calls(id) ON DELETE SET NULL,
    headers          TEXT NOT NULL DEFAULT '{}',       -- JSON, selected headers only (no secrets)
    body             BLOB,
    body_path        TEXT,
    status           TEXT NOT NULL DEFAULT 'pending',  -- pending | applied | duplicate | rejected | failed
    error            TEXT,
    received_at      TEXT NOT NULL,
    applied_at       TEXT
);
CREATE UNIQUE INDEX call_events_idempotency ON call_events(provider, idempotency_key) WHERE status != 'duplicate' AND status != 'rejected';
CREATE INDEX call_events_pending ON call_events(status) WHERE status = 'pending';

CREATE TABLE dnc_entries (
    id           INTEGER PRIMARY KEY,
    phone_e164   TEXT NOT NULL,
    campaign_id  INTEGER REFERENCES campaigns(id) ON DELETE CASCADE, -- NULL: the global list
    source       TEXT NOT NULL DEFAULT 'manual',                      -- manual | import | opt_out | provider
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX dnc_unique ON dnc_entries(phone_e164, IFNULL(campaign_id, 0));

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,            -- user name, 'system', 'cli'
    action       TEXT NOT NULL,            -- e.g. campaign.create
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id   TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}' -- JSON
);
CREATE INDEX audit_log_at ON audit_log(at);
