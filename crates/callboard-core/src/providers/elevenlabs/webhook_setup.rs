//! Webhook auto-registration, with the user's consent: create an HMAC workspace webhook pointing at our
//! public URL, hand its secret (shown only once) to the secret store through a [`WebhookSecretSink`] and to
//! the running verifier, and attach it for the chosen agents (or workspace-wide) with the transcript, audio
//! and initiation-failure events. Its status is polled; when ElevenLabs auto-disables it (10 failures in a
//! row, e.g. while the tunnel was down) an `Alert` is raised once, and `elevenlabs.webhook.enable` turns it
//! back on.

use serde::{Deserialize, Serialize};

use super::{
    ElevenLabs,
    client::ElevenLabsError,
    types::{ConvaiWebhooks, WebhookUpdate},
};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    secret::Secret,
    store::{StoreError, elevenlabs as el_store},
};

/// The `settings` key the registration is kept under.
pub const SETTING: &str = "elevenlabs.webhook";
/// The events a registered webhook is attached with.
pub const EVENTS: [&str; 3] = ["transcript", "audio", "call_initiation_failure"];
/// The `kind` of the alert raised when ElevenLabs disabled the webhook.
pub const ALERT_KIND: &str = "elevenlabs_webhook_disabled";

/// Where the webhook secret goes: the keychain-backed secret store in the app, memory in tests.
pub trait WebhookSecretSink: Send + Sync + 'static {
    fn store(&self, webhook_id: &str, secret: &Secret) -> Result<(), String>;
}

/// Keeps the secret in memory only (until the keychain store lands; tests read it back).
#[derive(Debug, Default)]
pub struct MemorySecretSink {
    pub stored: std::sync::Mutex<Vec<(String, Secret)>>,
}

impl WebhookSecretSink for MemorySecretSink {
    fn store(&self, webhook_id: &str, secret: &Secret) -> Result<(), String> {
        self.stored
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((webhook_id.to_owned(), secret.clone()));
        Ok(())
    }
}

/// What we know about our webhook (stored; shown in Settings → Providers → ElevenLabs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookState {
    pub webhook_id: String,
    pub name: String,
    pub url: String,
    /// Agents it is attached to; empty means workspace-wide.
    pub agent_ids: Vec<String>,
    pub registered_at: String,
    pub disabled: bool,
    pub auto_disabled: bool,
    pub last_failure_code: Option<serde_json::Value>,
    pub last_failure_at: Option<i64>,
    pub checked_at: Option<String>,
    /// Whether ElevenLabs still lists it.
    pub missing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    ElevenLabs(#[from] ElevenLabsError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(String),
}

impl From<SetupError> for crate::api::ApiError {
    fn from(e: SetupError) -> Self {
        use crate::api::{ApiError, ErrorCode};
        match e {
            SetupError::ElevenLabs(e) => e.into(),
            SetupError::Store(e) => e.into(),
            SetupError::Refused(m) => ApiError::new(ErrorCode::Validation, m),
        }
    }
}

pub async fn state(app: &App) -> Result<Option<WebhookState>, StoreError> {
    app.store.read(|c| el_store::get_setting(c, SETTING)).await
}

async fn save(app: &App, s: &WebhookState) -> Result<(), StoreError> {
    let (s, now) = (s.clone(), to_db(app.clock.now()));
    app.store
        .with_tx(move |tx| el_store::put_setting(tx, SETTING, &s, &now))
        .await
}

/// Registers the webhook at `{public_base_url}/webhooks/elevenlabs` and attaches it.
pub async fn register(
    app: &App,
    el: &ElevenLabs,
    public_base_url: &str,
    agent_ids: Vec<String>,
) -> Result<WebhookState, SetupError> {
    let base = public_base_url.trim().trim_end_matches('/');
    if !base.starts_with("https://") {
        return Err(SetupError::Refused(format!(
            "the public URL must be https:// for ElevenLabs to deliver webhooks (it is '{base}'); start the tunnel first"
        )));
    }
    let url = format!("{base}/webhooks/elevenlabs");
    let name = "Callboard".to_owned();
    let created = el.client.create_webhook(&name, &url).await?;
    let secret = created
        .webhook_secret
        .filter(|s| !s.is_empty())
        .map(Secret::new)
        .ok_or_else(|| SetupError::Refused("ElevenLabs created the webhook but sent no secret".into()))?;
    el.secret_sink
        .store(&created.webhook_id, &secret)
        .map_err(|e| SetupError::Refused(format!("cannot store the webhook secret: {e}")))?;
    let mut secrets = app.webhooks.secrets();
    secrets.elevenlabs_webhook = Some(secret);
    app.webhooks.set_secrets(secrets);
    let attach = ConvaiWebhooks {
        post_call_webhook_id: created.webhook_id.clone(),
        events: EVENTS.iter().map(|e| (*e).to_owned()).collect(),
        transcript_format: "json".into(),
    };
    if agent_ids.is_empty() {
        el.client.patch_convai_settings(&attach).await?;
    } else {
        for agent in &agent_ids {
            el.client.patch_agent_webhooks(agent, &attach).await?;
        }
    }
    let s = WebhookState {
        webhook_id: created.webhook_id,
        name,
        url,
        agent_ids,
        registered_at: to_db(app.clock.now()),
        ..Default::default()
    };
    save(app, &s).await?;
    tracing::info!(webhook_id = %s.webhook_id, "ElevenLabs webhook registered");
    Ok(s)
}

/// Reads the webhook's status from ElevenLabs; raises the alert when it has just become disabled.
pub async fn check(app: &App, el: &ElevenLabs) -> Result<Option<WebhookState>, SetupError> {
    let Some(mut s) = state(app).await? else {
        return Ok(None);
    };
    let was_off = s.disabled || s.auto_disabled;
    let listed = el.client.list_webhooks().await?;
    match listed.into_iter().find(|w| w.webhook_id == s.webhook_id) {
        Some(w) => {
            s.missing = false;
            s.disabled = w.is_disabled;
            s.auto_disabled = w.is_auto_disabled;
            s.last_failure_code = w.most_recent_failure_error_code;
            s.last_failure_at = w.most_recent_failure_timestamp;
        }
        None => s.missing = true,
    }
    s.checked_at = Some(to_db(app.clock.now()));
    save(app, &s).await?;
    if s.auto_disabled && !was_off {
        let code = s
            .last_failure_code
            .as_ref()
            .map(|c| format!(" (last failure: {c})"))
            .unwrap_or_default();
        app.events.emit(Event::Alert {
            kind: ALERT_KIND.into(),
            campaign_id: None,
            message: format!(
                "ElevenLabs disabled the Callboard webhook after repeated delivery failures{code}; results now \
                 arrive only by polling. Check the tunnel, then re-enable it in Settings → Providers → ElevenLabs."
            ),
        });
    }
    Ok(Some(s))
}

/// Turns the webhook back on (the one-click fix for the alert).
pub async fn enable(app: &App, el: &ElevenLabs) -> Result<WebhookState, SetupError> {
    let Some(mut s) = state(app).await? else {
        return Err(SetupError::Refused(
            "no ElevenLabs webhook is registered; register one first".into(),
        ));
    };
    el.client
        .update_webhook(
            &s.webhook_id,
            &WebhookUpdate {
                is_disabled: false,
                name: s.name.clone(),
                retry_enabled: Some(true),
            },
        )
        .await?;
    s.disabled = false;
    s.auto_disabled = false;
    save(app, &s).await?;
    Ok(s)
}
