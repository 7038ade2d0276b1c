//! Queries on the `agents` table.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{StoreResult, found};
use crate::agent::{Agent, AgentSettings};

const COLUMNS: &str =
    "id, name, provider, language, voice, prompt, first_message, disclosure, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Agent> {
    Ok(Agent {
        id: r.get(0)?,
        name: r.get(1)?,
        provider: r.get(2)?,
        language: r.get(3)?,
        voice: r.get(4)?,
        prompt: r.get(5)?,
        first_message: r.get(6)?,
        disclosure: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn list(conn: &Connection) -> StoreResult<Vec<Agent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM agents ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn get(conn: &Connection, id: i64) -> StoreResult<Agent> {
    found(
        "agent",
        id,
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM agents WHERE id = ?1"),
            [id],
            from_row,
        ),
    )
}

pub fn exists(conn: &Connection, id: i64) -> StoreResult<bool> {
    Ok(
        conn.query_row("SELECT EXISTS(SELECT 1 FROM agents WHERE id = ?1)", [id], |r| {
            r.get(0)
        })?,
    )
}

/// An agent's recording disclosure, `None` when it has none (or there is no such agent).
pub fn disclosure_of(conn: &Connection, id: Option<i64>) -> StoreResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    let text: Option<String> = conn
        .query_row("SELECT disclosure FROM agents WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    Ok(text.filter(|t| !t.trim().is_empty()))
}

pub fn set_disclosure(conn: &Connection, id: i64, disclosure: &str, now: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE agents SET disclosure = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, disclosure, now],
    )?;
    Ok(())
}

pub fn insert(conn: &Connection, a: &AgentSettings, now: &str) -> StoreResult<Agent> {
    conn.execute(
        "INSERT INTO agents(name, provider, language, voice, prompt, first_message, disclosure, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![a.name, a.provider, a.language, a.voice, a.prompt, a.first_message, a.disclosure, now],
    )?;
    get(conn, conn.last_insert_rowid())
}

/// An agent and its id at its provider (`external_id`), for starting a conversation outside a call
/// ("Talk to agent").
pub fn with_external_id(conn: &Connection, id: i64) -> StoreResult<(Agent, Option<String>)> {
    let agent = get(conn, id)?;
    let external: Option<String> =
        conn.query_row("SELECT external_id FROM agents WHERE id = ?1", [id], |r| r.get(0))?;
    Ok((agent, external.filter(|e| !e.trim().is_empty())))
}
