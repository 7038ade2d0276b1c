//! Forwards core event batches (`desktop::follow::forward_events`) to the window as one Tauri event per batch.

use std::sync::Arc;

use callboard_core::{app::App, desktop::follow};
use tauri::{AppHandle, Emitter};

/// The Tauri event name the UI listens to; its payload is an array of core events.
pub const EVENT_NAME: &str = "callboard://events";

pub fn forward(app: Arc<App>, handle: AppHandle) {
    tauri::async_runtime::spawn(follow::forward_events(&app, move |batch| {
        if let Err(e) = handle.emit(EVENT_NAME, batch) {
            tracing::warn!(error = %e, "cannot forward events to the window");
        }
    }));
}
