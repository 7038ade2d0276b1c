//! OpenAI Realtime as a media-bridge agent backend (GA WebSocket interface only). The backend takes a
//! ready session configuration per agent ([`RealtimeProfiles`], implemented over the agent profiles), sets
//! the audio formats and the call tools itself, and runs the conversation: audio both ways, transcripts,
//! barge-in with truncation at the played position, tools (escalate, intake, end), the safety rules on the
//! live transcript, phases, usage and cost. `session_config`, `playback`, `rules`, `phase`, `intake` and
//! `cost` are pure; `connection` opens the session, `conversation` runs it (its `tools` the model's tools and
//! the rules); `actions` touches the store, the bus and call controls.

pub mod actions;
pub mod connection;
pub mod conversation;
pub mod cost;
pub mod intake;
pub mod live;
pub mod phase;
pub mod playback;
pub mod rules;
pub mod session_config;

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    app::App,
    media::agent::{AgentBackend, AgentError, AgentLink, AgentStart},
    secret::Secret,
};

/// What a call does when it escalates, when the session must end early, or when the model fails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    /// E.164 number of the human line.
    pub transfer_to: Option<String>,
    /// Transfer there on escalation (else only flag the call and alert the supervisor).
    pub transfer_on_escalation: bool,
}

impl EscalationPolicy {
    /// The number to transfer to, when the policy says to transfer.
    pub fn transfer_number(&self) -> Option<&str> {
        self.transfer_to
            .as_deref()
            .filter(|n| self.transfer_on_escalation && !n.trim().is_empty())
    }
}

/// A ready session configuration for one agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RealtimeSetup {
    /// `gpt-realtime-2.1` or `gpt-realtime-2.1-mini`.
    pub model: String,
    /// The GA session object (instructions, voice, tools, turn_detection, input transcription…) as in
    /// `session.update`; audio formats and the three call tools are set by the backend.
    pub session: Value,
    /// The org's intake JSON Schema (`complete_intake`'s `data`).
    pub intake_schema: Option<Value>,
    pub escalation: EscalationPolicy,
    /// The prompt version the call runs with, recorded per call.
    pub prompt_version: Option<i64>,
    /// What the agent says first (per-response instructions of the opening `response.create`).
    #[serde(default)]
    pub first_message: Option<String>,
}

/// Resolves an agent id to its session configuration ([`StoredProfiles`]: the saved profiles).
pub trait RealtimeProfiles: Send + Sync {
    fn setup(&self, agent_id: i64) -> BoxFuture<'static, Result<RealtimeSetup, AgentError>>;
}

/// The profiles saved with `agent.openai.set`: renders the prompt and records its version (a call runs
/// with the version it was given).
pub struct StoredProfiles(pub Arc<App>);

impl RealtimeProfiles for StoredProfiles {
    fn setup(&self, agent_id: i64) -> BoxFuture<'static, Result<RealtimeSetup, AgentError>> {
        let app = self.0.clone();
        Box::pin(async move {
            let now = crate::clock::to_db(app.clock.now());
            let s = crate::openai::setup::load(&app.store, agent_id, now)
                .await
                .map_err(|e| match e {
                    crate::store::StoreError::NotFound { .. } => AgentError::NotConfigured(format!(
                        "agent {agent_id} has no OpenAI Realtime profile: {e}"
                    )),
                    other => AgentError::Unreachable(other.to_string()),
                })?;
            Ok(RealtimeSetup {
                model: s.model,
                session: s.session,
                intake_schema: s.intake_schema,
                escalation: s.escalation,
                prompt_version: s.prompt_version,
                first_message: Some(s.first_message).filter(|m| !m.trim().is_empty()),
            })
        })
    }
}

/// Where and how to reach OpenAI, and the limits the backend keeps.
#[derive(Debug, Clone)]
pub struct RealtimeConfig {
    pub api_key: Secret,
    /// `https://api.openai.com` unless overridden (`CALLBOARD_OPENAI_BASE_URL`); `ws(s)://` is derived.
    pub base_url: String,
    /// How long the handshake (socket + `session.updated`) may take.
    pub handshake_timeout: Duration,
    /// When the session is wound down (goodbye or transfer), before OpenAI's 60-minute cap ends it.
    pub session_limit: Duration,
    /// Prices for the cost figure; `None`: the defaults for the setup's model.
    pub prices: Option<cost::Prices>,
}

/// The session cap is 60 minutes; stop two minutes short so a goodbye or a transfer still fits.
pub const SESSION_LIMIT: Duration = Duration::from_secs(58 * 60);

