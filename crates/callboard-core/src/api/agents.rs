//! `agent.*` commands.

use super::{Actor, ApiError, NoArgs};
use crate::{
    agent::{Agent, AgentInput},
    app::App,
    clock::to_db,
    events::Event,
    store::{
        agents,
        audit::{self, AuditEntry},
    },
};

pub async fn list(app: &App, _actor: Actor, _args: NoArgs) -> Result<Vec<Agent>, ApiError> {
    Ok(app.store.read(agents::list).await?)
}

pub async fn create(app: &App, actor: Actor, input: AgentInput) -> Result<Agent, ApiError> {
    let settings = input.validate()?;
    let now = to_db(app.clock.now());
    let agent = app
        .store
        .with_tx(move |tx| -> Result<Agent, ApiError> {
            let agent = agents::insert(tx, &settings, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "agent.create",
                    subject_type: "agent",
                    subject_id: agent.id.to_string(),
                    details: serde_json::json!({ "name": agent.name }),
                },
            )?;
            Ok(agent)
        })
        .await?;
    app.events.emit(Event::AgentChanged { agent: agent.clone() });
    Ok(agent)
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureArgs {
    pub id: i64,
    /// What the agent says first about the recording; empty for none.
    pub disclosure: String,
}

/// Sets an agent's recording disclosure (said before the first message where the console decides the
/// opening, and checked for in every call's transcript). Audited with the old and new text.
pub async fn set_disclosure(app: &App, actor: Actor, args: DisclosureArgs) -> Result<Agent, ApiError> {
    let text = args.disclosure.trim().to_owned();
    if text.chars().count() > 1_000 {
        return Err(ApiError::new(
            super::ErrorCode::Validation,
            "disclosure: must be at most 1000 characters",
        ));
    }
    let now = to_db(app.clock.now());
    let agent = app
        .store
        .with_tx(move |tx| -> Result<Agent, ApiError> {
            let before = agents::get(tx, args.id)?;
            agents::set_disclosure(tx, args.id, &text, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "agent.set_disclosure",
                    subject_type: "agent",
                    subject_id: args.id.to_string(),
                    details: serde_json::json!({ "from": before.disclosure, "to": text }),
                },
            )?;
            Ok(agents::get(tx, args.id)?)
        })
        .await?;
    app.events.emit(Event::AgentChanged { agent: agent.clone() });
    Ok(agent)
}
