//! The dialing loop. A step costs one write transaction: it records what the providers said to the previous
//! step's dials (`dial_results`), reads everything it decides on (`store::engine_step::snapshot`) and applies
//! what it decided (schedule transitions, watchdog endings, breaker pauses, claims for every campaign,
//! completions; `plan`). Claimed contacts are committed (call row with its dial key, contact leased) before any
//! provider is called: that commit is the intent log. What the providers answered only has to be durable
//! eventually, so it rides with the next step's commit; a crash before then leaves the calls `queued`, which
//! is exactly the state of a crash between claim and dial: they are reconciled with the provider by dial key,
//! never re-dialed blindly.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};

use super::{
    dialer::{DialError, DialRequest, Dialer},
    pacing::RateLimiter,
};
use crate::{app::App, campaign::CampaignStatus, events::Event, store::StoreResult};

mod dial_results;
mod plan;
mod reconcile;

use dial_results::DialResult;

/// How often the loop runs when nothing wakes it.
pub const TICK: Duration = Duration::from_millis(500);
/// How often (clock time) a running engine asks providers about lost calls and expired leases.
const RECONCILE_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    pub dialed: usize,
    pub deferred: usize,
    pub suppressed: usize,
    /// Contacts deferred by the frequency cap.
    pub capped: usize,
    pub failed_to_dial: usize,
    pub completed: Vec<i64>,
    /// Campaigns the circuit breaker paused.
    pub paused: Vec<i64>,
    /// Campaigns the schedule started, completed or paused.
    pub scheduled: Vec<(i64, CampaignStatus)>,
    /// Calls the watchdog ended for running too long.
    pub hung_up: usize,
    /// The earliest time (as read at the start of the step) a waiting contact of a running campaign is due.
    pub next_due_at: Option<Timestamp>,
}

pub struct Engine {
    app: Arc<App>,
    dialers: HashMap<String, Arc<dyn Dialer>>,
    limiters: HashMap<i64, RateLimiter>,
    last_reconcile: Option<Timestamp>,
    /// What the providers said to dials not yet recorded: written by the next step's transaction (or
    /// [`Engine::flush`]); lost in a crash, when reconciliation asks the provider instead.
    unrecorded: Vec<DialResult>,
}

impl Engine {
    /// `dialers` by provider name (`sim`, `twilio`, …); campaigns on a provider without one wait, and say why.
    pub fn new(app: Arc<App>, dialers: HashMap<String, Arc<dyn Dialer>>) -> Self {
        Engine {
            app,
            dialers,
            limiters: HashMap::new(),
            last_reconcile: None,
            unrecorded: Vec::new(),
        }
    }

    /// Records the dial results not yet written, in a transaction of their own (the loop does this when it
    /// stops; a step does it in its own transaction anyway).
    pub async fn flush(&mut self) -> StoreResult<()> {
        let results = std::mem::take(&mut self.unrecorded);
        if results.is_empty() {
            return Ok(());
        }
        let kept = results.clone();
        let recorded = self
            .app
            .store
            .with_tx(move |tx| -> StoreResult<_> {
                let ids = dial_results::record(tx, &results)?;
                Ok(crate::live::read_calls_logged(tx, &ids))
            })
            .await;
        match recorded {
            Ok(changed_calls) => {
                crate::live::emit_calls(&self.app, changed_calls);
                Ok(())
            }
            Err(e) => {
                self.unrecorded = kept;
                Err(e)
            }
        }
    }

