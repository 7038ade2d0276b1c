//! Native notifications for new "needs attention" items. The core's `desktop::follow` decides what to show
//! and when (new items only, the Settings opt-out, a burst coalesced into "12 new items"); this shows it.

use std::sync::Arc;

use callboard_core::{
    app::App,
    desktop::{follow, notify::Notice},
};
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

fn show(handle: &AppHandle, notice: Notice) {
    // No notification server (a bare X session, CI) is not worth more than a debug line.
    if let Err(e) = handle
        .notification()
        .builder()
        .title(notice.title)
        .body(notice.body)
        .show()
    {
        tracing::debug!(error = %e, "cannot show a notification");
    }
}

pub fn spawn(app: Arc<App>, handle: AppHandle) {
    tauri::async_runtime::spawn(follow::follow_attention(app, move |notice| show(&handle, notice)));
}
