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