    /// One pass over every campaign: one write transaction that records the previous step's dial results,
    /// reads, decides and claims, then the provider calls (watchdog hang-ups, dials), whose results wait for
    /// the next step's transaction.
    pub async fn step(&mut self) -> StoreResult<StepReport> {
        let mut report = StepReport::default();
        let at = self.app.clock.now();
        if self
            .last_reconcile
            .is_none_or(|last| at.duration_since(last) >= RECONCILE_EVERY)
        {
            self.reconcile_lost().await?;
        }
        // The limiters travel into the writer's closure and back (lost only if the store fails: they refill).
        let mut limiters = std::mem::take(&mut self.limiters);
        let providers: HashSet<String> = self.dialers.keys().cloned().collect();
        let results = std::mem::take(&mut self.unrecorded);
        let kept = results.clone();
        let stepped = self
            .app
            .store
            .with_tx(move |tx| -> StoreResult<_> {
                let recorded = dial_results::record(tx, &results)?;
                let done = plan::step_tx(tx, at, &mut limiters, &providers)?;
                // The board shows calls as they change: those dialed last step (now recorded), those the
                // watchdog ended. Read here, where their pages are in the writer's cache (a reader would
                // start cold after this commit); emitted after it.
                let mut changed = recorded;
                changed.extend(done.overdue.iter().map(|o| o.call.call_id));
                let changed_calls = crate::live::read_calls_logged(tx, &changed);
                Ok((changed_calls, done, limiters))
            })
            .await;
        let (changed_calls, done, limiters) = match stepped {
            Ok(stepped) => stepped,
            Err(e) => {
                // Nothing was written: the results wait for the next try.
                self.unrecorded = kept;
                return Err(e);
            }
        };
        self.limiters = limiters;
        report.next_due_at = done.next_due_at;
        report.deferred = done.deferred;
        report.suppressed = done.suppressed;
        report.capped = done.capped;
        report.completed = done.completed;
        report.scheduled = done.scheduled;
        report.hung_up = done.overdue.len();
        for (id, reason) in done.paused {
            tracing::warn!(campaign_id = id, %reason, "campaign paused by the circuit breaker");
            self.app.events.emit(Event::Alert {
                kind: "circuit_breaker".into(),
                campaign_id: Some(id),
                message: reason,
            });
            report.paused.push(id);
        }
        for campaign in done.changed {
            self.app.events.emit(Event::CampaignChanged { campaign });
        }
        crate::live::emit_calls(&self.app, changed_calls);
        for o in done.overdue {
            if let Some(dialer) = self.dialers.get(&o.provider)
                && let Err(e) = dialer.hang_up(o.call.clone()).await
            {
                tracing::warn!(call_id = o.call.call_id, error = %e, "watchdog hang-up failed; the call record is ended anyway");
            }
            self.app.events.emit(Event::Alert {
                kind: "stuck_call".into(),
                campaign_id: Some(o.campaign_id),
                message: o.why,
            });
        }
        self.dial(done.claimed, &mut report).await?;
        Ok(report)
    }

    /// Places the claimed calls concurrently; what the providers said is kept for the next step's transaction.
    async fn dial(
        &mut self,
        claimed: Vec<(String, DialRequest)>,
        report: &mut StepReport,
    ) -> StoreResult<()> {
        if claimed.is_empty() {
            return Ok(());
        }
        let results = join_all(claimed.into_iter().map(|(provider, req)| {
            let call_id = req.call_id;
            let dialer = self.dialers.get(&provider).cloned();
            async move {
                let result = match dialer {
                    Some(d) => d.dial(req).await,
                    None => Err(DialError::Unavailable("no dialer for this provider".into())),
                };
                (call_id, result)
            }
        }))
        .await;
        let at = self.app.clock.now();
        for (call_id, result) in results {
            match result {
                Ok(dialed) => {
                    report.dialed += 1;
                    self.unrecorded
                        .push(DialResult::placed(call_id, dialed.provider_call_id, at));
                }
                Err(DialError::Rejected(reason) | DialError::Unsupported(reason)) => {
                    report.failed_to_dial += 1;
                    self.unrecorded.push(DialResult::refused(call_id, reason, at));
                }
                Err(DialError::Unavailable(reason)) => {
                    // Unknown fate: the call stays queued; reconciliation asks the provider later.
                    report.failed_to_dial += 1;
                    tracing::warn!(call_id, %reason, "provider unavailable; the call will be reconciled");
                }
            }
        }
        Ok(())
    }
}
