//! Twilio and Exotel as a running instance sees them, configured from the UI and reloaded live. Their
//! secrets come from the credential resolver (environment first, then the secret store) and their non-secret
//! settings (caller numbers, Exotel's region and flow) from [`settings`]. The engine holds one
//! [`LiveCarrier`] per carrier for the life of the process; each reload swaps the dialer inside it and the
//! media bridge's configuration, so saving a key in Settings takes effect for the next call without a
//! restart. A carrier that is not configured stays registered and says what is missing: a campaign cannot
//! start on it ([`Carriers::start_problem`]), and a dial that still reaches it fails with that sentence.

pub mod settings;

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock, RwLock, Weak},
};

use futures_util::future::BoxFuture;
use serde::Serialize;

use self::settings::CarrierSettings;
use super::{exotel, twilio};
use crate::{
    app::App,
    campaign::Provider,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, dialer::Capabilities},
    media::{
        Bridge,
        agent::AgentBackend,
        elevenlabs_ws::{ElevenLabsAgents, ElevenLabsConfig},
    },
    secret::Secret,
    secret_store::{Credentials, SecretName, SecretSource, SecretStoreError},
};

/// Non-secret settings the environment may still set (servers configured by env only).
#[derive(Debug, Clone, Default)]
pub struct CarrierEnv {
    /// `CALLBOARD_EXOTEL_FLOW_ID`: wins over the flow id saved in Settings.
    pub exotel_flow_id: Option<String>,
    /// `CALLBOARD_ELEVENLABS_AGENT_ID`: the ElevenLabs agent for bridged calls whose agent names none.
    pub elevenlabs_agent: Option<String>,
}

impl CarrierEnv {
    pub fn from_env() -> CarrierEnv {
        let get = |n: &str| {
            std::env::var(n)
                .ok()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        CarrierEnv {
            exotel_flow_id: get("CALLBOARD_EXOTEL_FLOW_ID"),
            elevenlabs_agent: get("CALLBOARD_ELEVENLABS_AGENT_ID"),
        }
    }
}

/// What the UI shows for one carrier; never a secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CarrierStatus {
    /// `twilio` or `exotel`.
    pub provider: String,
    /// Every required credential and setting is present.
    pub configured: bool,
    /// What is missing, as the user names it (`Auth token`, `flow id`).
    pub missing: Vec<String>,
    /// What the environment sets (secret names such as `twilio.auth_token`, `exotel.flow_id`, `base_url`);
    /// the UI shows these as "set by environment".
    pub from_env: Vec<String>,
    /// The API the carrier's requests go to.
    pub base_url: String,
    /// Caller numbers campaigns may pick (the first is the default).
    pub numbers: Vec<String>,
}

/// The carriers' effective configuration at one moment.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub twilio: Option<twilio::TwilioConfig>,
    pub exotel: Option<exotel::ExotelConfig>,
    /// The agent backend for bridged calls (ElevenLabs' agent WebSocket) when an ElevenLabs key is set.
    pub agents: Option<ElevenLabsConfig>,
    pub statuses: Vec<CarrierStatus>,
}

impl Resolved {
    /// Both carriers off because the credentials could not be read (a locked keychain): the instance still
    /// starts, and the status says why; the next reload tries again.
    pub fn unreadable(why: &str) -> Resolved {
        let status = |provider: &str| CarrierStatus {
            provider: provider.into(),
            configured: false,
            missing: vec![format!("readable credentials ({why})")],
            from_env: Vec::new(),
            base_url: String::new(),
            numbers: Vec::new(),
        };
        Resolved {
            twilio: None,
            exotel: None,
            agents: None,
            statuses: vec![status("twilio"), status("exotel")],
        }
    }
}

