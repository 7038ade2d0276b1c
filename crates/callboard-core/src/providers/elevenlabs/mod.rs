//! ElevenLabs Agents as a provider. Two modes: engine-paced (`elevenlabs`: the engine dials one call at a
//! time through [`dialer::ElevenLabsDialer`], so windows, retries, caps and DNC are ours) and batch
//! (`elevenlabs-batch`: [`batch`] submits and tracks ElevenLabs batches). Both rely on the post-call webhooks
//! (verified and applied by `webhooks/`), with [`reconcile`] completing calls whose webhook never came, and
//! [`webhook_setup`] registering and watching the webhook. [`client`] and [`endpoints`] are the REST client.

pub mod batch;
pub mod batch_poll;
pub mod client;
pub mod config;
pub mod dialer;
pub mod endpoints;
pub mod reconcile;
pub mod retry;
pub mod settle;
pub mod types;
pub mod webhook_setup;

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

pub use client::{Client, ElevenLabsError};
pub use config::ElevenLabsConfig;
pub use webhook_setup::{MemorySecretSink, WebhookSecretSink};

use crate::{app::App, clock::Clock};

/// The ElevenLabs provider of one instance: its client and where webhook secrets go.
pub struct ElevenLabs {
    pub client: Client,
    pub secret_sink: Arc<dyn WebhookSecretSink>,
}

impl std::fmt::Debug for ElevenLabs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElevenLabs")
            .field("client", &self.client)
            .finish()
    }
}

impl ElevenLabs {
    /// A provider that sleeps for real between retries.
    pub fn new(config: ElevenLabsConfig, clock: Arc<dyn Clock>, sink: Arc<dyn WebhookSecretSink>) -> Self {
        let seed = u64::from(std::process::id()) ^ clock.now().as_nanosecond() as u64;
        ElevenLabs::with_sleeper(
            config,
            clock,
            sink,
            Arc::new(retry::TokioSleeper),
            retry::Backoff::new(4, Duration::from_millis(500), Duration::from_secs(20), seed),
        )
    }

    /// A provider with an injected sleeper and backoff (tests: no real sleeps, fixed jitter).
    pub fn with_sleeper(
        config: ElevenLabsConfig,
        clock: Arc<dyn Clock>,
        sink: Arc<dyn WebhookSecretSink>,
        sleeper: Arc<dyn retry::Sleeper>,
        backoff: retry::Backoff,
    ) -> Self {
        ElevenLabs {
            client: Client::new(config, clock, sleeper, backoff),
            secret_sink: sink,
        }
    }

    /// Whether an API key is set.
    pub fn configured(&self) -> bool {
        self.client.config().api_key.is_some()
    }
}

/// How often the background task wakes.
const TICK: Duration = Duration::from_secs(5);

/// Runs batch polling, reconciliation and webhook checks until `shutdown`, each at its own interval (read
/// from the app's clock, so a manual clock in a test moves them too).
pub fn spawn(app: Arc<App>, el: Arc<ElevenLabs>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut reconciler = reconcile::Reconciler::default();
        let config = el.client.config().clone();
        let every =
            |d: Duration| jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::from_secs(30));
        let (mut next_batch, mut next_reconcile, mut next_check) =
            (app.clock.now(), app.clock.now(), app.clock.now());
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            if !el.configured() {
                continue;
            }
            let now = app.clock.now();
            if now >= next_batch {
                next_batch = now + every(config.batch_poll_every);
                if let Err(e) = batch::step(&app, &el).await {
                    tracing::error!(error = %e, "ElevenLabs batch pass failed");
                }
            }
            if now >= next_reconcile {
                next_reconcile = now + every(reconcile::PASS_EVERY);
                if let Err(e) = reconciler.step(&app, &el).await {
                    tracing::error!(error = %e, "ElevenLabs reconciliation failed");
                }
            }
            if now >= next_check {
                next_check = now + every(config.webhook_check_every);
                if let Err(e) = webhook_setup::check(&app, &el).await {
                    tracing::warn!(error = %e, "cannot check the ElevenLabs webhook");
                }
            }
        }
    })
}
