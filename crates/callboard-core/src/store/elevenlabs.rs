//! ElevenLabs bookkeeping (`elevenlabs_campaigns`, `elevenlabs_batches`, `elevenlabs_batch_calls`, and the
//! `elevenlabs.*` keys of `settings`), plus the few queries over calls the ElevenLabs reconciler needs: calls
//! still open that have a conversation id, and contacts left `dialing` after their call ended.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{
    StoreError, StoreResult,
    attempts::{IN_FLIGHT, IN_FLIGHT_STATUS},
};

/// How a campaign calls through ElevenLabs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSetup {
    pub campaign_id: i64,
    pub agent_id: String,
    pub phone_number_id: String,
    /// `twilio` or `sip_trunk`.
    pub phone_kind: String,
    pub recording: bool,
    pub ringing_timeout_secs: Option<u32>,
    pub machine_detection: bool,
    /// `conversation_config_override` sent with every call (only what the agent allows).
    pub overrides: serde_json::Value,
    pub batch_size: u32,
}

pub fn setup(conn: &Connection, campaign_id: i64) -> StoreResult<Option<CampaignSetup>> {
    Ok(conn
        .query_row(
            "SELECT campaign_id, agent_id, phone_number_id, phone_kind, recording, ringing_timeout_secs,
                    machine_detection, overrides, batch_size FROM elevenlabs_campaigns WHERE campaign_id = ?1",
            [campaign_id],
            |r| {
                Ok(CampaignSetup {
                    campaign_id: r.get(0)?,
                    agent_id: r.get(1)?,
                    phone_number_id: r.get(2)?,
                    phone_kind: r.get(3)?,
                    recording: r.get(4)?,
                    ringing_timeout_secs: r.get(5)?,
                    machine_detection: r.get(6)?,
                    overrides: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                    batch_size: r.get(8)?,
                })
            },
        )
        .optional()?)
}

pub fn put_setup(conn: &Connection, s: &CampaignSetup, now: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO elevenlabs_campaigns(campaign_id, agent_id, phone_number_id, phone_kind, recording,
             ringing_timeout_secs, machine_detection, overrides, batch_size, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(campaign_id) DO UPDATE SET agent_id = excluded.agent_id,
             phone_number_id = excluded.phone_number_id, phone_kind = excluded.phone_kind,
             recording = excluded.recording, ringing_timeout_secs = excluded.ringing_timeout_secs,
             machine_detection = excluded.machine_detection, overrides = excluded.overrides,
             batch_size = excluded.batch_size, updated_at = excluded.updated_at",
        params![
            s.campaign_id,
            s.agent_id,
            s.phone_number_id,
            s.phone_kind,
            s.recording,
            s.ringing_timeout_secs,
            s.machine_detection,
            s.overrides.to_string(),
            s.batch_size,
            now
        ],
    )?;
    Ok(())
}

/// A JSON value under `settings` (keys start with `elevenlabs.`).
pub fn get_setting<T: serde::de::DeserializeOwned>(conn: &Connection, key: &str) -> StoreResult<Option<T>> {
    let text: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}"))))
        .transpose()
}

pub fn put_setting<T: Serialize>(conn: &Connection, key: &str, value: &T, now: &str) -> StoreResult<()> {
    let text = serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, text, now],
    )?;
    Ok(())
}

/// One batch a campaign ran as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchRow {
    pub id: i64,
    pub campaign_id: i64,
    pub wave: i64,
    pub submit_key: String,
    pub call_name: String,
    pub batch_id: Option<String>,
    pub status: String,
    pub recipients: i64,
    pub error: Option<String>,
    pub polled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const BATCH_COLUMNS: &str = "id, campaign_id, wave, submit_key, call_name, batch_id, status, recipients, error, \
    polled_at, created_at, updated_at";

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchRow> {
    Ok(BatchRow {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        wave: r.get(2)?,
        submit_key: r.get(3)?,
        call_name: r.get(4)?,
        batch_id: r.get(5)?,
        status: r.get(6)?,
        recipients: r.get(7)?,
        error: r.get(8)?,
        polled_at: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// Statuses of a batch that is still running (or whose submission is unresolved).
pub const ACTIVE: &str = "'submitting', 'pending', 'in_progress', 'unknown'";

pub fn active_batch(conn: &Connection, campaign_id: i64) -> StoreResult<Option<BatchRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {BATCH_COLUMNS} FROM elevenlabs_batches WHERE campaign_id = ?1 AND status IN ({ACTIVE})
                 ORDER BY id LIMIT 1"
            ),
            [campaign_id],
            batch_row,
        )
        .optional()?)
}

