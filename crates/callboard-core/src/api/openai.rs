//! `agent.openai.*`, `agent.prompt_preview`, `agent.prompt_versions`, `openai.prices.*` and
//! `openai.sip.*` commands: the OpenAI Realtime profile of an agent, its rendered prompt before and after
//! use, model prices, and which agent answers Realtime SIP calls.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    clock::to_db,
    openai::{
        profile::OpenaiProfile,
        prompt,
        session_config::session_config,
        settings::{self, Prices, SipSettings},
    },
    store::{
        agents,
        audit::{self, AuditEntry},
        openai_profiles::{self, PromptVersion},
        settings as settings_table,
    },
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentArgs {
    pub agent_id: i64,
}

/// An agent's profile; `stored: false` when it is the starting point shown for an agent without one.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileOut {
    pub agent_id: i64,
    pub stored: bool,
    pub profile: OpenaiProfile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetProfileArgs {
    pub agent_id: i64,
    pub profile: OpenaiProfile,
}

fn require_openai(agent: &crate::agent::Agent) -> Result<(), ApiError> {
    if agent.provider == "openai-realtime" {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "agent {} runs on {}, not openai-realtime",
                agent.id, agent.provider
            ),
        ))
    }
}

pub async fn profile_get(app: &App, _actor: Actor, args: AgentArgs) -> Result<ProfileOut, ApiError> {
    app.store
        .read(move |c| {
            Ok((
                agents::get(c, args.agent_id)?,
                openai_profiles::get(c, args.agent_id)?,
            ))
        })
        .await
        .map_err(ApiError::from)
        .and_then(|(agent, stored)| {
            require_openai(&agent)?;
            Ok(ProfileOut {
                agent_id: agent.id,
                stored: stored.is_some(),
                profile: stored.unwrap_or_else(|| {
                    OpenaiProfile::starter(&agent.name, &agent.voice, &agent.language, &agent.first_message)
                }),
            })
        })
}

pub async fn profile_set(app: &App, actor: Actor, args: SetProfileArgs) -> Result<ProfileOut, ApiError> {
    let profile = args.profile.validate()?;
    let now = to_db(app.clock.now());
    let agent_id = args.agent_id;
    let stored = profile.clone();
    let agent = app
        .store
        .with_tx(move |tx| -> Result<crate::agent::Agent, ApiError> {
            require_openai(&agents::get(tx, agent_id)?)?;
            openai_profiles::put(tx, agent_id, &stored, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "agent.openai.set",
                    subject_type: "agent",
                    subject_id: agent_id.to_string(),
                    details: serde_json::json!({ "model": stored.model, "org": stored.org.name }),
                },
            )?;
            Ok(agents::get(tx, agent_id)?)
        })
        .await?;
    app.events.emit(crate::events::Event::AgentChanged { agent });
    Ok(ProfileOut {
        agent_id,
        stored: true,
        profile,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewArgs {
    pub agent_id: i64,
    /// A profile being edited; without one, the stored profile is previewed.
    pub profile: Option<OpenaiProfile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PromptPreview {
    pub text: String,
    pub hash: String,
    /// The version with this exact text, when it has been used before.
    pub version_id: Option<i64>,
    pub session: serde_json::Value,
}

pub async fn prompt_preview(app: &App, _actor: Actor, args: PreviewArgs) -> Result<PromptPreview, ApiError> {
    let agent_id = args.agent_id;
    let (agent, stored, versions) = app
        .store
        .read(move |c| {
            Ok((
                agents::get(c, agent_id)?,
                openai_profiles::get(c, agent_id)?,
                openai_profiles::versions(c, agent_id)?,
            ))
        })
        .await?;
    require_openai(&agent)?;
    let profile = match args.profile {
        Some(p) => p.validate()?,
        None => stored.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("agent {agent_id} has no OpenAI profile yet"),
            )
        })?,
    };
    let text = prompt::render(&profile);
    let hash = prompt::hash(&text);
    Ok(PromptPreview {
        version_id: versions.iter().find(|v| v.hash == hash).map(|v| v.id),
        session: session_config(&profile, &text),
        hash,
        text,
    })
}

pub async fn prompt_versions(
    app: &App,
    _actor: Actor,
    args: AgentArgs,
) -> Result<Vec<PromptVersion>, ApiError> {
    Ok(app
        .store
        .read(move |c| {
            agents::get(c, args.agent_id)?;
            openai_profiles::versions(c, args.agent_id)
        })
        .await?)
}

pub async fn prices_get(app: &App, _actor: Actor, _args: NoArgs) -> Result<Prices, ApiError> {
    Ok(app.store.read(settings::prices).await?)
}

async fn put_setting<T: Serialize + Send + 'static>(
    app: &App,
    actor: Actor,
    key: &'static str,
    value: T,
) -> Result<T, ApiError> {
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> Result<T, ApiError> {
            let json = serde_json::to_value(&value)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            settings_table::put(tx, key, &json, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "settings.update",
                    subject_type: "setting",
                    subject_id: key.to_owned(),
                    details: json,
                },
            )?;
            Ok(value)
        })
        .await
}

pub async fn prices_set(app: &App, actor: Actor, prices: Prices) -> Result<Prices, ApiError> {
    let prices = prices.validate()?;
    put_setting(app, actor, settings::PRICES_KEY, prices).await
}

pub async fn sip_get(app: &App, _actor: Actor, _args: NoArgs) -> Result<SipSettings, ApiError> {
    Ok(app.store.read(settings::sip).await?)
}

pub async fn sip_set(app: &App, actor: Actor, sip: SipSettings) -> Result<SipSettings, ApiError> {
    let sip = sip.validate()?;
    if let Some(agent_id) = sip.agent_id {
        let agent = app.store.read(move |c| agents::get(c, agent_id)).await?;
        require_openai(&agent)?;
    }
    put_setting(app, actor, settings::SIP_KEY, sip).await
}
