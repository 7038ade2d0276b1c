//! Provider ids that identify a call (`call_refs`): ElevenLabs conversation ids, Twilio CallSids, Exotel
//! CallSids, batch recipient ids, Exotel CustomField. The dial path adds them when it learns them; webhooks
//! add the ones they carry, so later events for the same call find it by any of its ids.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// The call any of `refs` points to (the oldest, if they disagree).
pub fn find(conn: &Connection, refs: &[(String, String)]) -> StoreResult<Option<i64>> {
    let mut best: Option<i64> = None;
    let mut stmt = conn.prepare_cached("SELECT call_id FROM call_refs WHERE kind = ?1 AND value = ?2")?;
    for (kind, value) in refs {
        if let Some(id) = stmt
            .query_row(params![kind, value], |r| r.get::<_, i64>(0))
            .optional()?
        {
            best = Some(best.map_or(id, |b| b.min(id)));
        }
    }
    Ok(best)
}

/// Links `value` to `call_id` unless that id already belongs to a call.
pub fn add(conn: &Connection, call_id: i64, kind: &str, value: &str, at: &str) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO call_refs(kind, value, call_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![kind, value, call_id, at])?;
    Ok(n > 0)
}

/// Every id of a call, as (kind, value).
pub fn of_call(conn: &Connection, call_id: i64) -> StoreResult<Vec<(String, String)>> {
    let mut stmt =
        conn.prepare("SELECT kind, value FROM call_refs WHERE call_id = ?1 ORDER BY kind, value")?;
    let rows = stmt
        .query_map([call_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