pub fn batches(conn: &Connection, campaign_id: i64) -> StoreResult<Vec<BatchRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {BATCH_COLUMNS} FROM elevenlabs_batches WHERE campaign_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([campaign_id], batch_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Campaigns (any status) with a batch still running.
pub fn campaigns_with_active_batches(conn: &Connection) -> StoreResult<Vec<i64>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT DISTINCT campaign_id FROM elevenlabs_batches WHERE status IN ({ACTIVE}) ORDER BY campaign_id"
    ))?;
    let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Records the intent to submit (before ElevenLabs is asked), with the next wave number.
pub fn insert_batch(
    conn: &Connection,
    campaign_id: i64,
    submit_key: &str,
    call_name: &str,
    recipients: i64,
    now: &str,
) -> StoreResult<BatchRow> {
    let wave: i64 = conn.query_row(
        "SELECT IFNULL(MAX(wave), 0) + 1 FROM elevenlabs_batches WHERE campaign_id = ?1",
        [campaign_id],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO elevenlabs_batches(campaign_id, wave, submit_key, call_name, status, recipients, created_at,
             updated_at) VALUES (?1, ?2, ?3, ?4, 'submitting', ?5, ?6, ?6)",
        params![campaign_id, wave, submit_key, call_name, recipients, now],
    )?;
    let id = conn.last_insert_rowid();
    Ok(conn.query_row(
        &format!("SELECT {BATCH_COLUMNS} FROM elevenlabs_batches WHERE id = ?1"),
        [id],
        batch_row,
    )?)
}

pub fn next_wave(conn: &Connection, campaign_id: i64) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT IFNULL(MAX(wave), 0) + 1 FROM elevenlabs_batches WHERE campaign_id = ?1",
        [campaign_id],
        |r| r.get(0),
    )?)
}

pub fn update_batch(
    conn: &Connection,
    id: i64,
    batch_id: Option<&str>,
    status: &str,
    error: Option<&str>,
    now: &str,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE elevenlabs_batches SET batch_id = IFNULL(?2, batch_id), status = ?3, error = IFNULL(?4, error),
             polled_at = ?5, updated_at = ?5 WHERE id = ?1",
        params![id, batch_id, status, error, now],
    )?;
    Ok(())
}

pub fn add_batch_call(conn: &Connection, batch_row: i64, phone: &str, call_id: i64) -> StoreResult<()> {
    conn.execute(
        "INSERT OR REPLACE INTO elevenlabs_batch_calls(batch_row, phone_e164, call_id) VALUES (?1, ?2, ?3)",
        params![batch_row, phone, call_id],
    )?;
    Ok(())
}

/// (phone, call id, call status) of a batch's recipients.
pub fn batch_calls(conn: &Connection, batch_row: i64) -> StoreResult<Vec<(String, i64, String)>> {
    let mut stmt = conn.prepare(
        "SELECT b.phone_e164, b.call_id, k.status FROM elevenlabs_batch_calls b JOIN calls k ON k.id = b.call_id
         WHERE b.batch_row = ?1 ORDER BY b.call_id",
    )?;
    let rows = stmt
        .query_map([batch_row], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Sets the call's conversation id (when the dial path or a batch poll learns it).
pub fn set_conversation(
    conn: &Connection,
    call_id: i64,
    conversation_id: &str,
    now: &str,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE calls SET conversation_id = IFNULL(conversation_id, ?2), updated_at = ?3 WHERE id = ?1",
        params![call_id, conversation_id, now],
    )?;
    Ok(())
}

/// Sets a batch call's status while it is still open (`dialing`, `in_progress`).
pub fn set_open_status(conn: &Connection, call_id: i64, status: &str, now: &str) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "UPDATE calls SET status = ?2, started_at = IFNULL(started_at, ?3), updated_at = ?3
         WHERE id = ?1 AND {IN_FLIGHT_STATUS}"
    ))?
    .execute(params![call_id, status, now])?;
    Ok(())
}

