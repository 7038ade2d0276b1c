-- OpenAI Realtime agents: the profile fields the `agents` table lacks, the rendered system prompts by
-- version, the prompt version each call ran with, and the decisions taken on Realtime SIP calls.
-- Append-only: never edit this file once it has landed.

-- One row per agent of provider `openai-realtime` (voice, language and first message stay on `agents`).
CREATE TABLE agent_openai_profiles (
    agent_id            INTEGER PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    model               TEXT NOT NULL DEFAULT 'gpt-realtime-2.1',
    transcription_model TEXT NOT NULL DEFAULT 'gpt-realtime-whisper',
    turn_detection      TEXT NOT NULL,          -- JSON: {type: server_vad|semantic_vad, …}
    org                 TEXT NOT NULL,          -- JSON: name, services, hours, policies, contacts, intake_schema
    escalation          TEXT NOT NULL,          -- JSON: {transfer_to, transfer_on_escalation}
    updated_at          TEXT NOT NULL
);

-- Every distinct rendered system prompt of an agent; `hash` is the SHA-256 of `text`.
CREATE TABLE prompt_versions (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX prompt_versions_agent_hash ON prompt_versions(agent_id, hash);

-- Which prompt a call ran with.
ALTER TABLE calls ADD COLUMN prompt_version_id INTEGER REFERENCES prompt_versions(id) ON DELETE SET NULL;

-- Realtime SIP calls: what was decided for each incoming call (one row per OpenAI call id, so a repeated
-- webhook never decides twice) and how the REST request went.
CREATE TABLE openai_sip_calls (
    openai_call_id TEXT PRIMARY KEY,
    call_id        INTEGER REFERENCES calls(id) ON DELETE SET NULL,
    agent_id       INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    decision       TEXT NOT NULL,              -- accept | reject | refer
    reason         TEXT NOT NULL DEFAULT '',
    request_status TEXT NOT NULL DEFAULT 'pending',  -- pending | done | failed
    error          TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
