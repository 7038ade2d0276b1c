//! One Realtime session per call (`call_realtime`): the model and prompt version it ran with, the usage
//! summed over its responses and transcriptions, the cost, and why it ended; and the sum per campaign.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::StoreResult;
use crate::openai::realtime::cost::Usage;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealtimeCall {
    pub model: String,
    pub prompt_version: Option<i64>,
    pub usage: Usage,
    pub cost_micros: f64,
    pub ended_reason: Option<String>,
    pub started_at: String,
}

/// What a backend that only knows the call id needs about the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    pub agent_id: Option<i64>,
    pub campaign_id: Option<i64>,
    /// The carrier (`twilio`, `exotel`).
    pub provider: String,
}

pub fn call_context(conn: &Connection, call_id: i64) -> StoreResult<Option<CallContext>> {
    Ok(conn
        .query_row(
            "SELECT agent_id, campaign_id, provider FROM calls WHERE id = ?1",
            [call_id],
            |r| {
                Ok(CallContext {
                    agent_id: r.get(0)?,
                    campaign_id: r.get(1)?,
                    provider: r.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn start(
    conn: &Connection,
    call_id: i64,
    model: &str,
    prompt_version: Option<i64>,
    at: &str,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO call_realtime(call_id, model, prompt_version, started_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT(call_id) DO UPDATE SET model = excluded.model, prompt_version = excluded.prompt_version, \
         updated_at = excluded.updated_at",
        params![call_id, model, prompt_version, at],
    )?;
    Ok(())
}

/// Adds one response's (or transcription's) usage and its cost.
pub fn add_usage(conn: &Connection, call_id: i64, u: &Usage, cost_micros: f64, at: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE call_realtime SET text_in = text_in + ?2, text_cached_in = text_cached_in + ?3, \
         audio_in = audio_in + ?4, audio_cached_in = audio_cached_in + ?5, text_out = text_out + ?6, \
         audio_out = audio_out + ?7, transcription_ms = transcription_ms + ?8, cost_micros = cost_micros + ?9, \
         updated_at = ?10, transcription_text_in = transcription_text_in + ?11, \
         transcription_audio_in = transcription_audio_in + ?12, transcription_out = transcription_out + ?13 \
         WHERE call_id = ?1",
        params![
            call_id,
            u.text_in,
            u.text_cached_in,
            u.audio_in,
            u.audio_cached_in,
            u.text_out,
            u.audio_out,
            u.transcription_ms,
            cost_micros,
            at,
            u.transcription_text_in,
            u.transcription_audio_in,
            u.transcription_out
        ],
    )?;
    Ok(())
}

pub fn set_ended(conn: &Connection, call_id: i64, reason: &str, at: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE call_realtime SET ended_reason = COALESCE(ended_reason, ?2), updated_at = ?3 WHERE call_id = ?1",
        params![call_id, reason, at],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, call_id: i64) -> StoreResult<Option<RealtimeCall>> {
    Ok(conn
        .query_row(
            "SELECT model, prompt_version, text_in, text_cached_in, audio_in, audio_cached_in, text_out, audio_out, \
             transcription_ms, cost_micros, ended_reason, started_at, transcription_text_in, transcription_audio_in, \
             transcription_out FROM call_realtime WHERE call_id = ?1",
            [call_id],
            |r| {
                Ok(RealtimeCall {
                    model: r.get(0)?,
                    prompt_version: r.get(1)?,
                    usage: Usage {
                        text_in: r.get(2)?,
                        text_cached_in: r.get(3)?,
                        audio_in: r.get(4)?,
                        audio_cached_in: r.get(5)?,
                        text_out: r.get(6)?,
                        audio_out: r.get(7)?,
                        transcription_ms: r.get(8)?,
                        transcription_text_in: r.get(12)?,
                        transcription_audio_in: r.get(13)?,
                        transcription_out: r.get(14)?,
                    },
                    cost_micros: r.get(9)?,
                    ended_reason: r.get(10)?,
                    started_at: r.get(11)?,
                })
            },
        )
        .optional()?)
}

/// A campaign's Realtime spend: (calls, micro-USD).
pub fn campaign_cost(conn: &Connection, campaign_id: i64) -> StoreResult<(i64, f64)> {
    Ok(conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(r.cost_micros), 0) FROM call_realtime r JOIN calls c ON c.id = r.call_id \
         WHERE c.campaign_id = ?1",
        [campaign_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
