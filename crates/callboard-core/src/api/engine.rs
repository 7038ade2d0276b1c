//! Engine commands beyond one campaign's settings: a supervisor's scheduled callback for a contact
//! (`contact.callback`) and the settings that span campaigns (`engine.settings.get|set`: frequency caps per
//! contact, the global cap per provider account).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    clock::{from_db, to_db},
    engine::settings::{self, EngineSettings},
    events::Event,
    store::{
        audit::{self, AuditEntry},
        campaigns, engine_step,
    },
};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackArgs {
    pub campaign_id: i64,
    pub contact_id: i64,
    /// RFC 3339 with an offset; `null` clears the callback.
    pub at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallbackResult {
    pub campaign_id: i64,
    pub contact_id: i64,
    /// As stored (UTC), or `null` when cleared.
    pub callback_at: Option<String>,
}

/// `contact.callback`: call this contact at `at`, ahead of the list order (still inside its calling window,
/// and not when it is on a do-not-call list). A supervisor's callback is honoured even after the campaign's
/// max attempts were used.
pub async fn callback(app: &App, actor: Actor, args: CallbackArgs) -> Result<CallbackResult, ApiError> {
    let now = app.clock.now();
    let at = match args.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let t = from_db(raw).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::Validation,
                    format!(
                        "at: '{raw}' is not a date and time with an offset, e.g. 2026-03-01T09:00:00+03:00"
                    ),
                )
            })?;
            if t <= now {
                return Err(ApiError::new(ErrorCode::Validation, "at: must be in the future"));
            }
            Some(to_db(t))
        }
    };
    let stamp = to_db(now);
    let (campaign_id, contact_id, stored) = (args.campaign_id, args.contact_id, at.clone());
    let campaign = app
        .store
        .with_tx(move |tx| -> Result<crate::campaign::Campaign, ApiError> {
            let campaign = campaigns::get(tx, campaign_id)?;
            if !matches!(
                campaign.status.as_str(),
                "draft" | "scheduled" | "running" | "paused"
            ) {
                return Err(ApiError::new(
                    ErrorCode::Validation,
                    format!(
                        "campaign '{}' is {}; it calls nobody any more",
                        campaign.name,
                        campaign.status.as_str()
                    ),
                ));
            }
            let state = engine_step::contact_state(tx, campaign_id, contact_id)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("contact {contact_id} is not in campaign '{}'", campaign.name),
                )
            })?;
            match state.as_str() {
                "suppressed" => {
                    return Err(ApiError::new(
                        ErrorCode::Validation,
                        "the contact is on a do-not-call list or opted out; it cannot be called back",
                    ));
                }
                "dialing" => {
                    return Err(ApiError::new(
                        ErrorCode::Validation,
                        "the contact is being called now; set the callback after the call",
                    ));
                }
                _ => {}
            }
            engine_step::set_callback(tx, campaign_id, contact_id, stored.as_deref(), &stamp)?;
            audit::record(
                tx,
                &stamp,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "contact.callback",
                    subject_type: "campaign",
                    subject_id: campaign_id.to_string(),
                    details: serde_json::json!({ "contact_id": contact_id, "at": stored }),
                },
            )?;
            Ok(campaigns::get(tx, campaign_id)?)
        })
        .await?;
    app.events.emit(Event::CampaignChanged { campaign });
    Ok(CallbackResult {
        campaign_id,
        contact_id,
        callback_at: at,
    })
}

/// `engine.settings.get`.
pub async fn settings_get(app: &App, _actor: Actor, _args: NoArgs) -> Result<EngineSettings, ApiError> {
    Ok(app.store.read(settings::load).await?)
}

/// `engine.settings.set`: a partial object; the keys given replace the stored ones.
pub async fn settings_set(
    app: &App,
    actor: Actor,
    patch: serde_json::Value,
) -> Result<EngineSettings, ApiError> {
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> Result<EngineSettings, ApiError> {
            let current = serde_json::to_value(settings::load(tx)?)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            let merged = merge(current, patch);
            let next: EngineSettings = serde_json::from_value(merged)
                .map_err(|e| ApiError::new(ErrorCode::Validation, format!("engine settings: {e}")))?;
            next.validate()?;
            settings::save(tx, &next, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "engine.settings.set",
                    subject_type: "settings",
                    subject_id: settings::SETTINGS_KEY.into(),
                    details: serde_json::to_value(&next).unwrap_or_default(),
                },
            )?;
            Ok(next)
        })
        .await
}

/// Objects merged key by key (`provider_caps` entries set to `null` are removed), anything else replaced.
fn merge(mut base: serde_json::Value, patch: serde_json::Value) -> serde_json::Value {
    match (&mut base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    let cur = b.remove(&k).unwrap_or(serde_json::Value::Null);
                    b.insert(k, merge(cur, v));
                }
            }
            base
        }
        (_, p) => p,
    }
}
