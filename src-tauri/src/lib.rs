//! The desktop shell, and only the shell: opens the core in the app data dir, starts both listeners (so a
//! browser or `callboard campaign …` can reach the same instance), registers `rpc`, forwards events to the
//! window. Everything the product does lives in `callboard-core`.
//!
//! Test hooks, all optional: `CALLBOARD_DATA_DIR` (a temp data dir), `CALLBOARD_UI_ADDR` and
//! `CALLBOARD_PUBLIC_ADDR` (`127.0.0.1:0` for any free port), `CALLBOARD_DEMO=1`.

mod events;
mod logging;
mod media;
mod notify;
mod rpc;
mod tray;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use callboard_core::{
    app::{App, AppOptions},
    launch::{LaunchOptions, Launched, launch},
    secret_store::EnvOverrides,
};
use tauri::Manager;

/// What the shell keeps alive for the app's lifetime.
pub struct Shell {
    pub app: Arc<App>,
    _instance: Launched,
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

/// Opens the core and starts the listeners and the engine; returns what the window needs.
async fn start_core(data_dir: PathBuf) -> Result<Shell, String> {
    let instance = launch(LaunchOptions {
        app: AppOptions {
            data_dir,
            demo: std::env::var("CALLBOARD_DEMO").is_ok_and(|v| v == "1" || v == "true"),
            public_base_url: std::env::var("CALLBOARD_PUBLIC_URL").ok(),
        },
        // Secrets from the OS keychain (or the encrypted file); `CALLBOARD_*` variables win.
        overrides: EnvOverrides::from_env(),
        secret_store: None,
        ui_addr: env_addr("CALLBOARD_UI_ADDR", "127.0.0.1:8787"),
        public_addr: env_addr("CALLBOARD_PUBLIC_ADDR", "127.0.0.1:8788"),
        fallback_to_any_port: true,
        // Settings → ports, unless the environment names the addresses (tests, scripts).
        ports_from_settings: std::env::var_os("CALLBOARD_UI_ADDR").is_none()
            && std::env::var_os("CALLBOARD_PUBLIC_ADDR").is_none(),
        ui_dir: None,
        sim_speed: std::env::var("CALLBOARD_SIM_SPEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0),
    })
    .await?;
    // Scripts (and the desktop end-to-end test) read this line to learn the ports.
    let (ui, public) = (instance.listeners.ui_addr, instance.listeners.public_addr);
    println!("Callboard desktop ready: UI http://{ui} Public http://{public}");
    Ok(Shell {
        app: instance.app.clone(),
        _instance: instance,
    })
}

pub fn run() {
    let data_dir = data_dir();
    let _log_guard = logging::init(&data_dir);
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |tauri_app| {
            let shell = tauri::async_runtime::block_on(start_core(data_dir))?;
            let handle = tauri_app.handle().clone();
            events::forward(shell.app.clone(), handle.clone());
            notify::spawn(shell.app.clone(), handle.clone());
            tray::start(shell.app.clone(), &handle);
            // `app.restart` (finishing a staged restore) restarts this process, once the answer is out.
            shell.app.setup.set_restart_handler(Arc::new(move || {
                let handle = handle.clone();
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    handle.restart();
                });
            }));
            tauri_app.manage(shell);
            media::enable_media_stream(tauri_app);
            Ok(())
        })
        .on_permission_request(media::permission)
        .invoke_handler(tauri::generate_handler![rpc::rpc])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app stopped with an error");
        eprintln!("Callboard could not start: {e}");
        std::process::exit(1);
    }
}
