//! `elevenlabs.*` commands: connection status and test, agents and phone numbers, a campaign's ElevenLabs
//! setup and batches, "retry failed + no-response" and batch cancel, and the webhook's registration, status
//! and re-enable.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    campaign::{CampaignStatus, Provider},
    clock::to_db,
    events::Event,
    providers::elevenlabs::{
        ElevenLabs, batch_poll,
        types::{AgentSummary, PhoneNumber},
        webhook_setup::{self, WebhookState},
    },
    store::{
        audit::{self, AuditEntry},
        campaigns,
        elevenlabs::{self as el_store, BatchRow, CampaignSetup},
    },
};

fn provider(app: &App) -> Result<Arc<ElevenLabs>, ApiError> {
    app.elevenlabs
        .get()
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::BadRequest, "ElevenLabs is not set up in this instance"))
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub configured: bool,
    pub region: String,
    pub base_url: String,
    pub public_base_url: Option<String>,
    pub webhook: Option<WebhookState>,
}

pub async fn status(app: &App, _actor: Actor, _args: NoArgs) -> Result<Status, ApiError> {
    let el = provider(app)?;
    let config = el.client.config();
    Ok(Status {
        configured: el.configured(),
        region: config.region().into(),
        base_url: config.base_url.clone(),
        public_base_url: app.info().public_base_url,
        webhook: webhook_setup::state(app).await?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub ok: bool,
    pub agents: usize,
    pub phone_numbers: usize,
}

/// Checks the key by listing agents and phone numbers.
pub async fn test(app: &App, _actor: Actor, _args: NoArgs) -> Result<TestResult, ApiError> {
    let el = provider(app)?;
    let agents = el.client.list_agents().await?;
    let numbers = el.client.list_phone_numbers().await?;
    Ok(TestResult {
        ok: true,
        agents: agents.len(),
        phone_numbers: numbers.len(),
    })
}

pub async fn agents(app: &App, _actor: Actor, _args: NoArgs) -> Result<Vec<AgentSummary>, ApiError> {
    Ok(provider(app)?.client.list_agents().await?)
}

pub async fn phone_numbers(app: &App, _actor: Actor, _args: NoArgs) -> Result<Vec<PhoneNumber>, ApiError> {
    Ok(provider(app)?.client.list_phone_numbers().await?)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignArgs {
    pub campaign_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignView {
    pub setup: Option<CampaignSetup>,
    pub batches: Vec<BatchRow>,
}

pub async fn campaign_get(app: &App, _actor: Actor, args: CampaignArgs) -> Result<CampaignView, ApiError> {
    let id = args.campaign_id;
    let (setup, batches) = app
        .store
        .read(move |c| {
            campaigns::get(c, id)?;
            Ok((el_store::setup(c, id)?, el_store::batches(c, id)?))
        })
        .await?;
    Ok(CampaignView { setup, batches })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetupArgs {
    pub campaign_id: i64,
    pub agent_id: String,
    pub phone_number_id: String,
    #[serde(default)]
    pub phone_kind: Option<String>,
    #[serde(default)]
    pub recording: Option<bool>,
    #[serde(default)]
    pub ringing_timeout_secs: Option<u32>,
    #[serde(default)]
    pub machine_detection: Option<bool>,
    #[serde(default)]
    pub overrides: Option<serde_json::Value>,
    #[serde(default)]
    pub batch_size: Option<u32>,
}

fn validate(args: SetupArgs) -> Result<CampaignSetup, ApiError> {
    let bad = |field: &str, why: &str| ApiError::new(ErrorCode::Validation, format!("{field}: {why}"));
    let agent_id = args.agent_id.trim().to_owned();
    if agent_id.is_empty() {
        return Err(bad("agent_id", "choose an ElevenLabs agent"));
    }
    let phone_number_id = args.phone_number_id.trim().to_owned();
    if phone_number_id.is_empty() {
        return Err(bad("phone_number_id", "choose an ElevenLabs phone number"));
    }
    let phone_kind = args.phone_kind.unwrap_or_else(|| "twilio".into());
    if !["twilio", "sip_trunk"].contains(&phone_kind.as_str()) {
        return Err(bad("phone_kind", "must be twilio or sip_trunk"));
    }
    if let Some(t) = args.ringing_timeout_secs
        && !(5..=300).contains(&t)
    {
        return Err(bad("ringing_timeout_secs", "must be between 5 and 300"));
    }
    let overrides = args.overrides.unwrap_or_else(|| serde_json::json!({}));
    if !overrides.is_object() {
        return Err(bad(
            "overrides",
            "must be an object (conversation_config_override)",
        ));
    }
    let batch_size = args.batch_size.unwrap_or(1000);
    if !(1..=10_000).contains(&batch_size) {
        return Err(bad("batch_size", "must be between 1 and 10000"));
    }
    Ok(CampaignSetup {
        campaign_id: args.campaign_id,
        agent_id,
        phone_number_id,
        phone_kind,
        recording: args.recording.unwrap_or(false),
        ringing_timeout_secs: args.ringing_timeout_secs,
        machine_detection: args.machine_detection.unwrap_or(false),
        overrides,
        batch_size,
    })
}

/// Sets a campaign's ElevenLabs agent, phone number and call options (not while it runs).
pub async fn campaign_set(app: &App, actor: Actor, args: SetupArgs) -> Result<CampaignSetup, ApiError> {
    let setup = validate(args)?;
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> Result<CampaignSetup, ApiError> {
            let c = campaigns::get(tx, setup.campaign_id)?;
            if !c.status.is_editable() {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!("campaign '{}' is {}; pause it to change its ElevenLabs setup", c.name, c.status.as_str()),
                ));
            }
            if !matches!(c.provider, Provider::ElevenLabs | Provider::ElevenLabsBatch) {
                return Err(ApiError::new(
                    ErrorCode::Validation,
                    format!("provider: campaign '{}' uses {}, not ElevenLabs", c.name, c.provider.as_str()),
                ));
            }
            el_store::put_setup(tx, &setup, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "elevenlabs.campaign.set",
                    subject_type: "campaign",
                    subject_id: c.id.to_string(),
                    details: serde_json::json!({"agent_id": setup.agent_id, "phone_number_id": setup.phone_number_id}),
                },
            )?;
            Ok(setup)
        })
        .await
}

#[derive(Debug, Clone, Serialize)]
pub struct Requeued {
    pub contacts: usize,
}

/// "Retry failed + no-response": those contacts are due now; the next wave (batch mode) or the engine
/// (engine-paced) calls them.
pub async fn retry_failed(app: &App, actor: Actor, args: CampaignArgs) -> Result<Requeued, ApiError> {
    let (id, now) = (args.campaign_id, to_db(app.clock.now()));
    let (n, campaign) = app
        .store
        .with_tx(move |tx| -> Result<_, ApiError> {
            let c = campaigns::get(tx, id)?;
            if matches!(c.status, CampaignStatus::Completed | CampaignStatus::Cancelled) {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!(
                        "campaign '{}' is {}; copy its contacts into a new campaign",
                        c.name,
                        c.status.as_str()
                    ),
                ));
            }
            let n = el_store::requeue_failed(tx, id, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "elevenlabs.batch.retry",
                    subject_type: "campaign",
                    subject_id: id.to_string(),
                    details: serde_json::json!({"contacts": n}),
                },
            )?;
            Ok((n, campaigns::get(tx, id)?))
        })
        .await?;
    app.events.emit(Event::CampaignChanged { campaign });
    Ok(Requeued { contacts: n })
}

