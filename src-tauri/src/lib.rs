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

use callboard_core::{desktop::options, launch::Launched};
use tauri::Manager;

pub fn run() {
    let data_dir = options::data_dir(&|k| std::env::var(k).ok());
    let _log_guard = callboard_core::logging::init(&data_dir, "callboard-desktop");
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |tauri_app| {
            // Kept as the app's state for its lifetime (the listeners and the engine live as long as it).
            let core: Launched = tauri::async_runtime::block_on(options::start(|k| std::env::var(k).ok()))?;
            let handle = tauri_app.handle().clone();
            events::forward(core.app.clone(), handle.clone());
            notify::spawn(core.app.clone(), handle.clone());
            tray::start(core.app.clone(), &handle);
            // `app.restart` (finishing a staged restore) restarts this process (the core waits for its answer
            // to get out first).
            core.app
                .setup
                .set_restart_handler(Arc::new(move || handle.restart()));
            tauri_app.manage(core);
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
