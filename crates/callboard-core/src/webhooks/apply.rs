//! The applier: one task that takes journal row ids and applies each to its call in one transaction, so
//! applies never race. A call is found by any of its provider ids (or created, marked `origin = 'webhook'`,
//! when the event may create it); the event's facts are stored on the row, and the call's derived columns
//! are recomputed as a fold over all its applied events sorted by how informative they are. The result is
//! the same whatever order the events arrived in, and a duplicate (never applied) changes nothing. A row
//! that cannot be applied yet stays `pending` with the reason and is retried when its call appears; bad data
//! stays `failed`. On start every `pending`/`failed` row is tried again.

use std::sync::{Arc, Weak};

use rusqlite::Transaction;
use tokio::sync::mpsc;

use super::{
    Provider,
    extract::{Extracted, Facts, extract},
    hub::Job,
};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::{
        StoreError, StoreResult, call_events, call_refs,
        calls::{self, Call, Derived},
    },
};

/// Starts the applier for `app` (once; later calls do nothing) and queues the recovery of unapplied rows.
pub fn start(app: &Arc<App>) {
    let Some(rx) = app.webhooks.take_receiver() else {
        return;
    };
    app.webhooks.enqueue(Job::Recover);
    tokio::spawn(run(Arc::downgrade(app), rx));
}

