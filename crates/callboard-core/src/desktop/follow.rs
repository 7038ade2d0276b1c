//! The loops behind the tray and the notifications, run by the desktop shell: they follow the event bus, read
//! the store, and hand the shell only what to draw or show (a [`TrayView`], a [`Notice`]), so everything but
//! the drawing is tested here without a display. Also the tray's one action, [`pause_all`], and the loop that
//! hands the window every batch of events ([`forward_events`]).

use std::{sync::Arc, time::Duration};

use tokio::time::Instant;

use super::{
    notify::{Notice, Notifier, new_item},
    tray::{self, Throttle, TrayView, is_relevant},
};
use crate::{
    api::{self, Actor, RpcRequest},
    app::App,
    events::{Event, EventStream},
    setup::settings::Settings,
};

/// What woke a follow loop: the next batch of events (`None` once the bus is closed), or the timer it set.
enum Wake {
    Events(Option<Vec<Event>>),
    Due,
}

/// Waits for the next batch of events, or until `due` (measured from `start`) when the loop has something
/// pending then. A batch half-gathered when the timer fires stays in the stream (`next_batch` is cancel-safe).
async fn next_batch_or_due(stream: &mut EventStream, start: Instant, due: Option<Duration>) -> Wake {
    match due {
        Some(due) => tokio::select! {
            batch = stream.next_batch() => Wake::Events(batch),
            () = tokio::time::sleep_until(start + due) => Wake::Due,
        },
        None => Wake::Events(stream.next_batch().await),
    }
}

/// Calls `emit` with every batch of events, in order, from the call on; ends when the event bus closes. The
/// window gets them as one message per batch, as the browser's WebSocket does.
pub fn forward_events(
    app: &App,
    mut emit: impl FnMut(&[Event]) + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let mut stream = app.events.subscribe();
    async move {
        while let Some(batch) = stream.next_batch().await {
            emit(&batch);
        }
    }
}

/// Calls `draw` with the tray's view now and after every relevant change, at most once per
/// [`tray::MIN_INTERVAL`] (the last change is always drawn). It follows the events from the call on (the
/// returned future need not have been polled yet). It ends when the event bus closes.
pub fn follow_tray(
    app: Arc<App>,
    mut draw: impl FnMut(TrayView) + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let mut stream = app.events.subscribe();
    async move {
        let start = Instant::now();
        let mut throttle = Throttle::default();
        loop {
            if throttle.take(start.elapsed()) {
                match app.store.read(tray::load).await {
                    Ok(status) => draw(TrayView::of(&status)),
                    Err(e) => tracing::warn!(error = %e, "cannot read the tray's status"),
                }
            }
            let batch = match next_batch_or_due(&mut stream, start, throttle.due_at()).await {
                Wake::Due => continue,
                Wake::Events(None) => return,
                Wake::Events(Some(batch)) => batch,
            };
            if batch.iter().any(is_relevant) {
                throttle.mark_dirty();
            }
        }
    }
}

/// The Settings opt-out (`notifications.alerts`), read when it matters so a change applies at once.
async fn notifications_wanted(app: &App) -> bool {
    app.store
        .read(Settings::load)
        .await
        .map(|s| s.notifications.alerts)
        .unwrap_or(true)
}

/// Calls `show` for each notification the new "needs attention" items call for (see [`Notifier`]: new items
/// only, the Settings opt-out, a burst coalesced), from the events after the call on. It ends when the event
/// bus closes.
pub fn follow_attention(
    app: Arc<App>,
    mut show: impl FnMut(Notice) + Send + 'static,
) -> impl Future<Output = ()> + Send + 'static {
    let mut stream = app.events.subscribe();
    async move {
        let start = Instant::now();
        let mut notifier = Notifier::default();
        loop {
            let batch = match next_batch_or_due(&mut stream, start, notifier.next_flush()).await {
                Wake::Due => {
                    let enabled = notifications_wanted(&app).await;
                    if let Some(notice) = notifier.flush(enabled, start.elapsed()) {
                        show(notice);
                    }
                    continue;
                }
                Wake::Events(None) => return,
                Wake::Events(Some(batch)) => batch,
            };
            if !batch.iter().any(|e| matches!(e, Event::AttentionChanged { .. })) {
                continue;
            }
            let enabled = if batch.iter().any(|e| new_item(e).is_some()) {
                notifications_wanted(&app).await
            } else {
                true // acknowledgements only: nothing is shown either way
            };
            for event in &batch {
                for notice in notifier.on_event(event, enabled, start.elapsed()) {
                    show(notice);
                }
            }
        }
    }
}

/// Pauses every running campaign through the command the UI uses (so each pause is audited the same way);
/// returns how many were paused.
pub async fn pause_all(app: &App) -> usize {
    let running = match app.store.read(tray::load).await {
        Ok(status) => status.running,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list running campaigns to pause");
            return 0;
        }
    };
    let mut paused = 0;
    for campaign in running {
        let request = RpcRequest {
            cmd: "campaign.pause".into(),
            args: serde_json::json!({ "id": campaign.id }),
        };
        match api::dispatch(app, Actor::Ui, request).await {
            Ok(_) => paused += 1,
            Err(e) => {
                tracing::warn!(campaign = campaign.id, error = %e.message, "cannot pause a campaign from the tray");
            }
        }
    }
    paused
}
