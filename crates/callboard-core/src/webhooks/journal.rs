//! The journal writer: commits accepted deliveries to `call_events` with group commit (one transaction for
//! every delivery waiting), records how far it has read the spool in that same transaction, and then queues
//! the new rows for the applier and tells the UI. At start it first journals what the spool holds past that
//! position: deliveries acknowledged by a run that stopped before journaling them.

use std::{
    sync::{Arc, Weak},
    time::{Duration, Instant},
};

use tokio::sync::{mpsc, oneshot};

use super::{
    hub::{Job, JournalJob, backlog_size},
    spool::{Position, SPOOL_DIR, Spool},
};
use crate::{
    app::App,
    events::Event,
    store::{
        StoreError, StoreResult,
        call_events::{self, Journaled},
    },
};

/// Most deliveries committed to the journal in one transaction.
const JOURNAL_BATCH: usize = 128;
/// First wait before asking the store again after it failed (doubling, up to the most).
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MOST: Duration = Duration::from_secs(5);

/// The waits between tries of a store call the journal cannot give up on (acknowledged deliveries).
struct Retry(Duration);

impl Retry {
    fn new() -> Self {
        Retry(RETRY_FIRST)
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(RETRY_MOST);
    }
}

/// Opens the spool (its records left from before go first) and starts the journal writer; once.
pub(super) fn start(app: &Arc<App>) {
    let Some(rx) = app.webhooks.take_journal_receiver() else {
        return;
    };
    let spool_dir = app.data_dir().join(SPOOL_DIR);
    let spooling = match Spool::open(&spool_dir) {
        Ok(spool) => app.webhooks.set_spool(spool).is_ok(),
        Err(e) => {
            // Deliveries still get in, each answered after its journal commit.
            tracing::error!(error = %e, dir = %spool_dir.display(), "cannot open the webhook spool");
            false
        }
    };
    tokio::spawn(run(Arc::downgrade(app), rx, spooling));
}

async fn run(app: Weak<App>, mut rx: mpsc::UnboundedReceiver<JournalJob>, recover: bool) {
    if recover && let Some(app) = app.upgrade() {
        journal_left_over(&app).await;
    }
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < JOURNAL_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let Some(app) = app.upgrade() else { break };
        commit(&app, jobs).await;
    }
}

/// Journals the records an earlier run spooled and did not journal, before any new delivery.
async fn journal_left_over(app: &Arc<App>) {
    let Some(spool) = app.webhooks.spool() else {
        return;
    };
    // Without the position every record would be journaled again, or (once this run has moved it on) the
    // earlier segments deleted unread: nothing goes on until it is known.
    let mut retry = Retry::new();
    let journaled = loop {
        match app.store.read(call_events::spool_position).await {
            Ok(p) => break p.map(Position::from_db),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the webhook spool position; retrying");
                retry.wait().await;
            }
        }
    };
    let left = spool.left_over(journaled);
    for problem in &left.problems {
        tracing::warn!(problem = %problem, "webhook spool");
    }
    if left.damaged {
        raise_damaged(app, &left.problems).await;
    }
    if left.records.is_empty() {
        return;
    }
    tracing::info!(
        rows = left.records.len(),
        "journaling webhooks acknowledged before the last stop"
    );
    let now = Instant::now();
    let mut records = left.records.into_iter().peekable();
    while records.peek().is_some() {
        let jobs = records
            .by_ref()
            .take(JOURNAL_BATCH)
            .map(|(event, position)| JournalJob::Event {
                event: Box::new(event),
                position: Some(position),
                apply: true,
                reply: None,
                queued: now,
            })
            .collect();
        commit(app, jobs).await;
    }
}

/// A damaged spool file was set aside: deliveries in it after the damage may be missing from the journal.
async fn raise_damaged(app: &App, problems: &[String]) {
    let item = crate::store::attention::NewItem {
        kind: "webhook_spool_damaged".into(),
        severity: "warning",
        title: "Some webhooks from before the last stop could not be read".into(),
        message: format!(
            "A webhook spool file was damaged; it was kept as *.damaged next to the others, and the deliveries \
             after the damage may be missing. Where it applies, refresh those calls from the provider. {}",
            problems.join("; ")
        ),
        campaign_id: None,
        call_id: None,
        dedupe_key: format!("webhook_spool_damaged:{}", problems.join(";")),
    };
    let at = crate::clock::to_db(app.clock.now());
    if let Err(e) = app
        .store
        .with_tx(move |tx| crate::store::attention::raise(tx, &item, &at).map(|_| ()))
        .await
    {
        tracing::warn!(error = %e, "cannot record the damaged webhook spool");
    }
}

