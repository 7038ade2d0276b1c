//! The webhook journal (`call_events`): one row per delivery, written before the provider gets its 200.
//! A key already journaled gets a `duplicate` row (without its body: the original holds it) so duplicates can
//! be counted; a bad signature gets a `rejected` row without the untrusted body. Rows go `pending` →
//! `applied`, or stay `pending` (waiting for their call) / `failed` (bad data) with an error, to be retried.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::StoreResult;

/// A verified delivery, before it is journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub provider: &'static str,
    pub kind: String,
    pub idempotency_key: String,
    /// Selected request headers (never a signature or a secret).
    pub headers: serde_json::Value,
    pub body: Option<Vec<u8>>,
    /// A large body kept in a file instead, relative to the data dir.
    pub body_path: Option<String>,
    pub received_at: String,
    pub occurred_at: Option<String>,
    pub sequence: Option<i64>,
}

/// What journaling did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Journaled {
    New(i64),
    Duplicate { id: i64, original: i64 },
}

/// Inserts a verified event: `pending`, or `duplicate` when its key is already journaled.
pub fn journal(conn: &Connection, e: &NewEvent) -> StoreResult<Journaled> {
    let original = original(conn, e.provider, &e.idempotency_key)?;
    let (status, body, body_path, call_id) = match original {
        Some((_, call_id)) => ("duplicate", None, None, call_id),
        None => ("pending", e.body.as_deref(), e.body_path.as_deref(), None),
    };
    conn.prepare_cached(
        "INSERT INTO call_events(provider, type, idempotency_key, call_id, headers, body, body_path, status, \
         received_at, occurred_at, sequence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        e.provider,
        e.kind,
        e.idempotency_key,
        call_id,
        e.headers.to_string(),
        body,
        body_path,
        status,
        e.received_at,
        e.occurred_at,
        e.sequence
    ])?;
    let id = conn.last_insert_rowid();
    Ok(match original {
        Some((original, _)) => Journaled::Duplicate { id, original },
        None => Journaled::New(id),
    })
}

/// The row (and its call) that makes another delivery with this key a duplicate.
fn original(conn: &Connection, provider: &str, key: &str) -> StoreResult<Option<(i64, Option<i64>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, call_id FROM call_events WHERE provider = ?1 AND idempotency_key = ?2 \
             AND status != 'duplicate' AND status != 'rejected'",
        )?
        .query_row(params![provider, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Whether a delivery with this key is journaled already (another one would be a duplicate).
pub fn is_journaled(conn: &Connection, provider: &str, key: &str) -> StoreResult<bool> {
    Ok(original(conn, provider, key)?.is_some())
}

/// How far the journal has read the delivery spool: `(segment, byte offset)` after its last record.
pub fn spool_position(conn: &Connection) -> StoreResult<Option<(i64, i64)>> {
    Ok(conn
        .query_row(
            "SELECT segment, byte_offset FROM webhook_spool WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Records the spool position, in the transaction that journals the records before it.
pub fn set_spool_position(conn: &Connection, (segment, offset): (i64, i64)) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO webhook_spool(id, segment, byte_offset) VALUES (1, ?1, ?2) \
         ON CONFLICT(id) DO UPDATE SET segment = excluded.segment, byte_offset = excluded.byte_offset",
    )?
    .execute(params![segment, offset])?;
    Ok(())
}

/// Records a delivery whose signature failed; its body is not kept (nothing in it can be trusted).
pub fn reject(
    conn: &Connection,
    provider: &str,
    route: &str,
    headers: &serde_json::Value,
    error: &str,
    at: &str,
) -> StoreResult<i64> {
    conn.execute(
        "INSERT INTO call_events(provider, type, idempotency_key, headers, status, error, received_at) \
         VALUES (?1, ?2, ?3, ?4, 'rejected', ?5, ?6)",
        params![
            provider,
            route,
            format!("rejected:{}", uuid::Uuid::now_v7()),
            headers.to_string(),
            error,
            at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A journal row as the applier needs it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub provider: String,
    pub kind: String,
    pub idempotency_key: String,
    pub body: Option<Vec<u8>>,
    pub body_path: Option<String>,
    pub status: String,
    pub occurred_at: Option<String>,
    pub sequence: Option<i64>,
    /// The delivery's `Content-Type`, from the stored headers.
    pub content_type: String,
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Stored> {
    super::found(
        "event",
        id,
        conn.prepare_cached(
            "SELECT id, provider, type, idempotency_key, body, body_path, status, occurred_at, sequence, \
             json_extract(headers, '$.\"content-type\"') FROM call_events WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Stored {
                id: r.get(0)?,
                provider: r.get(1)?,
                kind: r.get(2)?,
                idempotency_key: r.get(3)?,
                body: r.get(4)?,
                body_path: r.get(5)?,
                status: r.get(6)?,
                occurred_at: r.get(7)?,
                sequence: r.get(8)?,
                content_type: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
            })
        }),
    )
}

/// Rows still to apply (`pending` or `failed`), oldest first.
pub fn unapplied(conn: &Connection) -> StoreResult<Vec<i64>> {
    // OpenAI SIP rows are decided live by their route, and closed at start-up when the app stopped before
    // (`openai::sip_missed`); the call appliers cannot read them and would fail a row being decided.
    let mut stmt = conn.prepare(
        "SELECT id FROM call_events WHERE (status = 'pending' OR status = 'failed') AND provider != 'openai' \
         ORDER BY id",
    )?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Rows `pending` with a reason: waiting for their call to be known.
pub fn waiting(conn: &Connection) -> StoreResult<Vec<i64>> {
    // The planner would pick the broader unapplied index and walk every pending row.
    let mut stmt = conn.prepare(
        "SELECT id FROM call_events INDEXED BY call_events_waiting \
         WHERE status = 'pending' AND error IS NOT NULL ORDER BY id",
    )?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Marks a row applied to `call_id` with the facts it contributed.
pub fn mark_applied(
    conn: &Connection,
    id: i64,
    call_id: Option<i64>,
    facts: &str,
    at: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE call_events SET status = 'applied', call_id = ?2, facts = ?3, error = NULL, applied_at = ?4, \
         body_path = NULL, attempts = attempts + 1 WHERE id = ?1",
    )?
    .execute(params![id, call_id, facts, at])?;
    Ok(())
}

/// Leaves a row `pending` (waiting for its call) or `failed` (cannot be applied as it is), with the reason.
pub fn mark_unapplied(conn: &Connection, id: i64, status: &str, error: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE call_events SET status = ?2, error = ?3, attempts = attempts + 1 WHERE id = ?1",
        params![id, status, error],
    )?;
    Ok(())
}

/// The facts of every applied event of a call, with what orders them.
pub fn facts_of_call(conn: &Connection, call_id: i64) -> StoreResult<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, idempotency_key, facts FROM call_events \
         WHERE call_id = ?1 AND status = 'applied' AND facts IS NOT NULL ORDER BY id",
    )?;
    let rows = stmt
        .query_map([call_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One journal row for export and the UI (design.md §3 event columns, plus the call it belongs to).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub id: i64,
    pub provider: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub idempotency_key: String,
    pub status: String,
    pub error: Option<String>,
    pub received_at: String,
    pub call_id: Option<i64>,
}

/// The columns [`event_row`] reads, in its order.
const ROW_COLUMNS: &str = "id, provider, type, idempotency_key, status, error, received_at, call_id";

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        provider: r.get(1)?,
        kind: r.get(2)?,
        idempotency_key: r.get(3)?,
        status: r.get(4)?,
        error: r.get(5)?,
        received_at: r.get(6)?,
        call_id: r.get(7)?,
    })
}

