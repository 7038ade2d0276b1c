//! What the media bridge reads and writes about a call (`calls` joined to its agent and contact): who the
//! agent is, the contact's dynamic variables, whether the call is still going, and the recording's path.

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreResult, attempts::IN_FLIGHT};

/// A call as the bridge needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaCall {
    pub id: i64,
    pub provider: String,
    pub provider_call_id: Option<String>,
    pub in_flight: bool,
    /// The agent's provider (`elevenlabs`, `openai-realtime`, `sim`) and its id there.
    pub agent_provider: Option<String>,
    pub agent_ref: Option<String>,
    /// The contact's dynamic variables (JSON object text), plus name and phone.
    pub variables: serde_json::Value,
}

pub fn lookup(conn: &Connection, call_id: i64) -> StoreResult<Option<MediaCall>> {
    let row = conn
        .query_row(
            &format!(
                "SELECT c.id, c.provider, c.provider_call_id, c.status IN ({IN_FLIGHT}), a.provider, a.external_id, \
                 k.variables, k.name, k.phone_e164 \
                 FROM calls c LEFT JOIN agents a ON a.id = c.agent_id LEFT JOIN contacts k ON k.id = c.contact_id \
                 WHERE c.id = ?1"
            ),
            [call_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(
        |(id, provider, provider_call_id, in_flight, agent_provider, agent_ref, vars, name, phone)| {
            let mut variables = vars
                .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
                .filter(serde_json::Value::is_object)
                .unwrap_or_else(|| serde_json::json!({}));
            if let Some(map) = variables.as_object_mut() {
                if let Some(n) = name.filter(|n| !n.is_empty()) {
                    map.entry("name").or_insert(n.into());
                }
                if let Some(p) = phone {
                    map.entry("phone").or_insert(p.into());
                }
            }
            MediaCall {
                id,
                provider,
                provider_call_id,
                in_flight,
                agent_provider,
                agent_ref: agent_ref.filter(|r| !r.is_empty()),
                variables,
            }
        },
    ))
}

/// Links the call's recording (a path relative to the data dir).
pub fn set_recording(conn: &Connection, call_id: i64, path: &str, at: &str) -> StoreResult<()> {
    conn.execute(
        "UPDATE calls SET recording_path = ?2, updated_at = ?3 WHERE id = ?1",
        params![call_id, path, at],
    )?;
    Ok(())
}
