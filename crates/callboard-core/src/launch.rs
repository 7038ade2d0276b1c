//! Starting and stopping a whole instance: open the data dir (seeding demo data when asked), bind both
//! listeners, start the engine with the available dialers, and write the runtime file. `callboard serve`
//! and the desktop shell both start through here, so they cannot drift apart.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use crate::{
    app::{App, AppOptions},
    clock::SystemClock,
    demo,
    engine::Engine,
    listener::{self, Running},
    providers,
    runtime::{RuntimeFile, RuntimeInfo},
    webhooks::ProviderSecrets,
};

/// How to start an instance.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    pub app: AppOptions,
    pub secrets: ProviderSecrets,
    pub ui_addr: SocketAddr,
    pub public_addr: SocketAddr,
    /// Take any free port when an address is in use (the desktop app must start even when another copy
    /// holds the default ports); `serve` fails instead, since scripts rely on the port they asked for.
    pub fallback_to_any_port: bool,
    pub ui_dir: Option<PathBuf>,
    /// How much faster than real time the simulator's calls run.
    pub sim_speed: f64,
}

/// A running instance.
pub struct Launched {
    pub app: Arc<App>,
    pub listeners: Running,
    engine: tokio::task::JoinHandle<()>,
    _runtime_file: Option<RuntimeFile>,
}

impl Launched {
    /// The UI address with its token, and the public listener's address.
    pub fn urls(&self) -> (String, String) {
        (
            self.app.ui_url_with_token().unwrap_or_default(),
            format!("http://{}", self.listeners.public_addr),
        )
    }

    /// Stops accepting, lets requests finish, stops the engine, and applies what was journaled (a crash
    /// instead leaves it for the next start).
    pub async fn stop(self) {
        self.listeners.stop().await;
        if let Err(e) = self.engine.await {
            tracing::error!(error = %e, "the engine task failed");
        }
        self.app.webhooks.settle().await;
    }
}

/// Starts an instance; the error is a sentence for the user.
pub async fn launch(options: LaunchOptions) -> Result<Launched, String> {
    let data_dir = options.app.data_dir.clone();
    let (app_options, secrets) = (options.app, options.secrets);
    let app = tokio::task::spawn_blocking(move || -> Result<Arc<App>, String> {
        let app = App::open(app_options).map_err(|e| e.to_string())?;
        app.set_provider_secrets(secrets);
        if app.info().demo && demo::seed(&app.store, &SystemClock).map_err(|e| e.to_string())? {
            tracing::info!("seeded demo data");
        }
        Ok(app)
    })
    .await
    .map_err(|e| e.to_string())??;
    let bind = |addr: SocketAddr, what: &'static str| async move {
        listener::bind(addr, options.fallback_to_any_port)
            .await
            .map_err(|e| format!("cannot listen on {addr} for the {what}: {e}"))
    };
    let ui = bind(options.ui_addr, "UI").await?;
    let public = bind(options.public_addr, "public listener").await?;
    let ui_dir = options.ui_dir.or_else(crate::paths::default_ui_dir);
    if ui_dir.is_none() {
        tracing::warn!("the built UI was not found; run `npm --prefix ui run build` or pass --ui-dir");
    }
    let listeners = listener::start(app.clone(), ui, public, ui_dir).map_err(|e| e.to_string())?;
    let mut dialers = providers::dialers(&app, options.sim_speed);
    // Carrier and agent accounts come from the environment until the keychain store lands.
    providers::add_carriers(&app, providers::CarrierConfig::from_env(), &mut dialers);
    let engine = Engine::new(app.clone(), dialers).spawn(listeners.shutdown.clone());
    let runtime_file = RuntimeFile::write(
        &data_dir,
        &RuntimeInfo {
            pid: std::process::id(),
            ui_url: format!("http://{}/", listeners.ui_addr),
            token: app.ui_token().expose().to_owned(),
            public_url: format!("http://{}", listeners.public_addr),
        },
    )
    .map_err(|e| tracing::warn!(error = %e, "cannot write the runtime file"))
    .ok();
    tracing::info!(ui = %listeners.ui_addr, public = %listeners.public_addr, "instance started");
    Ok(Launched {
        app,
        listeners,
        engine,
        _runtime_file: runtime_file,
    })
}