/// Every journal row, oldest first.
pub fn list(conn: &Connection) -> StoreResult<Vec<EventRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {ROW_COLUMNS} FROM call_events ORDER BY id"))?;
    let rows = stmt.query_map([], event_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Rows per status (for counters and tests).
pub fn count_by_status(conn: &Connection, status: &str) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM call_events WHERE status = ?1",
        [status],
        |r| r.get(0),
    )?)
}

/// The newest `limit` journal rows, newest first (the UI's recent deliveries).
pub fn recent(conn: &Connection, limit: i64) -> StoreResult<Vec<EventRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM call_events ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], event_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One journal row with what the body viewer shows: the kept headers and the start of the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub row: EventRow,
    pub headers: serde_json::Value,
    /// The body as text (lossy UTF-8), cut at `max_body` bytes; `None` when it is not in the row.
    pub body: Option<String>,
    /// The stored body's size in bytes.
    pub body_size: Option<i64>,
    /// The body waits in a file next to the database (large audio) instead of the row.
    pub body_path: Option<String>,
    pub occurred_at: Option<String>,
    pub applied_at: Option<String>,
    pub attempts: i64,
}

/// One journal row in detail; the body is cut at `max_body` bytes.
pub fn detail(conn: &Connection, id: i64, max_body: usize) -> StoreResult<EventDetail> {
    let sql = format!(
        "SELECT {ROW_COLUMNS}, headers, substr(body, 1, ?2), length(body), body_path, occurred_at, \
         applied_at, attempts FROM call_events WHERE id = ?1"
    );
    let max = i64::try_from(max_body).unwrap_or(i64::MAX);
    let r = conn.query_row(&sql, params![id, max], |r| {
        let headers: String = r.get(8)?;
        let body: Option<Vec<u8>> = r.get(9)?;
        Ok(EventDetail {
            row: event_row(r)?,
            headers: serde_json::from_str(&headers).unwrap_or(serde_json::Value::Null),
            body: body.map(|b| String::from_utf8_lossy(&b).into_owned()),
            body_size: r.get(10)?,
            body_path: r.get(11)?,
            occurred_at: r.get(12)?,
            applied_at: r.get(13)?,
            attempts: r.get(14)?,
        })
    });
    super::found("webhook event", id, r)
}

/// Rows per (provider, status), for the UI's counters.
pub fn counts(conn: &Connection) -> StoreResult<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT provider, status, COUNT(*) FROM call_events GROUP BY provider, status ORDER BY provider, status",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