/// Builds the configuration from the credentials, the saved settings and the environment (blocking: the
/// keychain is an IPC round trip).
pub fn resolve(
    creds: &Credentials,
    settings: &CarrierSettings,
    env: &CarrierEnv,
) -> Result<Resolved, SecretStoreError> {
    let sources: HashMap<SecretName, Option<SecretSource>> = creds
        .statuses()?
        .into_iter()
        .map(|s| (s.name, s.source))
        .collect();
    let by_env = |names: &[SecretName]| -> Vec<String> {
        names
            .iter()
            .filter(|n| sources.get(n).copied().flatten() == Some(SecretSource::Env))
            .map(|n| n.as_str().to_owned())
            .collect()
    };
    let need = |missing: &mut Vec<String>, value: &Option<Secret>, label: &str| {
        if value.is_none() {
            missing.push(label.to_owned());
        }
    };

    let tw = creds.twilio()?;
    let mut tw_missing = Vec::new();
    need(&mut tw_missing, &tw.account_sid, "Account SID");
    need(&mut tw_missing, &tw.auth_token, "Auth token");
    let mut tw_env = by_env(&[SecretName::TwilioAccountSid, SecretName::TwilioAuthToken]);
    if creds.base_url_override("twilio").is_some() {
        tw_env.push("base_url".into());
    }
    let twilio = match (&tw.account_sid, &tw.auth_token) {
        (Some(sid), Some(token)) => Some(twilio::TwilioConfig::new(
            sid.expose().to_owned(),
            token.clone(),
            tw.base_url.clone(),
        )),
        _ => None,
    };

    let ex = creds.exotel()?;
    let mut ex_missing = Vec::new();
    need(&mut ex_missing, &ex.account_sid, "Account SID");
    need(&mut ex_missing, &ex.api_key, "API key");
    need(&mut ex_missing, &ex.api_token, "API token");
    need(&mut ex_missing, &ex.webhook_secret, "webhook path secret");
    let flow_id = env
        .exotel_flow_id
        .clone()
        .unwrap_or_else(|| settings.exotel.flow_id.clone());
    if flow_id.is_empty() {
        ex_missing.push("flow id".into());
    }
    let mut ex_env = by_env(&[
        SecretName::ExotelAccountSid,
        SecretName::ExotelApiKey,
        SecretName::ExotelApiToken,
        SecretName::ExotelWebhookSecret,
    ]);
    if env.exotel_flow_id.is_some() {
        ex_env.push("exotel.flow_id".into());
    }
    let ex_base = match creds.base_url_override("exotel") {
        Some(url) => {
            ex_env.push("base_url".into());
            url.to_owned()
        }
        None => settings.exotel.region.base_url().to_owned(),
    };
    let exotel = match (&ex.account_sid, &ex.api_key, &ex.api_token, &ex.webhook_secret) {
        (Some(sid), Some(key), Some(token), Some(secret)) if !flow_id.is_empty() => {
            Some(exotel::ExotelConfig {
                account_sid: sid.expose().to_owned(),
                api_key: key.expose().to_owned(),
                api_token: token.clone(),
                base_url: ex_base.clone(),
                flow_id,
                webhook_secret: secret.clone(),
                ring_timeout_s: 30,
                time_limit_s: 900,
                record: true,
            })
        }
        _ => None,
    };

    let el = creds.elevenlabs()?;
    let agents = el.api_key.map(|api_key| ElevenLabsConfig {
        api_key,
        base_url: el.base_url,
        default_agent: env.elevenlabs_agent.clone(),
    });

    Ok(Resolved {
        statuses: vec![
            CarrierStatus {
                provider: "twilio".into(),
                configured: twilio.is_some(),
                missing: tw_missing,
                from_env: tw_env,
                base_url: tw.base_url,
                numbers: settings.twilio.from_numbers.clone(),
            },
            CarrierStatus {
                provider: "exotel".into(),
                configured: exotel.is_some(),
                missing: ex_missing,
                from_env: ex_env,
                base_url: ex_base,
                numbers: settings.exotel.caller_ids.clone(),
            },
        ],
        twilio,
        exotel,
        agents,
    })
}

