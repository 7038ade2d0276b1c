//! Native notifications for new "needs attention" items. The core's `desktop::notify` decides what to show
//! (new items only, the Settings opt-out, a burst coalesced into "12 new items"); this shows it.

use std::sync::Arc;

use callboard_core::{
    app::App,
    desktop::notify::{Notice, Notifier, new_item},
    events::Event,
    setup::settings::Settings,
};
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;
use tokio::time::Instant;

/// The Settings opt-out (`notifications.alerts`), read per batch so a change applies at once.
async fn wanted(app: &App) -> bool {
    app.store
        .read(Settings::load)
        .await
        .map(|s| s.notifications.alerts)
        .unwrap_or(true)
}

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
    let mut stream = app.events.subscribe();
    tauri::async_runtime::spawn(async move {
        let start = Instant::now();
        let mut notifier = Notifier::default();
        loop {
            let batch = match notifier.next_flush() {
                Some(due) => tokio::select! {
                    batch = stream.next_batch() => batch,
                    () = tokio::time::sleep_until(start + due) => {
                        let enabled = wanted(&app).await;
                        if let Some(notice) = notifier.flush(enabled, start.elapsed()) {
                            show(&handle, notice);
                        }
                        continue;
                    }
                },
                None => stream.next_batch().await,
            };
            let Some(batch) = batch else {
                return; // the bus is gone: the app is shutting down
            };
            if !batch.iter().any(|e| matches!(e, Event::AttentionChanged { .. })) {
                continue;
            }
            let enabled = if batch.iter().any(|e| new_item(e).is_some()) {
                wanted(&app).await
            } else {
                true // acknowledgements only: nothing is shown either way
            };
            for event in &batch {
                for notice in notifier.on_event(event, enabled, start.elapsed()) {
                    show(&handle, notice);
                }
            }
        }
    });
}
