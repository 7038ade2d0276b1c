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
    secret_store::{Credentials, EnvOverrides, SecretName, SecretStore},
    setup::settings::Settings,
    webhooks::source_ip::IpAllowList,
};

/// Where the UI listener binds unless told otherwise (loopback only).
pub const DEFAULT_UI_ADDR: &str = "127.0.0.1:8787";
/// Where the public listener (webhooks, media streams) binds unless told otherwise; the tunnel points here.
pub const DEFAULT_PUBLIC_ADDR: &str = "127.0.0.1:8788";

/// How to start an instance.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    pub app: AppOptions,
    /// `CALLBOARD_*` secrets and base URLs (and the CLI's flags); they win over the secret store.
    pub overrides: EnvOverrides,
    /// The secret store; `None` = the OS keychain, else the encrypted file in the data dir.
    pub secret_store: Option<Arc<dyn SecretStore>>,
    pub ui_addr: SocketAddr,
    pub public_addr: SocketAddr,
    /// Take any free port when an address is in use (the desktop app must start even when another copy
    /// holds the default ports); `serve` fails instead, since scripts rely on the port they asked for.
    pub fallback_to_any_port: bool,
    /// Bind the ports stored in Settings (`ui_port`, `public_port`) on loopback instead of `ui_addr` and
    /// `public_addr` (the desktop app, when no address is given in the environment).
    pub ports_from_settings: bool,
    pub ui_dir: Option<PathBuf>,
    /// How much faster than real time the simulator's calls run.
    pub sim_speed: f64,
}

/// A running instance.
pub struct Launched {
    pub app: Arc<App>,
    pub listeners: Running,
    engine: tokio::task::JoinHandle<()>,
    /// Stops background setup tasks (scheduled backups).
    setup_stop: tokio_util::sync::CancellationToken,
    _runtime_file: Option<RuntimeFile>,
}

