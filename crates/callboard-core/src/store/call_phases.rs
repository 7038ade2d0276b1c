//! A call's conversation phases (`call_phases`): every change with its reason and who made it; the
//! latest row is the current phase.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseChange {
    pub phase: String,
    pub reason: String,
    /// `agent`, `rule` or `supervisor`.
    pub source: String,
    pub at: String,
}

pub fn record(conn: &Connection, call_id: i64, change: &PhaseChange) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO call_phases(call_id, phase, reason, source, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![call_id, change.phase, change.reason, change.source, change.at],
    )?;
    Ok(())
}

/// Oldest first.
pub fn history(conn: &Connection, call_id: i64) -> StoreResult<Vec<PhaseChange>> {
    let mut stmt = conn
        .prepare_cached("SELECT phase, reason, source, at FROM call_phases WHERE call_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([call_id], |r| {
        Ok(PhaseChange {
            phase: r.get(0)?,
            reason: r.get(1)?,
            source: r.get(2)?,
            at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
