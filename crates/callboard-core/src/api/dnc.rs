//! `dnc.*` commands: the do-not-call list a supervisor keeps (global, or for one campaign). Numbers are
//! written as people type them and normalised to E.164 with the default region from Settings, so `55123456`
//! and `+965 5512 3456` are one entry. The engine never dials a listed number; every change is audited.
//! Opt-outs captured on calls land here on their own (`live::recorder`, source `opt_out`).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    clock::to_db,
    phone::{self, Region},
    setup::settings::Settings,
    store::{
        audit::{self, AuditEntry},
        campaigns,
        dnc::{self, DncEntry},
    },
};

/// Most entries in one page.
const MAX_PAGE: u32 = 500;
/// Longest reason kept.
const REASON_MAX: usize = 500;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Digits search the number; words search the contact's name and the reason.
    #[serde(default)]
    pub search: Option<String>,
    /// `next_before` of the previous page.
    #[serde(default)]
    pub before: Option<i64>,
    /// Entries per page [default: 100, max 500].
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DncPage {
    pub entries: Vec<DncEntry>,
    pub next_before: Option<i64>,
    /// On the first page only.
    pub total: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddArgs {
    /// As typed: `55123456`, `+965 5512 3456`, `0096555123456`.
    pub phone: String,
    /// Only this campaign; absent = every campaign.
    #[serde(default)]
    pub campaign_id: Option<i64>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveArgs {
    pub phone: String,
    #[serde(default)]
    pub campaign_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Removed {
    pub phone_e164: String,
    pub campaign_id: Option<i64>,
    /// False when the number was not on that list.
    pub removed: bool,
}

pub async fn list(app: &App, _actor: Actor, args: ListArgs) -> Result<DncPage, ApiError> {
    let limit = args.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let search = args.search.unwrap_or_default();
    let before = args.before;
    let (entries, total) = app
        .store
        .read(move |c| dnc::list(c, &search, before, limit))
        .await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(DncPage {
        entries,
        next_before,
        total,
    })
}

/// The number in E.164, read with the default region from Settings.
async fn e164(app: &App, raw: &str) -> Result<String, ApiError> {
    let settings = app.store.read(Settings::load).await?;
    let region: Region = settings
        .default_region
        .parse()
        .map_err(|e: crate::phone::UnknownRegion| {
            ApiError::new(ErrorCode::Validation, format!("Settings: {e}"))
        })?;
    phone::normalize(raw, region).map(|p| p.e164).map_err(|e| {
        ApiError::new(
            ErrorCode::Validation,
            format!(
                "phone: '{}' is not a phone number we can call ({e}; default region {})",
                raw.trim(),
                region.code()
            ),
        )
    })
}

pub async fn add(app: &App, actor: Actor, args: AddArgs) -> Result<DncEntry, ApiError> {
    let phone = e164(app, &args.phone).await?;
    let reason: String = args
        .reason
        .unwrap_or_default()
        .trim()
        .chars()
        .take(REASON_MAX)
        .collect();
    let now = to_db(app.clock.now());
    let campaign_id = args.campaign_id;
    app.store
        .with_tx(move |tx| -> Result<DncEntry, ApiError> {
            if let Some(id) = campaign_id {
                campaigns::get(tx, id)?;
            }
            let listed = dnc::get(tx, &phone, campaign_id)?;
            if let Some(entry) = listed {
                return Ok(entry);
            }
            dnc::add(tx, &phone, campaign_id, "manual", &reason, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "dnc.add",
                    subject_type: "dnc",
                    subject_id: phone.clone(),
                    details: serde_json::json!({ "campaign_id": campaign_id, "reason": reason }),
                },
            )?;
            dnc::get(tx, &phone, campaign_id)?
                .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the entry vanished after it was added"))
        })
        .await
}

pub async fn remove(app: &App, actor: Actor, args: RemoveArgs) -> Result<Removed, ApiError> {
    let phone = e164(app, &args.phone).await?;
    let now = to_db(app.clock.now());
    let campaign_id = args.campaign_id;
    app.store
        .with_tx(move |tx| -> Result<Removed, ApiError> {
            let removed = dnc::remove(tx, &phone, campaign_id, &now)?;
            if removed {
                audit::record(
                    tx,
                    &now,
                    &AuditEntry {
                        actor: actor.as_str(),
                        action: "dnc.remove",
                        subject_type: "dnc",
                        subject_id: phone.clone(),
                        details: serde_json::json!({ "campaign_id": campaign_id }),
                    },
                )?;
            }
            Ok(Removed {
                phone_e164: phone,
                campaign_id,
                removed,
            })
        })
        .await
}