/// [`resolve`] for an app: its credentials, its saved settings, the process environment. Blocking.
pub fn resolve_for(app: &App) -> Result<Resolved, String> {
    let settings = app
        .store
        .read_blocking(CarrierSettings::load)
        .map_err(|e| e.to_string())?;
    resolve(&app.credentials(), &settings, &CarrierEnv::from_env()).map_err(|e| e.to_string())
}

/// The carriers of one app: the live dialers the engine holds and the last resolved statuses.
#[derive(Default)]
pub struct Carriers {
    app: OnceLock<Weak<App>>,
    twilio: Arc<LiveCarrier>,
    exotel: Arc<LiveCarrier>,
    statuses: RwLock<Vec<CarrierStatus>>,
}

impl std::fmt::Debug for Carriers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carriers")
            .field("installed", &self.installed())
            .finish_non_exhaustive()
    }
}

impl Carriers {
    /// Whether `install` ran (a launched instance; test apps that build their own dialers skip it).
    pub fn installed(&self) -> bool {
        self.app.get().is_some()
    }

    pub fn statuses(&self) -> Vec<CarrierStatus> {
        match self.statuses.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    pub fn status(&self, provider: &str) -> Option<CarrierStatus> {
        self.statuses().into_iter().find(|s| s.provider == provider)
    }

    /// Why a campaign on `provider` cannot start now, as (field, sentence); `None` when it can (or when the
    /// provider is not a carrier, or the carriers are not managed here).
    pub fn start_problem(
        &self,
        provider: Provider,
        agent_id: Option<i64>,
        from_number: &str,
    ) -> Option<(&'static str, String)> {
        let label = match provider {
            Provider::Twilio => "Twilio",
            Provider::Exotel => "Exotel",
            _ => return None,
        };
        if !self.installed() {
            return None;
        }
        let status = self.status(provider.as_str())?;
        if !status.configured {
            return Some((
                "provider",
                format!(
                    "{label} is not configured: the {} {} missing. Add {} in Settings › {label}.",
                    join_and(&status.missing),
                    if status.missing.len() == 1 { "is" } else { "are" },
                    if status.missing.len() == 1 { "it" } else { "them" },
                ),
            ));
        }
        if agent_id.is_none() {
            return Some((
                "agent_id",
                format!("choose the AI agent that {label} calls are bridged to"),
            ));
        }
        if from_number.trim().is_empty() && status.numbers.is_empty() {
            return Some((
                "from_number",
                format!(
                    "{label} needs a caller number: set one on the campaign or add one in Settings › {label}"
                ),
            ));
        }
        None
    }

    fn apply(&self, app: &Arc<App>, resolved: Resolved) {
        let default_of = |p: &str| {
            resolved
                .statuses
                .iter()
                .find(|s| s.provider == p)
                .and_then(|s| s.numbers.first().cloned())
                .unwrap_or_default()
        };
        let not_ready = |p: &str, label: &str| {
            let missing = resolved
                .statuses
                .iter()
                .find(|s| s.provider == p)
                .map(|s| join_and(&s.missing))
                .unwrap_or_default();
            format!("{label} is not configured (missing: {missing}); add it in Settings › {label}")
        };
        let client = resolved
            .twilio
            .clone()
            .map(|c| Arc::new(twilio::TwilioClient::new(c)));
        self.twilio.set(LiveState {
            dialer: client
                .clone()
                .map(|c| Arc::new(twilio::TwilioDialer::new(app.clone(), c)) as Arc<dyn Dialer>),
            not_ready: not_ready("twilio", "Twilio"),
            default_from: default_of("twilio"),
        });
        self.exotel.set(LiveState {
            dialer: resolved
                .exotel
                .clone()
                .map(|c| Arc::new(exotel::ExotelDialer::new(app.clone(), c)) as Arc<dyn Dialer>),
            not_ready: not_ready("exotel", "Exotel"),
            default_from: default_of("exotel"),
        });
        let old = app.media_sessions.bridge();
        let agents = resolved
            .agents
            .clone()
            .map(|c| Arc::new(ElevenLabsAgents::new(c, old.answer_timeout)) as Arc<dyn AgentBackend>);
        app.media_sessions.configure(Bridge {
            agents,
            twilio: client,
            ..(*old).clone()
        });
        match self.statuses.write() {
            Ok(mut s) => *s = resolved.statuses,
            Err(p) => *p.into_inner() = resolved.statuses,
        }
    }
}

/// Registers the live Twilio and Exotel dialers in `dialers` and applies `resolved` (launch).
pub fn install(app: &Arc<App>, resolved: Resolved, dialers: &mut HashMap<String, Arc<dyn Dialer>>) {
    let _ = app.carriers.app.set(Arc::downgrade(app));
    dialers.insert("twilio".into(), app.carriers.twilio.clone());
    dialers.insert("exotel".into(), app.carriers.exotel.clone());
    app.carriers.apply(app, resolved);
}

/// Re-reads credentials and settings and swaps the live dialers (after a secret or a carrier setting
/// changed). Does nothing in an app where [`install`] did not run.
pub async fn reload(app: &App) {
    let Some(app) = app.carriers.app.get().and_then(Weak::upgrade) else {
        return;
    };
    let for_resolve = app.clone();
    match tokio::task::spawn_blocking(move || resolve_for(&for_resolve)).await {
        Ok(Ok(resolved)) => {
            app.carriers.apply(&app, resolved);
            tracing::info!("carrier configuration reloaded");
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot reload the carriers; the previous configuration stays")
        }
        Err(e) => tracing::warn!(error = %e, "the carrier reload task failed"),
    }
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[derive(Default, Clone)]
struct LiveState {
    dialer: Option<Arc<dyn Dialer>>,
    /// Why there is no dialer, for the error a dial gets.
    not_ready: String,
    /// The caller number for campaigns that leave theirs empty.
    default_from: String,
}

/// A carrier's dialer that can be replaced while the engine holds it.
#[derive(Default)]
pub struct LiveCarrier {
    state: RwLock<LiveState>,
}

impl LiveCarrier {
    fn get(&self) -> LiveState {
        match self.state.read() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set(&self, state: LiveState) {
        match self.state.write() {
            Ok(mut s) => *s = state,
            Err(p) => *p.into_inner() = state,
        }
    }

    fn or_unavailable<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Arc<dyn Dialer>) -> BoxFuture<'static, Result<T, DialError>>,
    ) -> BoxFuture<'static, Result<T, DialError>> {
        let state = self.get();
        match &state.dialer {
            Some(d) => f(d),
            None => Box::pin(async move { Err(DialError::Unavailable(state.not_ready)) }),
        }
    }
}

impl Dialer for LiveCarrier {
    fn capabilities(&self) -> Capabilities {
        match self.get().dialer {
            Some(d) => d.capabilities(),
            None => Capabilities {
                hang_up: true,
                whisper: false,
                transfer: false,
            },
        }
    }

    fn dial(&self, mut request: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        let state = self.get();
        if request.from_number.trim().is_empty() {
            request.from_number = state.default_from.clone();
        }
        match state.dialer {
            Some(d) => d.dial(request),
            // Nothing was placed: the attempt failed, for a reason the user can fix.
            None => Box::pin(async move { Err(DialError::Rejected(state.not_ready)) }),
        }
    }

    fn hang_up(&self, call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        self.or_unavailable(|d| d.hang_up(call))
    }

    fn reconcile(&self, call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        self.or_unavailable(|d| d.reconcile(call))
    }

    fn whisper(&self, call: CallRef, text: String) -> BoxFuture<'static, Result<(), DialError>> {
        self.or_unavailable(|d| d.whisper(call, text))
    }

    fn transfer(&self, call: CallRef, to_number: String) -> BoxFuture<'static, Result<(), DialError>> {
        self.or_unavailable(|d| d.transfer(call, to_number))
    }
}

#[cfg(test)]
mod tests;
