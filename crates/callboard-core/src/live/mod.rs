//! The live monitor's back end: the registry of dialers the API uses to act on calls in flight
//! ([`CallControls`]), telling the UI about changed calls ([`publish_calls`]), the recorder that turns alerts,
//! transcripts and call outcomes into "needs attention" items and stored transcript turns ([`recorder`]), and
//! the live-listen socket ([`listen`]).

pub mod controls;
pub mod demo;
pub mod listen;
pub mod recorder;

pub use controls::CallControls;

use rusqlite::Connection;

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
    let read = app.store.read(move |c| read_calls(c, &ids)).await;
    match read {
        Ok(list) => emit_calls(app, list),
        Err(e) => tracing::warn!(error = %e, "cannot read changed calls for the UI"),
    }
}

/// The calls behind `ids` as the UI shows them (those deleted meanwhile are left out). A writer that has just
/// changed them reads them here inside its own transaction, where their pages are still in its cache, and
/// emits them after the commit with [`emit_calls`]; a reader connection starts with an empty cache after
/// every commit and read each page from the file again.
pub fn read_calls(conn: &Connection, ids: &[i64]) -> StoreResult<Vec<calls::Call>> {
    ids.iter()
        .map(|id| calls::get(conn, *id))
        .filter(|r| !matches!(r, Err(crate::store::StoreError::NotFound { .. })))
        .collect()
}

/// [`read_calls`] for a writer's transaction: a failed read is logged (the UI catches up on the next change
/// or resync) instead of undoing the transaction.
pub fn read_calls_logged(conn: &Connection, ids: &[i64]) -> Vec<calls::Call> {
    read_calls(conn, ids).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read changed calls for the UI");
        Vec::new()
    })
}

/// Emits `call_changed` for each call, read by [`read_calls`].
pub fn emit_calls(app: &App, list: Vec<calls::Call>) {
    for call in list {
        app.events.emit(Event::CallChanged { call });
    }
}
