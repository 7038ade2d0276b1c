//! The dialing loop. A step costs at most two trips to the store's writer: one transaction that reads
//! everything it decides on (`store::engine_step::snapshot`) and applies what it decided (schedule
//! transitions, watchdog endings, breaker pauses, claims for every campaign, completions; `plan`), and,
//! when calls were claimed, one recording what the providers said. Claimed contacts are committed (call row with
//! its dial key, contact leased) before any provider is called; lost calls (a crash between claim and dial, an
//! expired lease) are reconciled with the provider, never re-dialed blindly.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};

use super::{
    dialer::{DialError, DialRequest, Dialer},
    outcome,
    pacing::RateLimiter,
    retry::Outcome,
};
use crate::{
    app::App,
    campaign::CampaignStatus,
    clock::to_db,
    events::Event,
    store::{StoreResult, attempts},
};

mod plan;
mod reconcile;

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
}

impl Engine {
    /// `dialers` by provider name (`sim`, `twilio`, …); campaigns on a provider without one wait, and say why.
    pub fn new(app: Arc<App>, dialers: HashMap<String, Arc<dyn Dialer>>) -> Self {
        Engine {
            app,
            dialers,
            limiters: HashMap::new(),
            last_reconcile: None,
        }
    }

    /// One pass over every campaign: one write transaction that reads, decides and claims, then the
    /// provider calls (watchdog hang-ups, dials), then one write recording what the providers said.
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
        let (done, limiters) = self
            .app
            .store
            .with_tx(move |tx| -> StoreResult<_> {
                let done = plan::step_tx(tx, at, &mut limiters, &providers)?;
                Ok((done, limiters))
            })
            .await?;
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
        // The board shows calls as they change: those the watchdog ended here, those dialed below.
        let overdue_ids: Vec<i64> = done.overdue.iter().map(|o| o.call.call_id).collect();
        crate::live::publish_calls(&self.app, overdue_ids).await;
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

    /// Places the claimed calls concurrently and records what the providers said, in one transaction.
    async fn dial(&self, claimed: Vec<(String, DialRequest)>, report: &mut StepReport) -> StoreResult<()> {
        if claimed.is_empty() {
            return Ok(());
        }
        let results = join_all(claimed.into_iter().map(|(provider, req)| {
            let call_id = req.call_id;
            let campaign_id = req.campaign_id;
            let dialer = self.dialers.get(&provider).cloned();
            async move {
                let result = match dialer {
                    Some(d) => d.dial(req).await,
                    None => Err(DialError::Unavailable("no dialer for this provider".into())),
                };
                (call_id, campaign_id, result)
            }
        }))
        .await;
        let at = self.app.clock.now();
        let changed: Vec<i64> = results.iter().map(|(id, ..)| *id).collect();
        let mut settled = Vec::new();
        for (call_id, _, result) in results {
            match result {
                Ok(dialed) => {
                    report.dialed += 1;
                    settled.push((call_id, Ok(dialed.provider_call_id)));
                }
                Err(DialError::Rejected(reason) | DialError::Unsupported(reason)) => {
                    report.failed_to_dial += 1;
                    settled.push((call_id, Err(reason)));
                }
                Err(DialError::Unavailable(reason)) => {
                    // Unknown fate: the call stays queued; reconciliation asks the provider later.
                    report.failed_to_dial += 1;
                    tracing::warn!(call_id, %reason, "provider unavailable; the call will be reconciled");
                }
            }
        }
        if !settled.is_empty() {
            self.app
                .store
                .with_tx(move |tx| -> StoreResult<()> {
                    let now = to_db(at);
                    for (call_id, result) in settled {
                        match result {
                            Ok(provider_call_id) => {
                                attempts::mark_dialed(tx, call_id, &provider_call_id, &now)?
                            }
                            Err(reason) => {
                                outcome::record(tx, call_id, Outcome::Failed, Some(&reason), at)?;
                            }
                        }
                    }
                    Ok(())
                })
                .await?;
        }
        crate::live::publish_calls(&self.app, changed).await;
        Ok(())
    }
}
