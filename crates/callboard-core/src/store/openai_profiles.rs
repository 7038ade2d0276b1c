//! Queries on `agent_openai_profiles`, `prompt_versions`, `calls.prompt_version_id` and `openai_sip_calls`
//! (migration 0013). A profile is split over two rows: voice, language and first message on `agents`, the
//! rest here as JSON columns; [`get`] joins them back into one [`OpenaiProfile`].

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{StoreError, StoreResult, agents};
use crate::openai::profile::OpenaiProfile;

fn json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("openai profile {what}: {e}")))
}

fn text<T: Serialize>(v: &T) -> String {
    // Serialising these plain structs cannot fail; an empty object is never read back as valid.
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

/// The stored profile of `agent_id`, or `None` when it has none yet.
pub fn get(conn: &Connection, agent_id: i64) -> StoreResult<Option<OpenaiProfile>> {
    let agent = agents::get(conn, agent_id)?;
    let row: Option<(String, String, String, String, String)> = conn
        .query_row(
            "SELECT model, transcription_model, turn_detection, org, escalation \
             FROM agent_openai_profiles WHERE agent_id = ?1",
            [agent_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((model, transcription_model, turn, org, escalation)) = row else {
        return Ok(None);
    };
    Ok(Some(OpenaiProfile {
        model,
        voice: agent.voice,
        language: agent.language,
        first_message: agent.first_message,
        turn_detection: json("turn_detection", &turn)?,
        transcription_model,
        org: json("org", &org)?,
        escalation: json("escalation", &escalation)?,
    }))
}

/// Stores a validated profile (both rows).
pub fn put(conn: &Connection, agent_id: i64, p: &OpenaiProfile, now: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE agents SET voice = ?2, language = ?3, first_message = ?4, updated_at = ?5 WHERE id = ?1",
        params![agent_id, p.voice, p.language, p.first_message, now],
    )?;
    conn.execute(
        "INSERT INTO agent_openai_profiles(agent_id, model, transcription_model, turn_detection, org, escalation, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT(agent_id) DO UPDATE SET model = excluded.model, transcription_model = excluded.transcription_model, \
         turn_detection = excluded.turn_detection, org = excluded.org, escalation = excluded.escalation, \
         updated_at = excluded.updated_at",
        params![
            agent_id,
            p.model,
            p.transcription_model,
            text(&p.turn_detection),
            text(&p.org),
            text(&p.escalation),
            now
        ],
    )?;
    Ok(())
}

/// One rendered system prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptVersion {
    pub id: i64,
    pub agent_id: i64,
    pub hash: String,
    pub text: String,
    pub created_at: String,
    /// How many calls ran with it.
    pub calls: i64,
}

/// The version id of `text` for `agent_id`, creating the row the first time this text is seen.
pub fn ensure_version(
    conn: &Connection,
    agent_id: i64,
    hash: &str,
    text: &str,
    now: &str,
) -> StoreResult<i64> {
    conn.execute(
        "INSERT INTO prompt_versions(agent_id, hash, text, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(agent_id, hash) DO NOTHING",
        params![agent_id, hash, text, now],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM prompt_versions WHERE agent_id = ?1 AND hash = ?2",
        params![agent_id, hash],
        |r| r.get(0),
    )?)
}

/// Every version of `agent_id`'s prompt, newest first.
pub fn versions(conn: &Connection, agent_id: i64) -> StoreResult<Vec<PromptVersion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.agent_id, v.hash, v.text, v.created_at, \
         (SELECT COUNT(*) FROM calls c WHERE c.prompt_version_id = v.id) \
         FROM prompt_versions v WHERE v.agent_id = ?1 ORDER BY v.id DESC",
    )?;
    let rows = stmt
        .query_map([agent_id], |r| {
            Ok(PromptVersion {
                id: r.get(0)?,
                agent_id: r.get(1)?,
                hash: r.get(2)?,
                text: r.get(3)?,
                created_at: r.get(4)?,
                calls: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records which prompt version a call ran with.
pub fn set_call_version(conn: &Connection, call_id: i64, version_id: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE calls SET prompt_version_id = ?2 WHERE id = ?1",
        params![call_id, version_id],
    )?;
    Ok(())
}

/// The prompt version a call ran with.
pub fn call_version(conn: &Connection, call_id: i64) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT prompt_version_id FROM calls WHERE id = ?1",
            [call_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// A decision about an incoming SIP call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SipCall {
    pub openai_call_id: String,
    pub call_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub decision: String,
    pub reason: String,
    pub request_status: String,
    pub error: Option<String>,
}

/// Records the decision for `openai_call_id`; `false` when one was already recorded (a redelivery).
pub fn record_sip_decision(conn: &Connection, d: &SipCall, now: &str) -> StoreResult<bool> {
    let n = conn.execute(
        "INSERT INTO openai_sip_calls(openai_call_id, call_id, agent_id, decision, reason, request_status, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6) \
         ON CONFLICT(openai_call_id) DO NOTHING",
        params![d.openai_call_id, d.call_id, d.agent_id, d.decision, d.reason, now],
    )?;
    Ok(n == 1)
}

/// How the REST request for a decision went.
pub fn finish_sip_request(
    conn: &Connection,
    openai_call_id: &str,
    error: Option<&str>,
    now: &str,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE openai_sip_calls SET request_status = ?2, error = ?3, updated_at = ?4 WHERE openai_call_id = ?1",
        params![openai_call_id, if error.is_some() { "failed" } else { "done" }, error, now],
    )?;
    Ok(())
}

pub fn sip_call(conn: &Connection, openai_call_id: &str) -> StoreResult<Option<SipCall>> {
    Ok(conn
        .query_row(
            "SELECT openai_call_id, call_id, agent_id, decision, reason, request_status, error \
             FROM openai_sip_calls WHERE openai_call_id = ?1",
            [openai_call_id],
            |r| {
                Ok(SipCall {
                    openai_call_id: r.get(0)?,
                    call_id: r.get(1)?,
                    agent_id: r.get(2)?,
                    decision: r.get(3)?,
                    reason: r.get(4)?,
                    request_status: r.get(5)?,
                    error: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// SIP calls accepted and not yet ended (for the capacity check).
pub fn sip_calls_in_flight(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM openai_sip_calls s JOIN calls c ON c.id = s.call_id \
         WHERE s.decision = 'accept' AND c.ended_at IS NULL \
         AND c.status IN ('queued', 'dialing', 'ringing', 'in_progress')",
        [],
        |r| r.get(0),
    )?)
}
