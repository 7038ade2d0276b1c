//! `carrier.*` commands: Twilio's and Exotel's status (configured or what is missing, what the environment
//! sets, their caller numbers) and their non-secret settings. Secrets go through `secret.set`; both paths
//! reload the live dialers, so a change applies to the next call without a restart.

use serde::Serialize;

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    clock::to_db,
    providers::carriers::{self, CarrierStatus, settings::CarrierSettings},
    store::{
        audit::{self, AuditEntry},
        settings as settings_table,
    },
};

#[derive(Debug, Clone, Serialize)]
pub struct CarriersOut {
    /// The carriers' dialers reload live in this instance (false in a bare test app).
    pub live: bool,
    pub carriers: Vec<CarrierStatus>,
    pub settings: CarrierSettings,
}

async fn current(app: &App) -> Result<CarriersOut, ApiError> {
    let settings = app.store.read(CarrierSettings::load).await?;
    let creds = app.credentials();
    let for_resolve = settings.clone();
    let resolved = tokio::task::spawn_blocking(move || {
        carriers::resolve(&creds, &for_resolve, &carriers::CarrierEnv::from_env())
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("carrier status task failed: {e}")))??;
    Ok(CarriersOut {
        live: app.carriers.installed(),
        carriers: resolved.statuses,
        settings,
    })
}

pub async fn status(app: &App, _actor: Actor, _args: NoArgs) -> Result<CarriersOut, ApiError> {
    current(app).await
}

/// `carrier.settings.set`: `{"twilio": {"from_numbers": [...]}}` and/or
/// `{"exotel": {"region": "mumbai", "caller_ids": [...], "flow_id": "..."}}`.
pub async fn settings_set(
    app: &App,
    actor: Actor,
    patch: serde_json::Value,
) -> Result<CarriersOut, ApiError> {
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> Result<(), ApiError> {
            let next = CarrierSettings::load(tx)?
                .patched(&patch)
                .map_err(ApiError::invalid_fields)?;
            let value =
                serde_json::to_value(&next).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            settings_table::put(tx, carriers::settings::KEY, &value, &now)?;
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "carrier.settings.set",
                    subject_type: "settings",
                    subject_id: carriers::settings::KEY.to_owned(),
                    details: serde_json::json!({ "patch": patch }),
                },
            )?;
            Ok(())
        })
        .await?;
    carriers::reload(app).await;
    current(app).await
}
