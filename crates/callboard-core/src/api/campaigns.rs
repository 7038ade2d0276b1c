//! `campaign.*` commands: validate, write with an audit row in the same transaction, emit an event.

use serde::Deserialize;

use super::{Actor, ApiError, ErrorCode, IdArgs, NoArgs};
use crate::{
    app::App,
    campaign::{Campaign, CampaignInput, CampaignSettings, CampaignStatus, Transition},
    clock::to_db,
    events::Event,
    store::{
        audit::{self, AuditEntry},
        campaigns,
    },
};

#[derive(Debug, Clone, Deserialize)]
pub struct UpdateArgs {
    pub id: i64,
    #[serde(flatten)]
    pub changes: CampaignInput,
}

pub async fn list(app: &App, _actor: Actor, _args: NoArgs) -> Result<Vec<Campaign>, ApiError> {
    Ok(app.store.read(campaigns::list).await?)
}

pub async fn get(app: &App, _actor: Actor, args: IdArgs) -> Result<Campaign, ApiError> {
    Ok(app.store.read(move |c| campaigns::get(c, args.id)).await?)
}

fn audit_entry(actor: Actor, action: &'static str, c: &Campaign) -> AuditEntry<'static> {
    AuditEntry {
        actor: actor.as_str(),
        action,
        subject_type: "campaign",
        subject_id: c.id.to_string(),
        details: serde_json::json!({ "name": c.name, "status": c.status }),
    }
}

pub async fn create(app: &App, actor: Actor, input: CampaignInput) -> Result<Campaign, ApiError> {
    let settings = CampaignSettings::default().apply(input)?;
    let now = to_db(app.clock.now());
    let campaign = app
        .store
        .with_tx(move |tx| -> Result<Campaign, ApiError> {
            let c = campaigns::insert(tx, &settings, CampaignStatus::Draft, &now)?;
            audit::record(tx, &now, &audit_entry(actor, "campaign.create", &c))?;
            Ok(c)
        })
        .await?;
    app.events.emit(Event::CampaignChanged {
        campaign: campaign.clone(),
    });
    Ok(campaign)
}

pub async fn update(app: &App, actor: Actor, args: UpdateArgs) -> Result<Campaign, ApiError> {
    let now = to_db(app.clock.now());
    // Read, check and write in one transaction so a concurrent start cannot slip in between.
    let campaign = app
        .store
        .with_tx(move |tx| -> Result<Campaign, ApiError> {
            let current = campaigns::get(tx, args.id)?;
            ensure_editable(&current)?;
            let settings = CampaignSettings::of(&current).apply(args.changes)?;
            let c = campaigns::update(tx, args.id, &settings, &now)?;
            audit::record(tx, &now, &audit_entry(actor, "campaign.update", &c))?;
            Ok(c)
        })
        .await?;
    app.events.emit(Event::CampaignChanged {
        campaign: campaign.clone(),
    });
    Ok(campaign)
}

pub async fn delete(app: &App, actor: Actor, args: IdArgs) -> Result<IdArgs, ApiError> {
    let now = to_db(app.clock.now());
    let id = args.id;
    app.store
        .with_tx(move |tx| -> Result<(), ApiError> {
            let current = campaigns::get(tx, id)?;
            if !current.status.is_deletable() {
                return Err(ApiError::new(
                    ErrorCode::Validation,
                    format!(
                        "campaign '{}' is running; pause or cancel it before deleting it",
                        current.name
                    ),
                ));
            }
            campaigns::delete(tx, id)?;
            audit::record(tx, &now, &audit_entry(actor, "campaign.delete", &current))?;
            Ok(())
        })
        .await?;
    app.events.emit(Event::CampaignDeleted { id });
    Ok(IdArgs { id })
}

/// `campaign.start|pause|resume|cancel`: one life-cycle step, audited, with the reason stored.
pub async fn transition(app: &App, actor: Actor, id: i64, t: Transition) -> Result<Campaign, ApiError> {
    let at = app.clock.now();
    let now = to_db(at);
    let campaign = app
        .store
        .with_tx(move |tx| -> Result<Campaign, ApiError> {
            let current = campaigns::get(tx, id)?;
            let t = match t {
                Transition::Start => {
                    crate::engine::schedule::start_transition(current.status, current.start_at.as_deref(), at)
                }
                other => other,
            };
            let next = current
                .status
                .apply(t)
                .map_err(|m| ApiError::new(ErrorCode::Validation, m))?;
            let reason = match (t, &current.start_at) {
                (Transition::Schedule, Some(start)) => {
                    format!("scheduled by {} to start at {start}", actor.as_str())
                }
                _ => format!("{} by {}", t.as_str(), actor.as_str()),
            };
            let c = campaigns::set_status(tx, id, next, &reason, &now)?;
            let mut entry = audit_entry(actor, "campaign.transition", &c);
            entry.details =
                serde_json::json!({ "name": c.name, "from": current.status, "to": next, "transition": t });
            audit::record(tx, &now, &entry)?;
            Ok(c)
        })
        .await?;
    app.events.emit(Event::CampaignChanged {
        campaign: campaign.clone(),
    });
    Ok(campaign)
}

pub async fn start(app: &App, actor: Actor, args: IdArgs) -> Result<Campaign, ApiError> {
    carrier_ready(app, args.id).await?;
    transition(app, actor, args.id, Transition::Start).await
}

/// A campaign on Twilio or Exotel starts only when that carrier is configured and the campaign has an agent
/// and a caller number; the error names what is missing and where to add it.
async fn carrier_ready(app: &App, id: i64) -> Result<(), ApiError> {
    let c = app.store.read(move |conn| campaigns::get(conn, id)).await?;
    match app.carriers.start_problem(c.provider, c.agent_id, &c.from_number) {
        Some((field, message)) => Err(ApiError::invalid_fields(vec![
            crate::validation::ValidationError::new(field, format!("campaign '{}': {message}", c.name)),
        ])),
        None => Ok(()),
    }
}

pub async fn pause(app: &App, actor: Actor, args: IdArgs) -> Result<Campaign, ApiError> {
    transition(app, actor, args.id, Transition::Pause).await
}

pub async fn resume(app: &App, actor: Actor, args: IdArgs) -> Result<Campaign, ApiError> {
    carrier_ready(app, args.id).await?;
    transition(app, actor, args.id, Transition::Resume).await
}

pub async fn cancel(app: &App, actor: Actor, args: IdArgs) -> Result<Campaign, ApiError> {
    transition(app, actor, args.id, Transition::Cancel).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopyContactsArgs {
    pub id: i64,
    pub from: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyContactsResult {
    pub added: usize,
    pub campaign: Campaign,
}

/// `campaign.copy_contacts`: reuse another campaign's list (e.g. this month's renewals from last month's).
pub async fn copy_contacts(
    app: &App,
    actor: Actor,
    args: CopyContactsArgs,
) -> Result<CopyContactsResult, ApiError> {
    let now = to_db(app.clock.now());
    let result = app
        .store
        .with_tx(move |tx| -> Result<CopyContactsResult, ApiError> {
            ensure_editable(&campaigns::get(tx, args.id)?)?;
            let added = campaigns::copy_contacts(tx, args.id, args.from, &now)?;
            let campaign = campaigns::get(tx, args.id)?;
            let mut entry = audit_entry(actor, "campaign.copy_contacts", &campaign);
            entry.details = serde_json::json!({ "from": args.from, "added": added });
            audit::record(tx, &now, &entry)?;
            Ok(CopyContactsResult { added, campaign })
        })
        .await?;
    app.events.emit(Event::CampaignChanged {
        campaign: result.campaign.clone(),
    });
    Ok(result)
}

/// `campaign.why`: why nobody (or not more people) is being called right now.
pub async fn why(app: &App, _actor: Actor, args: IdArgs) -> Result<crate::engine::why::WhyReport, ApiError> {
    let now = to_db(app.clock.now());
    Ok(app
        .store
        .read(move |c| crate::engine::why::explain(c, args.id, &now))
        .await?)
}

fn ensure_editable(c: &Campaign) -> Result<(), ApiError> {
    if c.status.is_editable() {
        return Ok(());
    }
    let what = match c.status {
        CampaignStatus::Running => "pause it before changing it",
        _ => "a finished campaign cannot be changed; create a new one (its contacts can be copied)",
    };
    Err(ApiError::new(
        ErrorCode::Validation,
        format!("campaign '{}' is {}; {what}", c.name, c.status.as_str()),
    ))
}
