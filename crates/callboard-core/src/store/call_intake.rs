//! A call's structured intake (`call_intake`): the JSON object the agent completed, stored only once it
//! validated against the org's schema.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intake {
    pub data: serde_json::Value,
    pub validated_at: String,
}

/// Stores (or replaces: the model may correct it) the call's intake.
pub fn put(conn: &Connection, call_id: i64, data: &serde_json::Value, at: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO call_intake(call_id, data, validated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT(call_id) DO UPDATE SET data = excluded.data, validated_at = excluded.validated_at",
        params![call_id, data.to_string(), at],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, call_id: i64) -> StoreResult<Option<Intake>> {
    Ok(conn
        .query_row(
            "SELECT data, validated_at FROM call_intake WHERE call_id = ?1",
            [call_id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .map(|(data, validated_at)| Intake {
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            validated_at,
        }))
}