/// What is left of a job once its event is taken out to be committed.
enum Waiting {
    Event {
        apply: bool,
        reply: Option<oneshot::Sender<Result<Journaled, StoreError>>>,
        queued: Instant,
    },
    Settle(oneshot::Sender<()>),
}

/// Commits a group, retrying while the store refuses it: the spooled deliveries in it are acknowledged
/// already, and a later group must not be journaled before them.
async fn commit(app: &Arc<App>, jobs: Vec<JournalJob>) {
    let mut events = Vec::with_capacity(jobs.len());
    let mut position = None;
    let mut spooled_bytes = 0;
    let mut waiting = Vec::with_capacity(jobs.len());
    for job in jobs {
        waiting.push(match job {
            JournalJob::Event {
                event,
                position: p,
                apply,
                reply,
                queued,
            } => {
                if p.is_some() {
                    spooled_bytes += backlog_size(&event);
                }
                events.push(*event);
                position = p.or(position);
                Waiting::Event { apply, reply, queued }
            }
            JournalJob::Settle(done) => Waiting::Settle(done),
        });
    }
    let events = Arc::new(events);
    let mut retry = Retry::new();
    let results = loop {
        let batch = events.clone();
        let committed = app
            .store
            .with_tx_ahead(move |tx| {
                let results = batch
                    .iter()
                    .map(|e| call_events::journal(tx, e))
                    .collect::<StoreResult<Vec<Journaled>>>()?;
                if let Some(p) = position {
                    call_events::set_spool_position(tx, p.to_db())?;
                }
                StoreResult::Ok(results)
            })
            .await;
        match committed {
            Ok(results) => break results,
            Err(e) if position.is_some() => {
                tracing::error!(error = %e, rows = events.len(), "cannot journal acknowledged webhooks; retrying");
                retry.wait().await;
            }
            Err(e) => {
                tracing::error!(error = %e, rows = events.len(), "cannot commit webhooks to the journal");
                for w in waiting {
                    match w {
                        Waiting::Event {
                            reply: Some(reply), ..
                        } => {
                            let _ =
                                reply.send(Err(StoreError::Corrupt(format!("journal commit failed: {e}"))));
                        }
                        Waiting::Settle(done) => app.webhooks.enqueue(Job::Settle(done)),
                        Waiting::Event { .. } => {}
                    }
                }
                return;
            }
        }
    };
    let now = Instant::now();
    app.webhooks
        .pending_keys
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .committed(
            events.iter().map(|e| (e.provider, e.idempotency_key.as_str())),
            now,
        );
    app.webhooks.journaled(spooled_bytes);
    if let Some(p) = position {
        release_journaled(app, p);
    }
    let mut journaled = events.iter().zip(results);
    for w in waiting {
        match w {
            Waiting::Event { apply, reply, queued } => {
                let Some((event, result)) = journaled.next() else {
                    break;
                };
                app.webhooks.journal_wait.record(now.duration_since(queued));
                if apply {
                    announce(app, event, result);
                }
                if let Some(reply) = reply {
                    let _ = reply.send(Ok(result));
                }
            }
            Waiting::Settle(done) => app.webhooks.enqueue(Job::Settle(done)),
        }
    }
}

/// Queues a new row for the applier and tells the UI what came in.
fn announce(app: &App, event: &call_events::NewEvent, result: Journaled) {
    let (id, status) = match result {
        Journaled::New(id) => {
            app.webhooks.enqueue(Job::Apply(id));
            (id, "pending")
        }
        Journaled::Duplicate { id, original } => {
            tracing::debug!(id, original, kind = %event.kind, "duplicate webhook");
            if let Some(p) = &event.body_path {
                // The original holds the body; this copy's file is not needed.
                let _ = std::fs::remove_file(app.data_dir().join(p));
            }
            (id, "duplicate")
        }
    };
    app.events.emit(Event::WebhookReceived {
        id,
        provider: event.provider.to_owned(),
        kind: event.kind.clone(),
        status: status.to_owned(),
    });
}

/// Once the journal is into a new segment, the ones before it are no longer needed.
fn release_journaled(app: &App, position: Position) {
    if let Some(spool) = app.webhooks.spool() {
        spool.release_before(position.segment);
    }
}