/// An open ElevenLabs call that has a conversation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenConversation {
    pub call_id: i64,
    pub conversation_id: String,
    pub campaign_id: Option<i64>,
    pub started_at: Option<String>,
}

/// [`open_conversations`]' statement: the in-flight predicate spelled as the partial index's, so the
/// reconciler visits the calls in flight on `calls_in_flight`, not every call ever made. (Named, because
/// for `ORDER BY id` the planner preferred walking the whole table in id order to sorting the few found.)
pub(crate) static OPEN_CONVERSATIONS_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT id, conversation_id, campaign_id, started_at FROM calls INDEXED BY calls_in_flight
         WHERE provider IN ('elevenlabs', 'elevenlabs-batch') AND {IN_FLIGHT_STATUS}
           AND conversation_id IS NOT NULL AND IFNULL(started_at, created_at) <= ?1 ORDER BY id"
    )
});

/// Open calls of the ElevenLabs providers with a conversation id, started before `started_before`.
pub fn open_conversations(conn: &Connection, started_before: &str) -> StoreResult<Vec<OpenConversation>> {
    let mut stmt = conn.prepare_cached(&OPEN_CONVERSATIONS_SQL)?;
    let rows = stmt
        .query_map([started_before], |r| {
            Ok(OpenConversation {
                call_id: r.get(0)?,
                conversation_id: r.get(1)?,
                campaign_id: r.get(2)?,
                started_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Calls that ended (by a webhook or reconciliation) while their contact still shows `dialing`:
/// (call id, status, outcome).
pub fn ended_but_dialing(conn: &Connection) -> StoreResult<Vec<(i64, String, Option<String>)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT k.id, k.status, k.outcome FROM campaign_contacts cc JOIN calls k ON k.id = cc.last_call_id
         WHERE cc.state = 'dialing' AND k.provider IN ('elevenlabs', 'elevenlabs-batch')
           AND k.status NOT IN ({IN_FLIGHT}) ORDER BY k.id"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// "Retry failed + no-response": those contacts of the campaign are due again now (a new wave picks them
/// up). Returns how many.
pub fn requeue_failed(conn: &Connection, campaign_id: i64, now: &str) -> StoreResult<usize> {
    Ok(conn.execute(
        "UPDATE campaign_contacts SET state = 'pending', next_attempt_at = ?2, wait_reason = NULL, updated_at = ?2
         WHERE campaign_id = ?1 AND state IN ('retry_wait', 'done') AND last_outcome IN ('failed', 'no_answer')",
        params![campaign_id, now],
    )?)
}

/// A call the webhook applier created (`origin = 'webhook'`, no campaign) because the webhook came before
/// a batch poll told us the conversation id: its events and ids move to our call `into`, and the stray row
/// goes. Returns whether there was one. The caller re-folds `into`.
pub fn adopt_stray(conn: &Connection, conversation_id: &str, into: i64) -> StoreResult<bool> {
    let stray: Option<i64> = conn
        .query_row(
            "SELECT k.id FROM call_refs r JOIN calls k ON k.id = r.call_id
             WHERE r.kind = 'conversation_id' AND r.value = ?1 AND k.id != ?2 AND k.origin = 'webhook'
               AND k.campaign_id IS NULL",
            params![conversation_id, into],
            |r| r.get(0),
        )
        .optional()?;
    let Some(stray) = stray else { return Ok(false) };
    conn.execute(
        "UPDATE call_events SET call_id = ?2 WHERE call_id = ?1",
        params![stray, into],
    )?;
    conn.execute(
        "UPDATE OR IGNORE call_refs SET call_id = ?2 WHERE call_id = ?1",
        params![stray, into],
    )?;
    conn.execute("DELETE FROM call_refs WHERE call_id = ?1", [stray])?;
    conn.execute("DELETE FROM calls WHERE id = ?1", [stray])?;
    Ok(true)
}
