//! The webhook state an [`App`](crate::app::App) carries: the provider secrets, the guard, and the queue
//! that feeds the applier task (started with the listeners). Handlers enqueue a journal row id after the
//! commit; [`Hub::settle`] waits until everything queued before it has been applied (tests, bench, shutdown).

use std::sync::{Mutex, RwLock};

use jiff::SignedDuration;
use tokio::sync::{mpsc, oneshot};

use super::{ProviderSecrets, guard::Guard, sig_elevenlabs};

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
    pub guard: Guard,
    queue: mpsc::UnboundedSender<Job>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
}

impl Hub {
    pub fn new(secrets: ProviderSecrets) -> Hub {
        let (queue, rx) = mpsc::unbounded_channel();
        Hub {
            secrets: RwLock::new(secrets),
            future_skew: RwLock::new(sig_elevenlabs::DEFAULT_FUTURE_SKEW),
            guard: Guard::default(),
            queue,
            receiver: Mutex::new(Some(rx)),
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

    pub(crate) fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Job>> {
        self.receiver.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
