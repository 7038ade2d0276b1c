//! The applier (the journal writer that feeds it is in [`super::journal`]): one task that takes journal row
//! ids and applies them in small batches, one transaction per batch (row by row if a batch fails), so applies
//! never race. A call is found by any of its provider ids (or created, marked `origin = 'webhook'`,
//! when the event may create it); the event's facts are stored on the row, and the call's derived columns
//! are recomputed as a fold over all its applied events sorted by how informative they are. The result is
//! the same whatever order the events arrived in, and a duplicate (never applied) changes nothing. A row
//! that cannot be applied yet stays `pending` with the reason and is retried when its call appears; bad data
//! stays `failed`. On start every `pending`/`failed` row is tried again.

use std::sync::{Arc, Weak};

use rusqlite::Transaction;
use tokio::sync::mpsc;

use super::{
    hub::Job,
    ready::{Ready, extract_row},
};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::{
        StoreError, StoreResult, call_events, call_refs,
        calls::{self, Call},
    },
};

/// Most rows applied in one transaction (bounded: the journal writer shares the store's writer thread).
const BATCH: usize = 32;
/// How long the applier waits for more rows after the first of a batch. Applying is not on the path to the
/// 200, and at a steady 1,000/s rows came one per transaction, each rewriting the same index pages
/// (`call_events`, `calls`, `call_refs`, the search index) and committing on its own: ~23 WAL frames per
/// webhook, whose writeback and checkpoints were what the acknowledgements waited behind. A settle or a
/// recovery ends the wait at once.
const APPLY_LINGER: std::time::Duration = std::time::Duration::from_millis(5);

/// Starts the journal writer and the applier for `app` (once; later calls do nothing) and queues the
/// recovery of unapplied rows.
pub fn start(app: &Arc<App>) {
    super::journal::start(app);
    let Some(rx) = app.webhooks.take_receiver() else {
        return;
    };
    app.webhooks.enqueue(Job::Recover);
    tokio::spawn(run(Arc::downgrade(app), rx));
}

