//! The `settings` table: JSON values by key. Typed access lives in `setup::settings`; secrets never come
//! here (they live in `secret_store`).

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// The raw JSON stored under `key`, if any.
pub fn get(conn: &Connection, key: &str) -> StoreResult<Option<serde_json::Value>> {
    let raw: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    match raw {
        None => Ok(None),
        Some(raw) => serde_json::from_str(&raw)
            .map(Some)
            .map_err(|e| super::StoreError::Corrupt(format!("setting {key} is not JSON: {e}"))),
    }
}

pub fn put(conn: &Connection, key: &str, value: &serde_json::Value, now: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value.to_string(), now],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, key: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
    Ok(())
}
