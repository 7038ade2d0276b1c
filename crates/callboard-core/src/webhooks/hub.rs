//! The webhook state an [`App`](crate::app::App) carries: the provider secrets, the guard, the journal
//! writer's queue and the queue that feeds the applier task (both tasks start with the listeners). Handlers
//! enqueue a journal row id after the commit; [`Hub::settle`] waits until everything queued before it has
//! been applied (tests, bench, shutdown).

use std::sync::{Mutex, RwLock};

use jiff::SignedDuration;
use tokio::sync::{mpsc, oneshot};

use super::{ProviderSecrets, guard::Guard, sig_elevenlabs, source_ip::IpAllowList};
use crate::store::{
    StoreError,
    call_events::{Journaled, NewEvent},
};

/// One delivery to journal, and where to say it is committed.
pub(crate) type JournalJob = (NewEvent, oneshot::Sender<Result<Journaled, StoreError>>);

/// Work for the applier.
#[derive(Debug)]
pub enum Job {
    Apply(i64),
    /// Apply every `pending`/`failed` row (on start).
    Recover,
    Settle(oneshot::Sender<()>),
}

#[derive(Debug)]
pub struct Hub {
    secrets: RwLock<ProviderSecrets>,
    future_skew: RwLock<SignedDuration>,
    exotel_allowed: RwLock<Option<IpAllowList>>,
    pub guard: Guard,
    queue: mpsc::UnboundedSender<Job>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    journal: mpsc::UnboundedSender<JournalJob>,
    journal_receiver: Mutex<Option<mpsc::UnboundedReceiver<JournalJob>>>,
    /// How long deliveries waited for their journal commit (group, queue and transaction): most of what a
    /// provider waits for its 200.
    pub journal_wait: crate::latency::Histogram,
}

impl Hub {
    pub fn new(secrets: ProviderSecrets) -> Hub {
        let (queue, rx) = mpsc::unbounded_channel();
        let (journal, journal_rx) = mpsc::unbounded_channel();
        Hub {
            journal,
            journal_receiver: Mutex::new(Some(journal_rx)),
            secrets: RwLock::new(secrets),
            future_skew: RwLock::new(sig_elevenlabs::DEFAULT_FUTURE_SKEW),
            exotel_allowed: RwLock::new(None),
            guard: Guard::default(),
            queue,
            receiver: Mutex::new(Some(rx)),
            journal_wait: crate::latency::Histogram::new(),
        }
    }

    pub fn secrets(&self) -> ProviderSecrets {
        self.secrets.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_secrets(&self, secrets: ProviderSecrets) {
        *self.secrets.write().unwrap_or_else(|p| p.into_inner()) = secrets;
    }

    /// How far in the future an ElevenLabs signature timestamp may be.
    pub fn future_skew(&self) -> SignedDuration {
        *self.future_skew.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_future_skew(&self, skew: SignedDuration) {
        *self.future_skew.write().unwrap_or_else(|p| p.into_inner()) = skew;
    }

    /// The addresses Exotel may call from; `None` (or an empty list) lets any address through.
    pub fn exotel_allowed(&self) -> Option<IpAllowList> {
        self.exotel_allowed
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_exotel_allowed(&self, list: Option<IpAllowList>) {
        *self.exotel_allowed.write().unwrap_or_else(|p| p.into_inner()) = list.filter(|l| !l.is_empty());
    }

    pub fn enqueue(&self, job: Job) {
        // The receiver lives as long as the app; a send fails only while it shuts down, and the row stays
        // `pending` for the next start.
        let _ = self.queue.send(job);
    }

    /// Waits until every job queued before this call has run. Needs the applier running (the listeners).
    pub async fn settle(&self) {
        let (tx, rx) = oneshot::channel();
        self.enqueue(Job::Settle(tx));
        let _ = rx.await;
    }

    /// Commits `event` to the journal, together with whatever other deliveries arrived meanwhile (group
    /// commit: one transaction for many requests). Answers only once the row is committed.
    pub async fn journal(&self, event: NewEvent) -> Result<Journaled, StoreError> {
        let (tx, rx) = oneshot::channel();
        let started = std::time::Instant::now();
        self.journal.send((event, tx)).map_err(|_| StoreError::Closed)?;
        let journaled = rx.await.map_err(|_| StoreError::Closed)?;
        self.journal_wait.record(started.elapsed());
        journaled
    }

    pub(crate) fn take_journal_receiver(&self) -> Option<mpsc::UnboundedReceiver<JournalJob>> {
        self.journal_receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    pub(crate) fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Job>> {
        self.receiver.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
