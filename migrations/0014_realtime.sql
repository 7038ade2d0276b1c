-- OpenAI Realtime calls (issue 12): the structured intake, the conversation phases, the model's tool
-- calls and the token usage and cost of each call. Append-only: never edit this file once it has landed.

-- The intake the agent completed (`complete_intake`), valid against the org's schema when stored.
CREATE TABLE call_intake (
    call_id      INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    data         TEXT NOT NULL,                   -- JSON object
    validated_at TEXT NOT NULL
);

-- Every phase a call went through; the latest row is the current phase.
CREATE TABLE call_phases (
    id       INTEGER PRIMARY KEY,
    call_id  INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    phase    TEXT NOT NULL,                        -- greeting | intake | clarification | escalation | completed
    reason   TEXT NOT NULL DEFAULT '',
    source   TEXT NOT NULL,                        -- agent | rule | supervisor
    at       TEXT NOT NULL
);
CREATE INDEX call_phases_call ON call_phases(call_id, id);

-- The model's function calls and what they answered.
CREATE TABLE call_tool_calls (
    id           INTEGER PRIMARY KEY,
    call_id      INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    tool_call_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    arguments    TEXT NOT NULL,                    -- as the model sent it (may be invalid JSON)
    ok           INTEGER NOT NULL,
    output       TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX call_tool_calls_call ON call_tool_calls(call_id, id);

-- One Realtime session per call: model, prompt version, summed usage, cost (micro-USD) and how it ended.
CREATE TABLE call_realtime (
    call_id          INTEGER PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    model            TEXT NOT NULL,
    prompt_version   INTEGER,
    text_in          INTEGER NOT NULL DEFAULT 0,
    text_cached_in   INTEGER NOT NULL DEFAULT 0,
    audio_in         INTEGER NOT NULL DEFAULT 0,
    audio_cached_in  INTEGER NOT NULL DEFAULT 0,
    text_out         INTEGER NOT NULL DEFAULT 0,
    audio_out        INTEGER NOT NULL DEFAULT 0,
    transcription_ms INTEGER NOT NULL DEFAULT 0,
    cost_micros      REAL NOT NULL DEFAULT 0,
    ended_reason     TEXT,
    started_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
