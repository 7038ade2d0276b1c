//! What a Realtime session for an agent needs, from the store: [`setup_for`] renders the agent's prompt,
//! records it as a prompt version (once per distinct text) and builds the session object; the first thing
//! said is the agent's recording disclosure, then its first message. The Realtime
//! backend and the SIP accept both start from it, and record `prompt_version` on the call.

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use super::{profile::OpenaiProfile, prompt, session_config::session_config};
use crate::store::{StoreError, StoreResult, agents, openai_profiles};

/// Where an escalated call goes (the Realtime backend's own policy type).
pub use crate::openai::realtime::EscalationPolicy as EscalationTarget;

/// Everything a Realtime session for one agent is started with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealtimeSetup {
    pub agent_id: i64,
    pub model: String,
    /// The GA session object (no audio format: see `session_config::with_audio_format`).
    pub session: Value,
    pub intake_schema: Option<Value>,
    pub escalation: EscalationTarget,
    /// The `prompt_versions` row of `session.instructions`.
    pub prompt_version: Option<i64>,
    pub first_message: String,
    pub profile: OpenaiProfile,
}

/// The profile of an OpenAI Realtime agent; `NotFound` when the agent is of another provider or has none.
pub fn profile_of(conn: &Connection, agent_id: i64) -> StoreResult<OpenaiProfile> {
    let agent = agents::get(conn, agent_id)?;
    if agent.provider != "openai-realtime" {
        return Err(StoreError::NotFound {
            what: "OpenAI Realtime agent",
            id: agent_id.to_string(),
        });
    }
    openai_profiles::get(conn, agent_id)?.ok_or_else(|| StoreError::NotFound {
        what: "OpenAI Realtime profile for agent",
        id: agent_id.to_string(),
    })
}

/// Builds the setup for `agent_id` inside a write transaction (it may add a prompt version).
pub fn setup_for(conn: &Connection, agent_id: i64, now: &str) -> StoreResult<RealtimeSetup> {
    let profile = profile_of(conn, agent_id)?;
    let text = prompt::render(&profile);
    let version = openai_profiles::ensure_version(conn, agent_id, &prompt::hash(&text), &text, now)?;
    Ok(RealtimeSetup {
        agent_id,
        model: profile.model.clone(),
        session: session_config(&profile, &text),
        intake_schema: Some(profile.org.intake_schema.clone()),
        escalation: EscalationTarget {
            transfer_to: profile.escalation.transfer_to.clone(),
            transfer_on_escalation: profile.escalation.transfer_on_escalation,
        },
        prompt_version: Some(version),
        // The recording disclosure opens the call, before the first message (once).
        first_message: crate::disclosure::opening(
            &agents::disclosure_of(conn, Some(agent_id))?.unwrap_or_default(),
            &profile.first_message,
        ),
        profile,
    })
}

/// [`setup_for`] over the store.
pub async fn load(store: &crate::store::Store, agent_id: i64, now: String) -> StoreResult<RealtimeSetup> {
    store.with_tx(move |tx| setup_for(tx, agent_id, &now)).await
}
