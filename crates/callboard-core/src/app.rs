//! The running product: the store, the event bus, the clock and what the UI is told about this instance.
//! The CLI and the Tauri shell each build one `App` and hand it to the listeners and the command table.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
};

use serde::{Deserialize, Serialize};

use crate::{
    clock::{Clock, SystemClock},
    events::EventBus,
    secret::Secret,
    store::{Store, StoreError},
    webhooks::{ProviderSecrets, hub::Hub},
};

/// The database file's name inside the data dir.
pub const DATABASE_FILE: &str = "callboard.db";

/// What `app.info` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database_path: String,
    pub schema_version: u32,
    pub demo: bool,
    pub ui_url: Option<String>,
    pub public_listener: Option<String>,
    pub public_base_url: Option<String>,
    /// Where `public_base_url` comes from: `env`, `settings` or `tunnel`.
    #[serde(default)]
    pub public_base_url_source: Option<crate::setup::PublicUrlSource>,
    /// Where secrets are kept: `keychain`, `file` (less secure) or `memory`.
    #[serde(default = "default_secret_store")]
    pub secret_store: crate::secret_store::StoreKind,
    /// Set when secrets fall back to the encrypted file: say so to the user.
    #[serde(default)]
    pub secret_store_warning: Option<String>,
}

fn default_secret_store() -> crate::secret_store::StoreKind {
    crate::secret_store::StoreKind::Memory
}

pub struct App {
    pub store: Store,
    pub events: EventBus,
    pub clock: Arc<dyn Clock>,
    /// Imports running in the background (`import.commit`).
    pub imports: Arc<crate::import::jobs::Jobs>,
    /// Webhook secrets, guard and the applier's queue.
    pub webhooks: Hub,
    /// Live-listen audio of calls with a media stream.
    pub media_taps: crate::media_tap::MediaTaps,
    /// The ElevenLabs provider, once launch (or a test) has configured it.
    pub elevenlabs: std::sync::OnceLock<Arc<crate::providers::elevenlabs::ElevenLabs>>,
    /// The dialers that hang up, whisper to and transfer calls in flight (filled by `launch`).
    pub call_controls: crate::live::CallControls,
    /// Credentials, public URL, tunnel and self-test state (issue 10).
    pub setup: crate::setup::SetupState,
    /// Live media-bridge sessions and the bridge's configuration.
    pub media_sessions: crate::media::MediaSessions,
    /// Twilio and Exotel, reloaded when their keys or settings change (installed by `launch`).
    pub carriers: crate::providers::carriers::Carriers,
    /// The OpenAI Realtime conversations in progress, so a supervisor's override reaches the model.
    pub realtime_live: crate::openai::realtime::live::LiveConversations,
    data_dir: PathBuf,
    ui_token: Secret,
    /// Keys the one-time tokens that media streams present (see [`App::media_token`]).
    media_key: Secret,
    info: RwLock<AppInfo>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// How an app is opened.
#[derive(Debug, Clone)]
pub struct AppOptions {
    pub data_dir: PathBuf,
    pub demo: bool,
    pub public_base_url: Option<String>,
}

impl App {
    /// Opens (creating and migrating) the database in `options.data_dir`.
    pub fn open(options: AppOptions) -> Result<Arc<App>, StoreError> {
        let store = Store::open(&options.data_dir.join(DATABASE_FILE))?;
        // A data dir seeded with demo data stays labelled as demo even when started without --demo.
        let seeded = store.read_blocking(|c| {
            Ok(c.query_row(
                "SELECT EXISTS(SELECT 1 FROM settings WHERE key = ?1)",
                [crate::demo::DEMO_SETTING],
                |r| r.get::<_, bool>(0),
            )?)
        })?;
        let options = AppOptions {
            demo: options.demo || seeded,
            ..options
        };
        Ok(App::new(store, Arc::new(SystemClock), options))
    }

