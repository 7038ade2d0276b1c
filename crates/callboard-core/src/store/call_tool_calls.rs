//! The model's tool calls on a call (`call_tool_calls`): name, arguments as sent, whether it succeeded and
//! what went back to the model.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolCall {
    pub tool_call_id: String,
    pub name: String,
    pub arguments: String,
    pub ok: bool,
    pub output: String,
    pub at: String,
}

pub fn record(conn: &Connection, call_id: i64, call: &ToolCall) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO call_tool_calls(call_id, tool_call_id, name, arguments, ok, output, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            call_id,
            call.tool_call_id,
            call.name,
            call.arguments,
            call.ok,
            call.output,
            call.at
        ],
    )?;
    Ok(())
}

/// Oldest first.
pub fn list(conn: &Connection, call_id: i64) -> StoreResult<Vec<ToolCall>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tool_call_id, name, arguments, ok, output, at FROM call_tool_calls WHERE call_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([call_id], |r| {
        Ok(ToolCall {
            tool_call_id: r.get(0)?,
            name: r.get(1)?,
            arguments: r.get(2)?,
            ok: r.get(3)?,
            output: r.get(4)?,
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
