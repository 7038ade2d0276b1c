//! The desktop shell, and only the shell: opens the core in the app data dir, starts both listeners (so a
//! browser or `callboard campaign …` can reach the same instance), registers `rpc`, forwards events to the
//! window. Everything the product does lives in `callboard-core`.
//!
//! Test hooks, all optional: `CALLBOARD_DATA_DIR` (a temp data dir), `CALLBOARD_UI_ADDR` and
//! `CALLBOARD_PUBLIC_ADDR` (`127.0.0.1:0` for any free port), `CALLBOARD_DEMO=1`.

mod events;
mod logging;
mod rpc;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use callboard_core::{
    app::{App, AppOptions},
    clock::SystemClock,
    demo,
    engine::Engine,
    listener, providers,
    runtime::{RuntimeFile, RuntimeInfo},
};
use tauri::Manager;

/// What the shell keeps alive for the app's lifetime.
pub struct Shell {
    pub app: Arc<App>,
    _listeners: listener::Running,
    _runtime_file: Option<RuntimeFile>,
}

fn env_addr(name: &str, default: &str) -> SocketAddr {
    let fallback = || {
        default
            .parse()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    };
    match std::env::var(name) {
        Ok(v) => v.parse().unwrap_or_else(|e| {
            tracing::warn!(variable = name, value = %v, error = %e, "ignoring an unparsable address");
            fallback()
        }),
        Err(_) => fallback(),
    }
}

fn data_dir() -> PathBuf {
    std::env::var_os("CALLBOARD_DATA_DIR").map_or_else(callboard_core::paths::default_data_dir, PathBuf::from)
}

/// Opens the core and starts the listeners; returns what the window needs.
async fn start_core(data_dir: PathBuf) -> Result<Shell, String> {
    let demo_requested = std::env::var("CALLBOARD_DEMO").is_ok_and(|v| v == "1" || v == "true");
    let options = AppOptions {
        data_dir: data_dir.clone(),
        demo: demo_requested,
        public_base_url: std::env::var("CALLBOARD_PUBLIC_URL").ok(),
    };
    let app = tokio::task::spawn_blocking(move || -> Result<Arc<App>, String> {
        let app = App::open(options).map_err(|e| e.to_string())?;
        // Webhook secrets from the environment until the keychain lands (issue 10).
        app.set_provider_secrets(callboard_core::webhooks::ProviderSecrets::from_env());
        if app.info().demo {
            demo::seed(&app.store, &SystemClock).map_err(|e| e.to_string())?;
        }
        Ok(app)
    })
    .await
    .map_err(|e| e.to_string())??;
    let ui = listener::bind(env_addr("CALLBOARD_UI_ADDR", "127.0.0.1:8787"), true).await;
    let public = listener::bind(env_addr("CALLBOARD_PUBLIC_ADDR", "127.0.0.1:8788"), true).await;
    let (ui, public) = (ui.map_err(|e| e.to_string())?, public.map_err(|e| e.to_string())?);
    let running = listener::start(app.clone(), ui, public, callboard_core::paths::default_ui_dir())
        .map_err(|e| e.to_string())?;
    let sim_speed = std::env::var("CALLBOARD_SIM_SPEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    Engine::new(app.clone(), providers::dialers(&app, sim_speed)).spawn(running.shutdown.clone());
    let runtime_file = RuntimeFile::write(
        &data_dir,
        &RuntimeInfo {
            pid: std::process::id(),
            ui_url: format!("http://{}/", running.ui_addr),
            token: app.ui_token().expose().to_owned(),
            public_url: format!("http://{}", running.public_addr),
        },
    )
    .map_err(|e| tracing::warn!(error = %e, "cannot write the runtime file"))
    .ok();
    tracing::info!(ui = %running.ui_addr, public = %running.public_addr, "desktop core started");
    // Scripts (and the desktop end-to-end test) read this line to learn the ports.
    println!(
        "Callboard desktop ready: UI http://{} Public http://{}",
        running.ui_addr, running.public_addr
    );
    Ok(Shell {
        app,
        _listeners: running,
        _runtime_file: runtime_file,
    })
}

pub fn run() {
    let data_dir = data_dir();
    let _log_guard = logging::init(&data_dir);
    let result = tauri::Builder::default()
        .setup(move |tauri_app| {
            let shell = tauri::async_runtime::block_on(start_core(data_dir))?;
            events::forward(shell.app.clone(), tauri_app.handle().clone());
            tauri_app.manage(shell);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![rpc::rpc])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app stopped with an error");
        eprintln!("Callboard could not start: {e}");
        std::process::exit(1);
    }
}
