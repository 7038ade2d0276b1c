//! Setup commands: `settings.*`, `secret.*` (write-only: the UI learns "set"/"not set" and the source, never a
//! value), `setup.status`/`setup.selftest`, `provider.test`, `backup.create` and `data.wipe`. Every change
//! is audited; secret values never reach the audit log, the events or the logs.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    clock::to_db,
    secret::Secret,
    secret_store::{SecretName, SecretStatus, SecretStoreError, StoreKind},
    setup::{
        PublicUrlSource, backup::BackupSummary, control, provider_check, selftest::SelfTestResult,
        settings::Settings, tunnel::TunnelStatus, wipe,
    },
    store::{
        audit::{self, AuditEntry},
        settings as settings_table,
    },
};

impl From<SecretStoreError> for ApiError {
    fn from(e: SecretStoreError) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

impl From<crate::setup::backup::BackupError> for ApiError {
    fn from(e: crate::setup::backup::BackupError) -> Self {
        use crate::setup::backup::BackupError as B;
        let code = match &e {
            B::NewerArchive { .. } | B::BadArchive(_) | B::NotEmpty(_) => ErrorCode::Conflict,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

/// Runs a blocking secret-store call off the executor.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SecretStoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("secret store task failed: {e}")))?
        .map_err(ApiError::from)
}

pub async fn settings_get(app: &App, _actor: Actor, _args: NoArgs) -> Result<Settings, ApiError> {
    Ok(app.store.read(Settings::load).await?)
}

/// `settings.update`: a partial object of fields to change (nested objects merge).
pub async fn settings_update(
    app: &App,
    actor: Actor,
    patch: serde_json::Value,
) -> Result<Settings, ApiError> {
    let now = to_db(app.clock.now());
    let (before, after) = app
        .store
        .with_tx(move |tx| -> Result<(Settings, Settings), ApiError> {
            let before = Settings::load(tx)?;
            let after = before.patched(&patch).map_err(ApiError::invalid_fields)?;
            let value = serde_json::to_value(&after)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            settings_table::put(tx, crate::setup::settings::SETTINGS_KEY, &value, &now)?;
            let changed: Vec<&String> = patch.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            audit::record(
                tx,
                &now,
                &AuditEntry {
                    actor: actor.as_str(),
                    action: "settings.update",
                    subject_type: "settings",
                    subject_id: String::new(),
                    details: serde_json::json!({ "changed": changed, "patch": patch }),
                },
            )?;
            Ok((before, after))
        })
        .await?;
    control::apply(app, &before, &after).await;
    Ok(after)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecretsOut {
    pub store: StoreKind,
    pub warning: Option<String>,
    pub secrets: Vec<SecretStatus>,
}

pub async fn secret_status(app: &App, _actor: Actor, _args: NoArgs) -> Result<SecretsOut, ApiError> {
    let creds = app.credentials();
    let store = creds.store_kind();
    let warning = creds.warning().map(str::to_owned);
    let secrets = blocking(move || creds.statuses()).await?;
    Ok(SecretsOut {
        store,
        warning,
        secrets,
    })
}

/// `{ "name": "twilio.auth_token", "value": "…" }`; `Debug` hides the value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSecretArgs {
    pub name: String,
    pub value: SecretValue,
}

/// A secret as it arrives in a command. A wrong type is refused without echoing the value (serde's own
/// message would quote it, and failed commands are logged).
#[derive(Clone, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub struct SecretValue(String);

impl TryFrom<serde_json::Value> for SecretValue {
    type Error = &'static str;
    fn try_from(v: serde_json::Value) -> Result<Self, Self::Error> {
        match v {
            serde_json::Value::String(s) => Ok(SecretValue(s)),
            _ => Err("the secret value must be a string"),
        }
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretNameArgs {
    pub name: String,
}

fn secret_name(raw: &str) -> Result<SecretName, ApiError> {
    SecretName::parse(raw).ok_or_else(|| {
        let known: Vec<&str> = SecretName::ALL.iter().map(|n| n.as_str()).collect();
        ApiError::new(
            ErrorCode::Validation,
            format!("unknown secret '{raw}'; known: {}", known.join(", ")),
        )
    })
}

async fn after_secret_change(
    app: &App,
    actor: Actor,
    action: &'static str,
    name: SecretName,
) -> Result<SecretStatus, ApiError> {
    let now = to_db(app.clock.now());
    app.store
        .with_tx(move |tx| -> Result<(), ApiError> {
            let entry = AuditEntry {
                actor: actor.as_str(),
                action,
                subject_type: "secret",
                subject_id: name.as_str().to_owned(),
                details: serde_json::json!({}),
            };
            Ok(audit::record(tx, &now, &entry)?)
        })
        .await?;
    let creds = app.credentials();
    // Webhook secrets take effect for the next delivery.
    let c = creds.clone();
    let secrets = blocking(move || c.provider_secrets()).await?;
    app.set_provider_secrets(secrets);
    // Carrier keys take effect for the next call, without a restart.
    crate::providers::carriers::reload(app).await;
    let statuses = blocking(move || creds.statuses()).await?;
    statuses
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "secret vanished"))
}

pub async fn secret_set(app: &App, actor: Actor, args: SetSecretArgs) -> Result<SecretStatus, ApiError> {
    let name = secret_name(&args.name)?;
    let value = args.value.0.trim().to_owned();
    if value.is_empty() {
        return Err(ApiError::invalid_fields(vec![
            crate::validation::ValidationError::new("value", "is empty; use secret.clear to remove a secret"),
        ]));
    }
    if name == SecretName::GoogleServiceAccountJson {
        super::sheets::check_service_account_json(&value)?;
    }
    let creds = app.credentials();
    blocking(move || creds.set(name, &Secret::new(value))).await?;
    after_secret_change(app, actor, "secret.set", name).await
}

pub async fn secret_clear(app: &App, actor: Actor, args: SecretNameArgs) -> Result<SecretStatus, ApiError> {
    let name = secret_name(&args.name)?;
    let creds = app.credentials();
    blocking(move || creds.delete(name)).await?;
    after_secret_change(app, actor, "secret.clear", name).await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupStatus {
    pub public_url: Option<String>,
    pub public_url_source: Option<PublicUrlSource>,
    pub tunnel: TunnelStatus,
    pub selftest: Option<SelfTestResult>,
    pub secret_store: StoreKind,
    pub secret_store_warning: Option<String>,
    pub setup_done: bool,
}

pub async fn status(app: &App, _actor: Actor, _args: NoArgs) -> Result<SetupStatus, ApiError> {
    let settings = app.store.read(Settings::load).await?;
    let url = app.setup.public_url();
    let creds = app.credentials();
    Ok(SetupStatus {
        public_url: url.as_ref().map(|(u, _)| u.clone()),
        public_url_source: url.map(|(_, s)| s),
        tunnel: app.setup.tunnel_status(),
        selftest: app.setup.last_selftest(),
        secret_store: creds.store_kind(),
        secret_store_warning: creds.warning().map(str::to_owned),
        setup_done: settings.setup_done,
    })
}

pub async fn selftest(app: &App, _actor: Actor, _args: NoArgs) -> Result<SelfTestResult, ApiError> {
    Ok(crate::setup::selftest::run(app).await)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderArgs {
    pub provider: String,
}

pub async fn provider_test(
    app: &App,
    _actor: Actor,
    args: ProviderArgs,
) -> Result<provider_check::ProviderCheck, ApiError> {
    if !provider_check::PROVIDERS.contains(&args.provider.as_str()) {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!(
                "unknown provider '{}'; known: {}",
                args.provider,
                provider_check::PROVIDERS.join(", ")
            ),
        ));
    }
    let creds = app.credentials();
    // Exotel's API lives in the region chosen in Settings unless the environment points elsewhere.
    let base = if args.provider == "exotel" && creds.base_url_override("exotel").is_none() {
        let s = app
            .store
            .read(crate::providers::carriers::settings::CarrierSettings::load)
            .await?;
        Some(s.exotel.region.base_url().to_owned())
    } else {
        None
    };
    Ok(provider_check::check_with_base(&app.setup.http, &creds, &args.provider, base.as_deref()).await)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupArgs {
    /// Where to write the archive [default: the backup folder, a time-stamped name].
    #[serde(default)]
    pub path: Option<String>,
}

pub async fn backup_create(app: &App, actor: Actor, args: BackupArgs) -> Result<BackupSummary, ApiError> {
    let summary = control::backup_now(app, args.path.map(Into::into)).await?;
    let now = to_db(app.clock.now());
    let path = summary.path.clone();
    app.store
        .with_tx(move |tx| -> Result<(), ApiError> {
            let entry = AuditEntry {
                actor: actor.as_str(),
                action: "backup.create",
                subject_type: "backup",
                subject_id: path,
                details: serde_json::json!({}),
            };
            Ok(audit::record(tx, &now, &entry)?)
        })
        .await?;
    Ok(summary)
}

/// The words `data.wipe` requires, so that no stray click or script wipes a database.
pub const WIPE_CONFIRMATION: &str = "WIPE EVERYTHING";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WipeArgs {
    pub confirm: String,
}

/// Takes a safety backup, then deletes every row and the recordings. Leaves the settings' schema and the
/// secrets alone (clear those with `secret.clear`).
pub async fn wipe_everything(app: &App, actor: Actor, args: WipeArgs) -> Result<wipe::WipeSummary, ApiError> {
    if args.confirm != WIPE_CONFIRMATION {
        return Err(ApiError::invalid_fields(vec![
            crate::validation::ValidationError::new(
                "confirm",
                format!("type {WIPE_CONFIRMATION} to confirm"),
            ),
        ]));
    }
    let safety = control::backup_now(app, None).await?;
    let now = to_db(app.clock.now());
    let safety_path = safety.path.clone();
    // Deliveries spooled before the wipe are gone with it: without this a restart would journal them again.
    let spooled = app.webhooks.spool().map(|s| s.end());
    let (tables, rows) = app
        .store
        .with_tx(move |tx| -> Result<(usize, usize), ApiError> {
            let counts = wipe::wipe_tables(tx)?;
            if let Some(end) = spooled {
                crate::store::call_events::set_spool_position(tx, end.to_db())?;
            }
            let entry = AuditEntry {
                actor: actor.as_str(),
                action: "data.wipe",
                subject_type: "data",
                subject_id: String::new(),
                details: serde_json::json!({ "tables": counts.0, "rows": counts.1, "safety_backup": safety_path }),
            };
            audit::record(tx, &now, &entry)?;
            Ok(counts)
        })
        .await?;
    let recordings = wipe::wipe_recordings(app.data_dir())
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot delete the recordings: {e}")))?;
    app.events.emit(crate::events::Event::Resync);
    Ok(wipe::WipeSummary {
        tables,
        rows,
        recordings,
        safety_backup: Some(safety.path),
    })
}