impl RealtimeConfig {
    /// The key from the app's credentials (the secret store, or `CALLBOARD_OPENAI_API_KEY`), else
    /// `OPENAI_API_KEY`; the base URL from `CALLBOARD_OPENAI_BASE_URL` or the default. `None` without a key.
    pub fn resolve(app: &App) -> Option<RealtimeConfig> {
        let creds = app.credentials().openai().ok();
        let key = creds.as_ref().and_then(|c| c.api_key.clone()).or_else(|| {
            std::env::var("OPENAI_API_KEY")
                .ok()
                .filter(|k| !k.is_empty())
                .map(Secret::new)
        })?;
        Some(RealtimeConfig {
            api_key: key,
            base_url: creds
                .map(|c| c.base_url)
                .unwrap_or_else(|| "https://api.openai.com".into()),
            handshake_timeout: Duration::from_secs(5),
            session_limit: SESSION_LIMIT,
            prices: None,
        })
    }

    /// `wss://…/v1/realtime?model=…` from the base URL.
    pub fn socket_url(&self, model: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        let base = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.to_owned()
        };
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("model", model)
            .finish();
        format!("{base}/v1/realtime?{query}")
    }
}

/// The backend: one Realtime session per call.
pub struct RealtimeBackend {
    app: Arc<App>,
    /// `None`: read the key from the credentials at each call, so a key saved in Settings works at once.
    config: Option<RealtimeConfig>,
    profiles: Arc<dyn RealtimeProfiles>,
}

impl AgentBackend for RealtimeBackend {
    fn connect(&self, start: AgentStart) -> BoxFuture<'static, Result<AgentLink, AgentError>> {
        let (app, config, profiles) = (self.app.clone(), self.config.clone(), self.profiles.clone());
        Box::pin(async move {
            let config = match config {
                Some(c) => c,
                None => RealtimeConfig::resolve(&app).ok_or_else(|| {
                    AgentError::NotConfigured(
                        "no OpenAI API key: add it in Settings › Providers (or set OPENAI_API_KEY)".into(),
                    )
                })?,
            };
            let timeout = config.handshake_timeout;
            match tokio::time::timeout(timeout, connection::connect(app, config, profiles, start)).await {
                Ok(r) => r,
                Err(_) => Err(AgentError::Unreachable(format!(
                    "OpenAI Realtime did not confirm the session within {} ms",
                    timeout.as_millis()
                ))),
            }
        })
    }
}

/// The backend for launch: `openai::realtime::backend(app, config, profiles)`.
pub fn backend(
    app: Arc<App>,
    config: RealtimeConfig,
    profiles: Arc<dyn RealtimeProfiles>,
) -> Arc<dyn AgentBackend> {
    Arc::new(RealtimeBackend {
        app,
        config: Some(config),
        profiles,
    })
}

/// Installs the backend with the key read from the credentials at each call (a key saved later works
/// without a restart; without one, `openai-realtime` calls end with a clear reason). Call after
/// `providers::carriers::install`.
pub fn install_from_credentials(app: &Arc<App>, profiles: Arc<dyn RealtimeProfiles>) {
    install(
        app,
        Arc::new(RealtimeBackend {
            app: app.clone(),
            config: None,
            profiles,
        }),
    );
}

/// Makes the bridge use `backend` for calls whose agent's provider is `openai-realtime`.
pub fn install(app: &App, backend: Arc<dyn AgentBackend>) {
    let mut bridge = (*app.media_sessions.bridge()).clone();
    bridge.realtime = Some(backend);
    app.media_sessions.configure(bridge);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls_follow_the_base() {
        let mut c = RealtimeConfig {
            api_key: Secret::new("k"),
            base_url: "https://api.openai.com/".into(),
            handshake_timeout: Duration::from_secs(1),
            session_limit: SESSION_LIMIT,
            prices: None,
        };
        assert_eq!(
            c.socket_url("gpt-realtime-2.1"),
            "wss://api.openai.com/v1/realtime?model=gpt-realtime-2.1"
        );
        c.base_url = "http://127.0.0.1:9".into();
        assert_eq!(c.socket_url("m"), "ws://127.0.0.1:9/v1/realtime?model=m");
        let p = EscalationPolicy {
            transfer_to: Some("+15550001111".into()),
            transfer_on_escalation: false,
        };
        assert_eq!(p.transfer_number(), None);
        let p = EscalationPolicy {
            transfer_on_escalation: true,
            ..p
        };
        assert_eq!(p.transfer_number(), Some("+15550001111"));
    }
}
