//! The live monitor's back end: the registry of dialers the API uses to act on calls in flight
//! ([`CallControls`]), telling the UI about changed calls ([`publish_calls`]), the recorder that turns alerts,
//! transcripts and call outcomes into "needs attention" items and stored transcript turns ([`recorder`]), and
//! the live-listen socket ([`listen`]).

pub mod controls;
pub mod demo;
pub mod listen;
pub mod recorder;

pub use controls::CallControls;

use crate::{
    app::App,
    events::Event,
    store::{StoreResult, calls},
};

/// Emits `call_changed` for each call (one read for all of them). Errors are logged: the UI catches up on
/// the next change or resync.
pub async fn publish_calls(app: &App, ids: Vec<i64>) {
    if ids.is_empty() {
        return;
    }
    let read = app
        .store
        .read(move |c| -> StoreResult<Vec<calls::Call>> {
            ids.iter()
                .map(|id| calls::get(c, *id))
                .filter(|r| !matches!(r, Err(crate::store::StoreError::NotFound { .. })))
                .collect()
        })
        .await;
    match read {
        Ok(list) => {
            for call in list {
                app.events.emit(Event::CallChanged { call });
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read changed calls for the UI"),
    }
}
