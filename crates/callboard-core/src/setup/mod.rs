//! Getting an install from "installed" to "first real campaign": typed settings ([`settings`]), the public
//! URL and the tunnel that provides it ([`tunnel`]), the reachability self-test ([`selftest`]), provider
//! connection checks ([`provider_check`]), backup/restore ([`backup`]) and recording retention ([`retention`]). Credentials themselves live in
//! `secret_store`; [`SetupState`] is what the running app keeps about all of this.

pub mod backup;
pub mod control;
pub mod provider_check;
pub mod restore;
pub mod retention;
pub mod selftest;
pub mod settings;
pub mod tunnel;
pub mod wipe;

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use crate::{secret::Secret, secret_store::Credentials};

/// Where the effective public base URL comes from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicUrlSource {
    /// `CALLBOARD_PUBLIC_URL` / `--public-url`.
    Env,
    /// The URL the user typed in Settings.
    Settings,
    /// The URL the supervised tunnel reported.
    Tunnel,
}

/// What the running app knows about its setup; one per [`crate::app::App`].
pub struct SetupState {
    credentials: RwLock<Arc<Credentials>>,
    /// From the environment or the CLI flag; wins over settings and the tunnel.
    public_url_override: Option<String>,
    settings_url: RwLock<Option<String>>,
    tunnel_url: RwLock<Option<String>>,
    /// Keys the self-test's proof (`HMAC(key, nonce)`); never leaves the process.
    selftest_key: Secret,
    last_selftest: RwLock<Option<selftest::SelfTestResult>>,
    tunnel_status: RwLock<tunnel::TunnelStatus>,
    /// The running tunnel supervisor, if the app runs one.
    pub(crate) tunnel: tokio::sync::Mutex<Option<tunnel::TunnelHandle>>,
    /// The public listener's port, for the tunnel to forward to (set when the listeners start).
    pub(crate) public_port: std::sync::atomic::AtomicU16,
    /// For self-tests and provider checks.
    pub http: reqwest::Client,
    /// The app this belongs to, for background tasks started from a command handler (which has `&App`).
    app: std::sync::Weak<crate::app::App>,
    /// How to restart the process (the desktop shell sets it; `callboard serve` has none).
    restart: RwLock<Option<RestartHandler>>,
}

/// Restarts the process; set by a host that can (the desktop app).
pub type RestartHandler = Arc<dyn Fn() + Send + Sync>;
/// How long a restart waits after it was asked for, so the command's answer reaches the window first.
pub const RESTART_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|p| p.into_inner()) = value;
}

impl SetupState {
    pub fn new(public_url_override: Option<String>, app: std::sync::Weak<crate::app::App>) -> SetupState {
        SetupState {
            credentials: RwLock::new(Arc::new(Credentials::in_memory())),
            public_url_override: public_url_override
                .map(|u| u.trim().trim_end_matches('/').to_owned())
                .filter(|u| !u.is_empty()),
            settings_url: RwLock::default(),
            tunnel_url: RwLock::default(),
            selftest_key: Secret::random(),
            last_selftest: RwLock::default(),
            tunnel_status: RwLock::new(tunnel::TunnelStatus::default()),
            tunnel: tokio::sync::Mutex::new(None),
            public_port: std::sync::atomic::AtomicU16::new(0),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            app,
            restart: RwLock::new(None),
        }
    }

    /// Lets `app.restart` restart the process (finishing a staged restore).
    pub fn set_restart_handler(&self, handler: RestartHandler) {
        write(&self.restart, Some(handler));
    }

    /// Whether this host can restart itself.
    pub fn can_restart(&self) -> bool {
        read(&self.restart).is_some()
    }

    /// Restarts the process if the host can; whether it will. The host's handler runs [`RESTART_DELAY`]
    /// later, so the answer to `app.restart` gets out first (call from within the tokio runtime).
    pub fn request_restart(&self) -> bool {
        match read(&self.restart) {
            Some(restart) => {
                tokio::spawn(async move {
                    tokio::time::sleep(RESTART_DELAY).await;
                    restart();
                });
                true
            }
            None => false,
        }
    }

    /// The app, while it is alive.
    pub fn app(&self) -> Option<Arc<crate::app::App>> {
        self.app.upgrade()
    }

    /// The credential resolver (see `secret_store`'s module doc).
    pub fn credentials(&self) -> Arc<Credentials> {
        read(&self.credentials)
    }

    pub(crate) fn set_credentials(&self, c: Credentials) {
        write(&self.credentials, Arc::new(c));
    }

    /// The effective public base URL and where it comes from.
    pub fn public_url(&self) -> Option<(String, PublicUrlSource)> {
        if let Some(u) = &self.public_url_override {
            return Some((u.clone(), PublicUrlSource::Env));
        }
        if let Some(u) = read(&self.settings_url) {
            return Some((u, PublicUrlSource::Settings));
        }
        read(&self.tunnel_url).map(|u| (u, PublicUrlSource::Tunnel))
    }

    pub(crate) fn set_settings_url(&self, url: Option<String>) {
        write(&self.settings_url, url);
    }

    pub(crate) fn tunnel_url_is_set(&self) -> bool {
        read(&self.tunnel_url).is_some()
    }

    pub(crate) fn set_tunnel_url(&self, url: Option<String>) {
        write(&self.tunnel_url, url);
    }

    pub fn selftest_key(&self) -> &Secret {
        &self.selftest_key
    }

    pub fn last_selftest(&self) -> Option<selftest::SelfTestResult> {
        read(&self.last_selftest)
    }

    pub(crate) fn set_last_selftest(&self, r: selftest::SelfTestResult) {
        write(&self.last_selftest, Some(r));
    }

    pub fn tunnel_status(&self) -> tunnel::TunnelStatus {
        read(&self.tunnel_status)
    }

    pub(crate) fn set_tunnel_status(&self, s: tunnel::TunnelStatus) {
        write(&self.tunnel_status, s);
    }
}