/// Takes jobs in order; consecutive `Apply` jobs are applied together, in one transaction.
async fn run(app: Weak<App>, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match rx.recv().await {
                Some(job) => job,
                None => break,
            },
        };
        let Some(app) = app.upgrade() else { break };
        match job {
            Job::Apply(id) => {
                let mut ids = vec![id];
                let until = tokio::time::Instant::now() + APPLY_LINGER;
                while ids.len() < BATCH {
                    let more = match rx.try_recv() {
                        Ok(job) => Some(job),
                        Err(mpsc::error::TryRecvError::Empty) => {
                            tokio::time::timeout_at(until, rx.recv()).await.ok().flatten()
                        }
                        Err(mpsc::error::TryRecvError::Disconnected) => None,
                    };
                    match more {
                        Some(Job::Apply(id)) => ids.push(id),
                        Some(other) => {
                            next = Some(other);
                            break;
                        }
                        None => break,
                    }
                }
                apply_and_retry(&app, ids).await;
            }
            Job::Recover => match app.store.read(call_events::unapplied).await {
                Ok(ids) => {
                    if !ids.is_empty() {
                        tracing::info!(rows = ids.len(), "applying journal rows left from before");
                    }
                    for chunk in ids.chunks(BATCH) {
                        apply_and_retry(&app, chunk.to_vec()).await;
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot list unapplied journal rows"),
            },
            Job::Settle(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Applies rows; when that taught us a new id for a call, retries the rows waiting for one.
async fn apply_and_retry(app: &Arc<App>, ids: Vec<i64>) {
    if apply_logged(app, ids).await {
        let waiting = app.store.read(call_events::waiting).await.unwrap_or_default();
        if !waiting.is_empty() {
            apply_logged(app, waiting).await;
        }
    }
}

/// Applies a batch in one transaction; if the transaction fails, each row on its own, so one bad row
/// cannot hold the others back. `true` when a call learned a new id.
async fn apply_logged(app: &Arc<App>, ids: Vec<i64>) -> bool {
    match apply_batch(app, ids.clone()).await {
        Ok(new_refs) => new_refs,
        Err(e) if ids.len() > 1 => {
            tracing::warn!(rows = ids.len(), error = %e, "batch apply failed; applying rows one by one");
            let mut any = false;
            for id in ids {
                any |= Box::pin(apply_logged(app, vec![id])).await;
            }
            any
        }
        Err(e) => {
            tracing::error!(event_ids = ?ids, error = %e, "cannot apply a journal row");
            false
        }
    }
}

enum Applied {
    Call {
        call: Box<Call>,
        new_refs: bool,
        /// The campaign whose contact moved on because this event ended the call.
        ended_in: Option<i64>,
    },
    NoCall,
    Waiting(String),
    Failed(String),
}

#[tracing::instrument(level = "debug", skip_all, fields(rows = ids.len()))]
async fn apply_batch(app: &Arc<App>, ids: Vec<i64>) -> StoreResult<bool> {
    let rows = app
        .store
        .read(move |c| {
            ids.iter()
                .map(|id| call_events::get(c, *id))
                .collect::<StoreResult<Vec<_>>>()
        })
        .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| r.status == "pending" || r.status == "failed")
        .collect();
    if rows.is_empty() {
        return Ok(false);
    }
    let data_dir = app.data_dir().to_owned();
    // Settings › Recording, read per batch so switching it off applies to the next provider audio.
    let keep_audio = app
        .store
        .read(crate::setup::settings::Settings::load)
        .await
        .map_or(true, |s| s.recording_enabled);
    // Parsing, and decoding audio to its file, happen off the writer thread.
    let extracted = tokio::task::spawn_blocking(move || {
        rows.into_iter()
            .map(|row| {
                let x = extract_row(&row, &data_dir, keep_audio);
                (row, x)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| StoreError::Panicked)?;
    let now = to_db(app.clock.now());
    let results = app
        .store
        .with_tx(move |tx| {
            let mut out = Vec::with_capacity(extracted.len());
            for (row, x) in extracted {
                let applied = match x {
                    Ok(ready) => apply_tx(tx, &row, ready, &now)?,
                    Err(error) => {
                        call_events::mark_unapplied(tx, row.id, "failed", &error)?;
                        Applied::Failed(error)
                    }
                };
                out.push((row, applied));
            }
            Ok::<_, StoreError>(out)
        })
        .await?;
    let mut any_new = false;
    for (row, applied) in results {
        match applied {
            Applied::Call {
                call,
                new_refs,
                ended_in,
            } => {
                if let Some(p) = &row.body_path {
                    let _ = std::fs::remove_file(app.data_dir().join(p));
                }
                any_new |= new_refs;
                emit_status(app, &row, "applied");
                app.events.emit(Event::CallChanged { call: *call });
                if let Some(id) = ended_in
                    && let Ok(campaign) = app.store.read(move |c| crate::store::campaigns::get(c, id)).await
                {
                    app.events.emit(Event::CampaignChanged { campaign });
                }
            }
            Applied::NoCall => emit_status(app, &row, "applied"),
            Applied::Waiting(why) => tracing::debug!(event_id = row.id, %why, "webhook waits for its call"),
            Applied::Failed(error) => {
                tracing::warn!(event_id = row.id, kind = %row.kind, %error, "webhook cannot be applied");
                emit_status(app, &row, "failed");
            }
        }
    }
    Ok(any_new)
}

fn emit_status(app: &App, row: &call_events::Stored, status: &str) {
    app.events.emit(Event::WebhookReceived {
        id: row.id,
        provider: row.provider.clone(),
        kind: row.kind.clone(),
        status: status.to_owned(),
    });
}

fn apply_tx(
    tx: &Transaction<'_>,
    row: &call_events::Stored,
    ready: Ready,
    now: &str,
) -> StoreResult<Applied> {
    let Ready {
        provider,
        x,
        facts,
        full,
        alone,
    } = ready;
    let facts = facts.as_str();
    let mut found = call_refs::find(tx, &x.refs)?;
    if found.is_none() && (x.provider_call_id.is_some() || x.conversation_id.is_some()) {
        found = calls::find_by_ids(
            tx,
            provider.as_str(),
            x.provider_call_id.as_deref(),
            x.conversation_id.as_deref(),
        )?;
    }
    let mut created = false;
    let call_id = match found {
        Some(id) => id,
        None if x.refs.is_empty() => {
            // Nothing identifies a call (e.g. an unknown event type without ids): stored and acknowledged.
            call_events::mark_applied(tx, row.id, None, facts, now)?;
            return Ok(Applied::NoCall);
        }
        None if !x.creates_call => {
            let ids: Vec<String> = x.refs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let why = format!("waiting for the call ({})", ids.join(", "));
            call_events::mark_unapplied(tx, row.id, "pending", &why)?;
            return Ok(Applied::Waiting(why));
        }
        None => {
            created = true;
            calls::insert_from_webhook(
                tx,
                provider.as_str(),
                x.provider_call_id.as_deref(),
                x.conversation_id.as_deref(),
                now,
            )?
        }
    };
    let mut new_refs = false;
    for (kind, value) in &x.refs {
        new_refs |= call_refs::add(tx, call_id, kind, value, now)?;
    }
    call_events::mark_applied(tx, row.id, Some(call_id), facts, now)?;
    let mut derived = if created {
        // A call this event just created has no other applied event: this one folded alone.
        alone
    } else {
        let this = (full, row.idempotency_key.clone(), row.id);
        super::fold::fold_with(call_events::facts_of_call(tx, call_id)?, this)
    };
    derived.conversation_id = x.conversation_id;
    // Read once for the ending and the settling below (it was read three times per event).
    let ctx = crate::store::attempts::call_context(tx, call_id)?;
    // The engine hears of the ending first (retry or done), while the call still counts as in flight.
    let ended_in = match &ctx {
        Some(ctx) => super::ending::end_if_terminal(tx, ctx, &mut derived, now)?,
        None => None,
    };
    calls::update_derived(tx, call_id, &derived, now)?;
    // An ended call frees its contact's slot (retry or done) and schedules a callback it captured.
    if let (Some(ctx), Some(at)) = (&ctx, crate::clock::from_db(now)) {
        crate::engine::outcome::settle_after_webhook_for(tx, ctx, at)?;
    }
    Ok(Applied::Call {
        call: Box::new(calls::get(tx, call_id)?),
        new_refs,
        ended_in,
    })
}
