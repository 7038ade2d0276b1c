//! The webhook state an [`App`](crate::app::App) carries: the provider secrets, the guard, the delivery spool
//! and the journal writer's queue, and the queue that feeds the applier task (the tasks start with the
//! listeners). A verified delivery is appended to the spool and answered ([`Hub::accept`]); the journal
//! writer commits it and queues it for the applier. [`Hub::settle`] waits until everything accepted before
//! it has been journaled and applied (tests, bench, shutdown).

use std::{
    collections::HashMap,
    sync::{
        Mutex, OnceLock, RwLock,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use jiff::SignedDuration;
use tokio::sync::{Notify, mpsc, oneshot};

use super::{
    ProviderSecrets,
    guard::Guard,
    sig_elevenlabs,
    source_ip::IpAllowList,
    spool::{Position, Spool},
};
use crate::store::{
    Store, StoreError,
    call_events::{self, Journaled, NewEvent},
};

/// Most bytes of deliveries answered but not yet journaled. Past it an answer waits for the journal to catch
/// up: under a sustained overload the providers are slowed to what the store can take, instead of the
/// backlog growing in memory.
const JOURNAL_BACKLOG_BYTES: usize = 32 * 1024 * 1024;

/// How long a committed key stays in [`PendingKeys`]: longer than any duplicate check that read the journal
/// before that commit can take.
const COMMITTED_KEY_TTL: Duration = Duration::from_secs(5);

/// Work for the journal writer, in the order it must be journaled.
#[derive(Debug)]
pub(crate) enum JournalJob {
    /// A delivery to journal. `position`: where it ends in the spool (already acknowledged); `apply`: queue it
    /// for the applier once committed; `reply`: someone waits for the commit.
    Event {
        event: Box<NewEvent>,
        position: Option<Position>,
        apply: bool,
        reply: Option<oneshot::Sender<Result<Journaled, StoreError>>>,
        queued: Instant,
    },
    /// Passed on to the applier once everything queued before it is committed.
    Settle(oneshot::Sender<()>),
}

/// Work for the applier.
#[derive(Debug)]
pub enum Job {
    Apply(i64),
    /// Apply every `pending`/`failed` row (on start).
    Recover,
    Settle(oneshot::Sender<()>),
}

/// How a delivery was taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    New,
    /// Its key is journaled, or on its way: the journal records it as a duplicate and nothing applies it.
    Duplicate,
}

/// What a delivery weighs in the journal backlog.
pub(crate) fn backlog_size(e: &NewEvent) -> usize {
    e.body.as_ref().map_or(0, Vec::len) + e.idempotency_key.len() + 256
}

/// Why a delivery could not be taken in (the provider is asked to retry).
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot append to the webhook spool: {0}")]
    Spool(#[from] std::io::Error),
}

/// Keys spooled but perhaps not yet visible to a journal read, so a second delivery with the same key is
/// answered "duplicate" however close behind the first it comes.
#[derive(Debug, Default)]
pub(crate) struct PendingKeys(HashMap<(&'static str, String), Option<Instant>>);

impl PendingKeys {
    /// Takes the key; `false` when it is already here.
    fn reserve(&mut self, provider: &'static str, key: &str) -> bool {
        if self.0.contains_key(&(provider, key.to_owned())) {
            return false;
        }
        self.0.insert((provider, key.to_owned()), None);
        true
    }

    fn release(&mut self, provider: &'static str, key: &str) {
        self.0.remove(&(provider, key.to_owned()));
    }

    /// The journal holds these now; they go once no duplicate check can still be reading from before.
    pub(crate) fn committed<'a>(
        &mut self,
        keys: impl Iterator<Item = (&'static str, &'a str)>,
        now: Instant,
    ) {
        for (provider, key) in keys {
            if let Some(at) = self.0.get_mut(&(provider, key.to_owned())) {
                *at = Some(now);
            }
        }
        self.0
            .retain(|_, at| at.is_none_or(|at| now.duration_since(at) < COMMITTED_KEY_TTL));
    }
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
    spool: OnceLock<Spool>,
    pub(crate) pending_keys: Mutex<PendingKeys>,
    /// Bytes of deliveries spooled and not yet journaled, and a wake-up after each journal commit.
    backlog: AtomicUsize,
    journaled: Notify,
    /// What a provider waits for after the signature check: the duplicate check and the spool append.
    pub accept_wait: crate::latency::Histogram,
    /// From a delivery's acceptance to its journal commit (group, queue and transaction).
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
            spool: OnceLock::new(),
            pending_keys: Mutex::default(),
            backlog: AtomicUsize::new(0),
            journaled: Notify::new(),
            accept_wait: crate::latency::Histogram::new(),
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

    /// Waits until every delivery accepted before this call has been journaled and applied. Needs the
    /// journal writer and the applier running (the listeners).
    pub async fn settle(&self) {
        let (tx, rx) = oneshot::channel();
        if self.journal.send(JournalJob::Settle(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// The spool this run appends to; set once, when the journal writer starts.
    pub(crate) fn set_spool(&self, spool: Spool) -> Result<(), Spool> {
        self.spool.set(spool)
    }

    pub(crate) fn spool(&self) -> Option<&Spool> {
        self.spool.get()
    }

    /// Takes in a verified delivery: appends it to the spool and returns at once (the journal writer commits
    /// it and queues it for the applier). Without a spool (it could not be opened) it waits for the commit.
    /// An error means the delivery is not stored: the provider should retry.
    pub async fn accept(&self, store: &Store, event: NewEvent) -> Result<Accepted, AcceptError> {
        let started = Instant::now();
        let Some(spool) = self.spool() else {
            return Ok(match self.journal_event(event, true).await? {
                Journaled::New(_) => Accepted::New,
                Journaled::Duplicate { .. } => Accepted::Duplicate,
            });
        };
        let (provider, key) = (event.provider, event.idempotency_key.clone());
        // A read on a reader connection, which never waits for the writer.
        let journaled = store
            .read(move |c| call_events::is_journaled(c, provider, &key))
            .await?;
        let reserved = self.spool_event(spool, event, started)?;
        self.wait_for_backlog().await;
        self.accept_wait.record(started.elapsed());
        Ok(if journaled || !reserved {
            Accepted::Duplicate
        } else {
            Accepted::New
        })
    }

    /// Reserves the delivery's key and appends it, under one lock, so the first of two deliveries with one
    /// key is also the first spooled and journaled; `false` when the key was already reserved.
    fn spool_event(&self, spool: &Spool, event: NewEvent, queued: Instant) -> Result<bool, AcceptError> {
        let (provider, key) = (event.provider, event.idempotency_key.clone());
        let mut keys = self.pending_keys.lock().unwrap_or_else(|p| p.into_inner());
        let reserved = keys.reserve(provider, &key);
        let appended = spool.append(event, |event, position| {
            // Counted before the journal writer can see it (and count it off).
            self.backlog.fetch_add(backlog_size(&event), Ordering::AcqRel);
            self.journal.send(JournalJob::Event {
                event: Box::new(event),
                position: Some(position),
                apply: true,
                reply: None,
                queued,
            })
        });
        match appended {
            Ok(Ok(())) => Ok(reserved),
            // The journal writer is gone (shutting down): the record is in the spool for the next start.
            Ok(Err(_)) => {
                tracing::debug!("webhook spooled while the journal writer stops");
                Ok(reserved)
            }
            Err(e) => {
                if reserved {
                    keys.release(provider, &key);
                }
                tracing::error!(error = %e, "cannot append a webhook to the spool");
                Err(AcceptError::Spool(e))
            }
        }
    }

    /// Waits while the journal is too far behind what was answered.
    async fn wait_for_backlog(&self) {
        loop {
            // Registered before the check, so a commit in between still wakes it.
            let journaled = self.journaled.notified();
            if self.backlog.load(Ordering::Acquire) <= JOURNAL_BACKLOG_BYTES {
                return;
            }
            journaled.await;
        }
    }

    /// The journal writer committed spooled deliveries of this [`backlog_size`].
    pub(crate) fn journaled(&self, bytes: usize) {
        let _ = self
            .backlog
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                Some(b.saturating_sub(bytes))
            });
        self.journaled.notify_waiters();
    }

    /// Commits `event` to the journal, together with whatever other deliveries are waiting (group commit),
    /// and answers once it is committed. `apply`: queue it for the applier (the OpenAI SIP route decides its
    /// own rows).
    pub async fn journal_event(&self, event: NewEvent, apply: bool) -> Result<Journaled, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.journal
            .send(JournalJob::Event {
                event: Box::new(event),
                position: None,
                apply,
                reply: Some(tx),
                queued: Instant::now(),
            })
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
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

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    #[test]
    fn a_key_stays_taken_until_its_commit_is_old_enough() {
        let mut keys = PendingKeys::default();
        let t0 = Instant::now();
        assert!(keys.reserve("twilio", "CA1:ringing"));
        assert!(!keys.reserve("twilio", "CA1:ringing"), "in flight: a duplicate");
        assert!(keys.reserve("exotel", "CA1:ringing"), "keys are per provider");
        keys.committed([("twilio", "CA1:ringing")].into_iter(), t0);
        // A duplicate check that read the journal just before that commit still finds the key here.
        keys.committed(std::iter::empty(), t0 + COMMITTED_KEY_TTL / 2);
        assert!(!keys.reserve("twilio", "CA1:ringing"));
        keys.committed(std::iter::empty(), t0 + COMMITTED_KEY_TTL);
        assert!(
            keys.reserve("twilio", "CA1:ringing"),
            "gone once the journal answers for it"
        );
        assert!(
            !keys.reserve("exotel", "CA1:ringing"),
            "not committed: never expires"
        );
    }

    #[test]
    fn answers_wait_while_the_journal_is_too_far_behind() {
        let hub = Hub::new(ProviderSecrets::default());
        assert!(hub.wait_for_backlog().now_or_never().is_some());
        hub.backlog.store(JOURNAL_BACKLOG_BYTES + 10, Ordering::Release);
        let mut waiting = Box::pin(hub.wait_for_backlog());
        assert!(
            (&mut waiting).now_or_never().is_none(),
            "past the limit: the answer waits"
        );
        hub.journaled(5);
        assert!((&mut waiting).now_or_never().is_none(), "still past it");
        hub.journaled(5);
        assert!(waiting.now_or_never().is_some(), "caught up: the answer goes");
        assert_eq!(hub.backlog.load(Ordering::Acquire), JOURNAL_BACKLOG_BYTES);
    }
}
