//! The campaign an import goes into: found by name, or created as a draft (with an audit row) when the
//! CLI names one that does not exist yet.

use crate::{
    api::{ApiError, ErrorCode},
    campaign::{Campaign, CampaignSettings, CampaignStatus},
    store::{
        Store, StoreError,
        audit::{self, AuditEntry},
        campaigns,
    },
    validation,
};

/// Finds the campaign named `name` or creates it as a draft; the flag says whether it was created.
pub fn find_or_create(
    store: &Store,
    name: &str,
    actor: &'static str,
    now: &str,
) -> Result<(Campaign, bool), ApiError> {
    let name = validation::name("campaign", name, 120)?;
    let now = now.to_owned();
    store.with_tx_blocking(move |tx| -> Result<(Campaign, bool), ApiError> {
        match campaigns::find_by_name(tx, &name) {
            Ok(c) => Ok((c, false)),
            Err(StoreError::NotFound { .. }) => {
                let settings = CampaignSettings {
                    name: name.clone(),
                    ..CampaignSettings::default()
                };
                let c = campaigns::insert(tx, &settings, CampaignStatus::Draft, &now)?;
                audit::record(
                    tx,
                    &now,
                    &AuditEntry {
                        actor,
                        action: "campaign.create",
                        subject_type: "campaign",
                        subject_id: c.id.to_string(),
                        details: serde_json::json!({ "name": c.name, "status": c.status, "via": "import" }),
                    },
                )?;
                Ok((c, true))
            }
            Err(e) => Err(ApiError::new(ErrorCode::Internal, e.to_string())),
        }
    })
}