/// Writes a start-up banner to stdout and flushes it. A closed stdout (a launcher or a test that stopped
/// reading) must not stop the app: `println!` would panic on the broken pipe, so write errors are ignored.
pub fn print_banner(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
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
        self.setup_stop.cancel();
        crate::setup::control::stop_tunnel(&self.app).await;
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
    let (app_options, overrides, secret_store) = (options.app, options.overrides, options.secret_store);
    let exotel_allowed = exotel_allow_list_from_env()?;
    let launched = tokio::task::spawn_blocking(
        move || -> Result<(Arc<App>, Settings, ElConfig, CarrierConfig), String> {
            // A restore staged by `backup.restore` is applied before the store opens.
            let restored = crate::setup::restore::apply_pending(
                &app_options.data_dir,
                &crate::clock::to_db(crate::clock::Clock::now(&SystemClock)),
            );
            let app = App::open(app_options).map_err(|e| e.to_string())?;
            crate::setup::restore::report(&app, restored);
            crate::openai::sip_missed::close_missed_at_start(&app);
            let (store, warning) = match secret_store {
                Some(s) => (s, None),
                None => crate::secret_store::open_default(app.data_dir()),
            };
            app.set_credentials(Credentials::new(store, overrides, warning));
            if app.info().demo {
                // The simulator signs its webhooks; a provider without a secret gets a random one for real checks.
                app.set_provider_secrets(demo::random_secrets(app.webhooks.secrets()));
            }
            app.webhooks.set_exotel_allowed(exotel_allowed);
            let settings = app
                .store
                .read_blocking(Settings::load)
                .map_err(|e| e.to_string())?;
            let elevenlabs = elevenlabs_config(&app);
            let carriers = providers::carriers::resolve_for(&app).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the carrier credentials; Twilio and Exotel stay off");
                providers::carriers::Resolved::unreadable(&e)
            });
            if app.info().demo && demo::seed(&app.store, &SystemClock).map_err(|e| e.to_string())? {
                tracing::info!("seeded demo data");
            }
            Ok((app, settings, elevenlabs, carriers))
        },
    )
    .await
    .map_err(|e| e.to_string())??;
    let (app, settings, elevenlabs_config, carriers) = launched;
    let bind = |addr: SocketAddr, what: &'static str| async move {
        listener::bind(addr, options.fallback_to_any_port)
            .await
            .map_err(|e| format!("cannot listen on {addr} for the {what}: {e}"))
    };
    let (ui_addr, public_addr) = if options.ports_from_settings {
        let on = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        (on(settings.ui_port), on(settings.public_port))
    } else {
        (options.ui_addr, options.public_addr)
    };
    let ui = bind(ui_addr, "UI").await?;
    let public = bind(public_addr, "public listener").await?;
    let ui_dir = options.ui_dir.or_else(crate::paths::default_ui_dir);
    if ui_dir.is_none() {
        tracing::warn!("the built UI was not found; run `npm --prefix ui run build` or pass --ui-dir");
    }
    let listeners = listener::start(app.clone(), ui, public, ui_dir).map_err(|e| e.to_string())?;
    let elevenlabs = Arc::new(providers::elevenlabs::ElevenLabs::new(
        elevenlabs_config,
        app.clock.clone(),
        Arc::new(KeptWebhookSecret(app.clone())),
    ));
    let _ = app.elevenlabs.set(elevenlabs.clone());
    let mut dialers = providers::dialers(&app, options.sim_speed);
    providers::carriers::install(&app, carriers, &mut dialers);
    // Calls whose agent is an OpenAI Realtime profile are bridged to OpenAI (with the key set at the time).
    let profiles = Arc::new(crate::openai::realtime::StoredProfiles(app.clone()));
    crate::openai::realtime::install_from_credentials(&app, profiles);
    // The API acts on calls in flight through the same dialers as the engine.
    let mut controls = dialers.clone();
    // Realtime SIP calls come in; the console still hangs them up and transfers them.
    crate::openai::sip_dialer::add_to(&app, &mut controls);
    app.call_controls.set(controls);
    crate::live::recorder::spawn(app.clone(), listeners.shutdown.clone());
    let engine = Engine::new(app.clone(), dialers).spawn(listeners.shutdown.clone());
    let _elevenlabs_task = providers::elevenlabs::spawn(app.clone(), elevenlabs, listeners.shutdown.clone());
    let setup_stop = tokio_util::sync::CancellationToken::new();
    crate::setup::control::on_start(&app, &settings, setup_stop.clone()).await;
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
        setup_stop,
        _runtime_file: runtime_file,
    })
}

/// `CALLBOARD_EXOTEL_ALLOWED_IPS`: the addresses Exotel may call from (unset: any).
fn exotel_allow_list_from_env() -> Result<Option<IpAllowList>, String> {
    match std::env::var("CALLBOARD_EXOTEL_ALLOWED_IPS") {
        Ok(v) => v
            .parse()
            .map(Some)
            .map_err(|e| format!("CALLBOARD_EXOTEL_ALLOWED_IPS: {e}")),
        Err(_) => Ok(None),
    }
}

type ElConfig = providers::elevenlabs::ElevenLabsConfig;

/// ElevenLabs' key and region from the credentials (environment first, then the secret store); the
/// reconciliation timings from the environment.
fn elevenlabs_config(app: &App) -> ElConfig {
    let mut config = ElConfig::from_env();
    match app.credentials().elevenlabs() {
        Ok(c) => {
            config.api_key = c.api_key;
            config.base_url = c.base_url.trim_end_matches('/').to_owned();
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the ElevenLabs key; the provider stays off"),
    }
    config
}

/// Keeps the secret of a webhook ElevenLabs registered for us in the secret store (the provider hands it
/// to the running verifier itself), so it survives a restart.
struct KeptWebhookSecret(Arc<App>);

impl providers::elevenlabs::WebhookSecretSink for KeptWebhookSecret {
    fn store(&self, _webhook_id: &str, secret: &crate::secret::Secret) -> Result<(), String> {
        self.0
            .credentials()
            .set(SecretName::ElevenlabsWebhookSecret, secret)
            .map_err(|e| e.to_string())
    }
}

type CarrierConfig = providers::carriers::Resolved;