    /// Builds an app around an existing store and clock (tests pass an in-memory store and a manual clock).
    pub fn new(store: Store, clock: Arc<dyn Clock>, options: AppOptions) -> Arc<App> {
        let database_path = store
            .path()
            .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string());
        let info = AppInfo {
            version: crate::VERSION.into(),
            data_dir: options.data_dir.display().to_string(),
            database_path,
            schema_version: store.schema_version(),
            demo: options.demo,
            ui_url: None,
            public_listener: None,
            public_base_url: options.public_base_url.clone(),
            public_base_url_source: options
                .public_base_url
                .as_ref()
                .map(|_| crate::setup::PublicUrlSource::Env),
            secret_store: crate::secret_store::StoreKind::Memory,
            secret_store_warning: None,
        };
        Arc::new_cyclic(|me| App {
            store,
            events: EventBus::default(),
            clock,
            imports: Arc::default(),
            webhooks: Hub::new(ProviderSecrets::default()),
            media_taps: Default::default(),
            elevenlabs: std::sync::OnceLock::new(),
            call_controls: Default::default(),
            setup: crate::setup::SetupState::new(options.public_base_url, me.clone()),
            media_sessions: Default::default(),
            carriers: Default::default(),
            realtime_live: Default::default(),
            media_key: Secret::random(),
            data_dir: options.data_dir,
            ui_token: Secret::random(),
            info: RwLock::new(info),
        })
    }

    /// Sets the webhook secrets (env overrides now; the keychain later). Takes effect for the next delivery.
    pub fn set_provider_secrets(&self, secrets: ProviderSecrets) {
        self.webhooks.set_secrets(secrets);
    }

    /// Installs the credential resolver (launch does, with the OS keychain or the file fallback) and
    /// applies its webhook secrets.
    pub fn set_credentials(&self, credentials: crate::secret_store::Credentials) {
        let secrets = credentials.provider_secrets().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read webhook secrets; webhooks will be refused until fixed");
            ProviderSecrets::default()
        });
        {
            let mut info = match self.info.write() {
                Ok(i) => i,
                Err(poisoned) => poisoned.into_inner(),
            };
            info.secret_store = credentials.store_kind();
            info.secret_store_warning = credentials.warning().map(str::to_owned);
        }
        self.setup.set_credentials(credentials);
        self.set_provider_secrets(secrets);
    }

    /// The credential resolver: env overrides first, then the secret store (see `secret_store`).
    pub fn credentials(&self) -> Arc<crate::secret_store::Credentials> {
        self.setup.credentials()
    }

    /// Recomputes the effective public base URL (env > settings > tunnel) into `app.info`; returns it.
    pub fn refresh_public_url(&self) -> Option<String> {
        let effective = self.setup.public_url();
        let mut info = match self.info.write() {
            Ok(i) => i,
            Err(poisoned) => poisoned.into_inner(),
        };
        info.public_base_url = effective.as_ref().map(|(u, _)| u.clone());
        info.public_base_url_source = effective.as_ref().map(|(_, s)| *s);
        info.public_base_url.clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The per-launch token the UI listener requires.
    pub fn ui_token(&self) -> &Secret {
        &self.ui_token
    }

    /// The token a media stream for `call_id` must carry (a `<Parameter name="token">` in Twilio's TwiML,
    /// a query parameter for Exotel): an HMAC of the call id under a per-launch key, so nothing is stored
    /// and a token for one call is useless for another.
    pub fn media_token(&self, call_id: i64) -> String {
        use hmac::{Hmac, KeyInit, Mac};
        let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(self.media_key.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(&call_id.to_be_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `token` is the media token for `call_id` (constant-time).
    pub fn check_media_token(&self, call_id: i64, token: &str) -> bool {
        Secret::new(self.media_token(call_id)).matches(token)
    }

    pub fn info(&self) -> AppInfo {
        match self.info.read() {
            Ok(i) => i.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Labels this instance as demo (or not) after `demo.start` / `demo.leave`.
    pub fn set_demo(&self, demo: bool) {
        match self.info.write() {
            Ok(mut i) => i.demo = demo,
            Err(poisoned) => poisoned.into_inner().demo = demo,
        }
    }

    pub(crate) fn set_listeners(&self, ui: SocketAddr, public: SocketAddr) {
        let mut info = match self.info.write() {
            Ok(i) => i,
            Err(poisoned) => poisoned.into_inner(),
        };
        info.ui_url = Some(format!("http://{ui}/"));
        info.public_listener = Some(format!("http://{public}"));
        self.setup
            .public_port
            .store(public.port(), std::sync::atomic::Ordering::Relaxed);
    }

    /// The UI URL with its token in the fragment (the fragment never reaches a server log).
    pub fn ui_url_with_token(&self) -> Option<String> {
        self.info()
            .ui_url
            .map(|u| format!("{u}#token={}", self.ui_token.expose()))
    }
}
