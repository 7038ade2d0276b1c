//! The audit log: who did what, when. Every command that changes something writes one row in the same
//! transaction as the change, so the log can never disagree with the data.

use rusqlite::{Connection, params};

use super::StoreResult;

/// One audit entry, before it is stored.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: String,
    pub details: serde_json::Value,
}

pub fn record(conn: &Connection, at: &str, e: &AuditEntry<'_>) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO audit_log(at, actor, action, subject_type, subject_id, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at, e.actor, e.action, e.subject_type, e.subject_id, e.details.to_string()],
    )?;
    Ok(())
}

/// Number of audit rows for an action (used by tests and diagnostics).
pub fn count(conn: &Connection, action: &str) -> StoreResult<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM audit_log WHERE action = ?1",
        [action],
        |r| r.get(0),
    )?)
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub details: serde_json::Value,
}

/// Everything done to one subject, oldest first.
pub fn for_subject(conn: &Connection, subject_type: &str, subject_id: &str) -> StoreResult<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, actor, action, details FROM audit_log WHERE subject_type = ?1 AND subject_id = ?2 ORDER BY id",
    )?;
    let rows = stmt
        .query_map(params![subject_type, subject_id], |r| {
            let details: String = r.get(4)?;
            Ok(AuditRow {
                id: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