async fn run(app: Weak<App>, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(job) = rx.recv().await {
        let Some(app) = app.upgrade() else { break };
        match job {
            Job::Apply(id) => apply_and_retry(&app, id).await,
            Job::Recover => match app.store.read(call_events::unapplied).await {
                Ok(ids) => {
                    if !ids.is_empty() {
                        tracing::info!(rows = ids.len(), "applying journal rows left from before");
                    }
                    for id in ids {
                        apply_logged(&app, id).await;
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

/// Applies one row; when that taught us a new id for a call, retries the rows waiting for one.
async fn apply_and_retry(app: &Arc<App>, id: i64) {
    if apply_logged(app, id).await == Some(true) {
        let waiting = app.store.read(call_events::waiting).await.unwrap_or_default();
        for w in waiting {
            apply_logged(app, w).await;
        }
    }
}

/// `Some(new_ids)` when applied, `None` otherwise; errors are logged and left on the row.
async fn apply_logged(app: &Arc<App>, id: i64) -> Option<bool> {
    match apply_one(app, id).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(event_id = id, error = %e, "cannot apply a journal row");
            None
        }
    }
}

enum Applied {
    Call { call: Box<Call>, new_refs: bool },
    NoCall,
    Waiting(String),
}

#[tracing::instrument(skip_all, fields(event_id = id))]
async fn apply_one(app: &Arc<App>, id: i64) -> StoreResult<Option<bool>> {
    let row = app.store.read(move |c| call_events::get(c, id)).await?;
    if row.status != "pending" && row.status != "failed" {
        return Ok(None);
    }
    let Some(provider) = Provider::parse(&row.provider) else {
        return Err(StoreError::Corrupt(format!("unknown provider {}", row.provider)));
    };
    let data_dir = app.data_dir().to_owned();
    let meta = row.clone();
    let extracted = tokio::task::spawn_blocking(move || {
        let owned;
        let body: &[u8] = match (&meta.body, &meta.body_path) {
            (Some(b), _) => b,
            (None, Some(p)) => {
                owned = std::fs::read(data_dir.join(p)).map_err(|e| format!("cannot read {p}: {e}"))?;
                &owned
            }
            (None, None) => &[],
        };
        extract(provider, &meta.kind, &meta.content_type, body, &data_dir).map_err(|e| e.to_string())
    })
    .await
    .map_err(|_| StoreError::Panicked)?;
    let now = to_db(app.clock.now());
    let x = match extracted {
        Ok(x) => x,
        Err(error) => {
            tracing::warn!(kind = %row.kind, %error, "webhook cannot be applied");
            let e = error.clone();
            app.store
                .with_tx(move |tx| call_events::mark_unapplied(tx, id, "failed", &e))
                .await?;
            emit_status(app, &row, "failed");
            return Ok(None);
        }
    };
    let body_file = row.body_path.clone();
    let meta = row.clone();
    let applied = app
        .store
        .with_tx(move |tx| apply_tx(tx, &meta, provider, x, &now))
        .await?;
    match applied {
        Applied::Call { call, new_refs } => {
            if let Some(p) = body_file {
                let _ = std::fs::remove_file(app.data_dir().join(p));
            }
            tracing::debug!(call_id = call.id, status = %call.status, "webhook applied");
            emit_status(app, &row, "applied");
            app.events.emit(Event::CallChanged { call: *call });
            Ok(Some(new_refs))
        }
        Applied::NoCall => {
            emit_status(app, &row, "applied");
            Ok(Some(false))
        }
        Applied::Waiting(why) => {
            tracing::debug!(%why, "webhook waits for its call");
            Ok(None)
        }
    }
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
    provider: Provider,
    x: Extracted,
    now: &str,
) -> StoreResult<Applied> {
    let mut found = call_refs::find(tx, &x.refs)?;
    if found.is_none() && (x.provider_call_id.is_some() || x.conversation_id.is_some()) {
        found = calls::find_by_ids(
            tx,
            provider.as_str(),
            x.provider_call_id.as_deref(),
            x.conversation_id.as_deref(),
        )?;
    }
    let facts = serde_json::to_string(&x.facts).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let call_id = match found {
        Some(id) => id,
        None if x.refs.is_empty() => {
            // Nothing identifies a call (e.g. an unknown event type without ids): stored and acknowledged.
            call_events::mark_applied(tx, row.id, None, &facts, now)?;
            return Ok(Applied::NoCall);
        }
        None if !x.creates_call => {
            let ids: Vec<String> = x.refs.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let why = format!("waiting for the call ({})", ids.join(", "));
            call_events::mark_unapplied(tx, row.id, "pending", &why)?;
            return Ok(Applied::Waiting(why));
        }
        None => calls::insert_from_webhook(
            tx,
            provider.as_str(),
            x.provider_call_id.as_deref(),
            x.conversation_id.as_deref(),
            now,
        )?,
    };
    let mut new_refs = false;
    for (kind, value) in &x.refs {
        new_refs |= call_refs::add(tx, call_id, kind, value, now)?;
    }
    call_events::mark_applied(tx, row.id, Some(call_id), &facts, now)?;
    let mut derived = fold(call_events::facts_of_call(tx, call_id)?);
    derived.conversation_id = x.conversation_id;
    calls::update_derived(tx, call_id, &derived, now)?;
    Ok(Applied::Call {
        call: Box::new(calls::get(tx, call_id)?),
        new_refs,
    })
}

/// The call's derived columns from its applied events' facts: sorted by (rank, sequence, provider time,
/// idempotency key), each event overriding what it knows. Order of arrival plays no part.
pub fn fold(rows: Vec<(i64, String, String)>) -> Derived {
    let mut items: Vec<(Facts, String, i64)> = rows
        .into_iter()
        .filter_map(|(id, key, json)| serde_json::from_str::<Facts>(&json).ok().map(|f| (f, key, id)))
        .collect();
    items.sort_by(|a, b| {
        (a.0.rank, a.0.sequence.unwrap_or(-1), &a.0.occurred_at, &a.1).cmp(&(
            b.0.rank,
            b.0.sequence.unwrap_or(-1),
            &b.0.occurred_at,
            &b.1,
        ))
    });
    let mut d = Derived::default();
    for (f, _, id) in items {
        if f.status.is_some() {
            d.status = f.status;
            d.status_event_id = Some(id);
        }
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if v.is_some() {
                *slot = v;
            }
        };
        set(&mut d.outcome, f.outcome);
        set(&mut d.disposition, f.disposition);
        set(&mut d.started_at, f.started_at);
        set(&mut d.answered_at, f.answered_at);
        set(&mut d.ended_at, f.ended_at);
        set(&mut d.summary, f.summary);
        set(&mut d.recording_path, f.recording_path);
        set(&mut d.analysis, f.analysis.map(|a| a.to_string()));
        set(&mut d.transcript, f.transcript.map(|t| t.to_string()));
        d.duration_s = f.duration_s.or(d.duration_s);
        d.cost = f.cost.or(d.cost);
    }
    if d.status.as_deref() == Some("completed") && d.outcome.is_none() {
        d.outcome = Some("answered".into());
    }
    d
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fact(
        rank: i32,
        seq: Option<i64>,
        status: Option<&str>,
        outcome: Option<&str>,
        duration: Option<f64>,
    ) -> String {
        serde_json::to_string(&Facts {
            rank,
            sequence: seq,
            status: status.map(Into::into),
            outcome: outcome.map(Into::into),
            duration_s: duration,
            ..Default::default()
        })
        .unwrap_or_default()
    }

    fn timeline() -> Vec<(i64, String, String)> {
        vec![
            (
                1,
                "status:CA:initiated:0".into(),
                fact(10, Some(0), Some("initiated"), None, None),
            ),
            (
                2,
                "status:CA:ringing:1".into(),
                fact(20, Some(1), Some("ringing"), None, None),
            ),
            (
                3,
                "status:CA:in-progress:2".into(),
                fact(30, Some(2), Some("in_progress"), None, None),
            ),
            (
                4,
                "amd:CA:machine_start".into(),
                fact(35, None, None, Some("voicemail"), None),
            ),
            (
                5,
                "status:CA:completed:3".into(),
                fact(50, Some(3), Some("completed"), None, Some(37.0)),
            ),
            (
                6,
                "recording:CA:RE:completed".into(),
                fact(0, None, None, None, None),
            ),
        ]
    }

    #[test]
    fn the_most_informative_event_decides() {
        let d = fold(timeline());
        assert_eq!(d.status.as_deref(), Some("completed"));
        assert_eq!(d.outcome.as_deref(), Some("voicemail"));
        assert_eq!(d.duration_s, Some(37.0));
        assert_eq!(d.status_event_id, Some(5));
        let mut with_transcript = timeline();
        with_transcript.push((
            7,
            "post_call_transcription:c".into(),
            fact(70, None, Some("completed"), Some("answered"), Some(74.0)),
        ));
        let d = fold(with_transcript);
        assert_eq!(
            (d.outcome.as_deref(), d.duration_s),
            (Some("answered"), Some(74.0))
        );
        // Without AMD, a completed call counts as answered.
        let plain: Vec<_> = timeline().into_iter().filter(|r| r.0 != 4).collect();
        assert_eq!(fold(plain).outcome.as_deref(), Some("answered"));
    }

    proptest! {
        #[test]
        fn arrival_order_does_not_matter(seed in any::<u64>()) {
            let mut rows = timeline();
            let mut s = seed;
            for i in (1..rows.len()).rev() {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                rows.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(fold(rows), fold(timeline()));
        }
    }
}
