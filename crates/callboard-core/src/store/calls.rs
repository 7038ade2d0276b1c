//! Calls (`calls`): one row per attempt. The webhook applier creates a row for a call it did not know
//! (`origin = 'webhook'`) and rewrites the derived columns from the call's event timeline.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::StoreResult;

/// A call as the UI and exports see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub id: i64,
    pub campaign_id: Option<i64>,
    pub provider: String,
    pub provider_call_id: Option<String>,
    pub conversation_id: Option<String>,
    pub origin: String,
    pub status: String,
    pub outcome: Option<String>,
    pub disposition: Option<String>,
    pub started_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub cost: Option<f64>,
    pub summary: Option<String>,
    pub recording_path: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, campaign_id, provider, provider_call_id, conversation_id, origin, status, outcome, \
    disposition, started_at, answered_at, ended_at, duration_s, cost, summary, recording_path, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Call> {
    Ok(Call {
        id: r.get(0)?,
        campaign_id: r.get(1)?,
        provider: r.get(2)?,
        provider_call_id: r.get(3)?,
        conversation_id: r.get(4)?,
        origin: r.get(5)?,
        status: r.get(6)?,
        outcome: r.get(7)?,
        disposition: r.get(8)?,
        started_at: r.get(9)?,
        answered_at: r.get(10)?,
        ended_at: r.get(11)?,
        duration_s: r.get(12)?,
        cost: r.get(13)?,
        summary: r.get(14)?,
        recording_path: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Call> {
    super::found(
        "call",
        id,
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM calls WHERE id = ?1"))?
            .query_row([id], from_row),
    )
}

pub fn list(conn: &Connection) -> StoreResult<Vec<Call>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM calls ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A call whose own columns carry one of these ids (rows the dial path wrote before `call_refs` existed).
pub fn find_by_ids(
    conn: &Connection,
    provider: &str,
    provider_call_id: Option<&str>,
    conversation_id: Option<&str>,
) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT MIN(id) FROM (SELECT id FROM calls WHERE provider = ?1 AND provider_call_id = ?2 \
             UNION ALL SELECT id FROM calls WHERE conversation_id = ?3)",
        )?
        .query_row(params![provider, provider_call_id, conversation_id], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten())
}

/// Creates the row for a call we only know from a webhook.
pub fn insert_from_webhook(
    conn: &Connection,
    provider: &str,
    provider_call_id: Option<&str>,
    conversation_id: Option<&str>,
    at: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO calls(provider, provider_call_id, conversation_id, origin, status, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 'webhook', 'queued', ?4, ?4)",
    )?
    .execute(params![provider, provider_call_id, conversation_id, at])?;
    Ok(conn.last_insert_rowid())
}

/// The columns the event timeline decides.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub disposition: Option<String>,
    pub started_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub cost: Option<f64>,
    pub summary: Option<String>,
    pub analysis: Option<String>,
    pub transcript: Option<String>,
    pub recording_path: Option<String>,
    pub conversation_id: Option<String>,
    pub status_event_id: Option<i64>,
}

/// Writes the derived columns; a `None` leaves what the dial path (or an older fold) put there.
pub fn update_derived(conn: &Connection, id: i64, d: &Derived, at: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE calls SET status = COALESCE(?2, status), outcome = COALESCE(?3, outcome), \
         disposition = COALESCE(?4, disposition), started_at = COALESCE(?5, started_at), \
         answered_at = COALESCE(?6, answered_at), ended_at = COALESCE(?7, ended_at), \
         duration_s = COALESCE(?8, duration_s), cost = COALESCE(?9, cost), summary = COALESCE(?10, summary), \
         analysis = COALESCE(?11, analysis), transcript = COALESCE(?12, transcript), \
         recording_path = COALESCE(?13, recording_path), conversation_id = COALESCE(conversation_id, ?14), \
         status_event_id = COALESCE(?15, status_event_id), updated_at = ?16 WHERE id = ?1",
    )?
    .execute(params![
        id,
        d.status,
        d.outcome,
        d.disposition,
        d.started_at,
        d.answered_at,
        d.ended_at,
        d.duration_s,
        d.cost,
        d.summary,
        d.analysis,
        d.transcript,
        d.recording_path,
        d.conversation_id,
        d.status_event_id,
        at
    ])?;
    Ok(())
}
