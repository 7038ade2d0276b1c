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
    /// Live media-bridge sessions and the bridge's configuration.
    pub media_sessions: crate::media::MediaSessions,
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
            public_base_url: options.public_base_url,
        };
        Arc::new(App {
            store,
            events: EventBus::default(),
            clock,
            imports: Arc::default(),
            webhooks: Hub::new(ProviderSecrets::default()),
            media_taps: Default::default(),
            media_sessions: Default::default(),
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

    pub(crate) fn set_listeners(&self, ui: SocketAddr, public: SocketAddr) {
        let mut info = match self.info.write() {
            Ok(i) => i,
            Err(poisoned) => poisoned.into_inner(),
        };
        info.ui_url = Some(format!("http://{ui}/"));
        info.public_listener = Some(format!("http://{public}"));
    }

    /// The UI URL with its token in the fragment (the fragment never reaches a server log).
    pub fn ui_url_with_token(&self) -> Option<String> {
        self.info()
            .ui_url
            .map(|u| format!("{u}#token={}", self.ui_token.expose()))
    }
}