/// Cancels the campaign's running batch at ElevenLabs (the campaign itself keeps its status).
pub async fn batch_cancel(
    app: &App,
    _actor: Actor,
    args: CampaignArgs,
) -> Result<Option<BatchRow>, ApiError> {
    let el = provider(app)?;
    let id = args.campaign_id;
    let Some(row) = app.store.read(move |c| el_store::active_batch(c, id)).await? else {
        return Ok(None);
    };
    batch_poll::cancel(app, &el, &row)
        .await
        .map_err(|m| ApiError::new(ErrorCode::Upstream, m))?;
    let row_id = row.id;
    Ok(app
        .store
        .read(move |c| Ok(el_store::batches(c, id)?.into_iter().find(|b| b.id == row_id)))
        .await?)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterArgs {
    /// The user agreed to let Callboard create and attach a webhook in their ElevenLabs workspace.
    pub consent: bool,
    /// Agents to attach it to; empty attaches it workspace-wide.
    #[serde(default)]
    pub agent_ids: Vec<String>,
}

pub async fn webhook_register(app: &App, actor: Actor, args: RegisterArgs) -> Result<WebhookState, ApiError> {
    if !args.consent {
        return Err(ApiError::new(
            ErrorCode::Validation,
            "consent: registering a webhook changes your ElevenLabs workspace; confirm to continue",
        ));
    }
    let el = provider(app)?;
    let public = app.info().public_base_url.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Validation,
            "no public URL yet: start the tunnel (or set CALLBOARD_PUBLIC_URL)",
        )
    })?;
    let s = webhook_setup::register(app, &el, &public, args.agent_ids).await?;
    let (now, id) = (to_db(app.clock.now()), s.webhook_id.clone());
    app.store
        .with_tx(move |tx| {
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "elevenlabs.webhook.register",
                    subject_type: "webhook",
                    subject_id: id,
                    details: serde_json::json!({}),
                },
            )
        })
        .await?;
    Ok(s)
}

pub async fn webhook_status(
    app: &App,
    _actor: Actor,
    _args: NoArgs,
) -> Result<Option<WebhookState>, ApiError> {
    let el = provider(app)?;
    Ok(webhook_setup::check(app, &el).await?)
}

pub async fn webhook_enable(app: &App, _actor: Actor, _args: NoArgs) -> Result<WebhookState, ApiError> {
    let el = provider(app)?;
    Ok(webhook_setup::enable(app, &el).await?)
}
