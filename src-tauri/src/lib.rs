//! The desktop shell, and only the shell: opens the core in the app data dir, starts both listeners (so a
//! browser or `callboard campaign …` can reach the same instance), registers `rpc`, forwards events to the
//! window. Everything the product does lives in `callboard-core`.
//!
//! The `CALLBOARD_*` test hooks (data dir, addresses, demo) are read by
//! `callboard_core::desktop::options`.

mod events;
mod media;
mod notify;
mod rpc;
mod tray;

use std::sync::Arc;

use callboard_core::{
    app::App,
    desktop::options,
    launch::{Launched, launch, print_banner},
};
use tauri::Manager;

/// What the shell keeps alive for the app's lifetime.
pub struct Shell {
    pub app: Arc<App>,
    _instance: Launched,
}

/// Opens the core and starts the listeners and the engine; returns what the window needs.
async fn start_core() -> Result<Shell, String> {
    let instance = launch(options::launch_options(|k| std::env::var(k).ok())).await?;
    let (ui, public) = (instance.listeners.ui_addr, instance.listeners.public_addr);
    print_banner(&options::ready_line(ui, public));
    Ok(Shell {
        app: instance.app.clone(),
        _instance: instance,
    })
}

pub fn run() {
    let data_dir = options::data_dir(&|k| std::env::var(k).ok());
    let _log_guard = callboard_core::logging::init(&data_dir, "callboard-desktop");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |tauri_app| {
            let shell = tauri::async_runtime::block_on(start_core())?;
            let handle = tauri_app.handle().clone();
            events::forward(shell.app.clone(), handle.clone());
            notify::spawn(shell.app.clone(), handle.clone());
            tray::start(shell.app.clone(), &handle);
            // `app.restart` (finishing a staged restore) restarts this process (the core waits for its answer
            // to get out first).
            shell
                .app
                .setup
                .set_restart_handler(Arc::new(move || handle.restart()));
            tauri_app.manage(shell);
            media::enable_media_stream(tauri_app);
            Ok(())
        })
        .on_permission_request(media::permission)
        .invoke_handler(tauri::generate_handler![rpc::rpc, rpc::save_download])
        .run(tauri::generate_context!("tauri.conf.json"));
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app stopped with an error");
        eprintln!("Callboard could not start: {e}");
        std::process::exit(1);
    }
}
