//! The dialing loop. Each step, for every running campaign: free slots = concurrency and rate limits; due
//! contacts are checked against DNC and the calling window in their own zones (those outside are deferred
//! to their next opening, so the next query does not see them again); the rest are claimed (call row + lease
//! committed first) and then dialed. Lost calls (a crash between claim and dial, an expired lease) are
//! reconciled with the provider, never re-dialed blindly. A campaign whose list is exhausted completes.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures_util::future::join_all;
use jiff::SignedDuration;
use tokio_util::sync::CancellationToken;

use super::{
    breaker::BreakerSettings,
    dialer::{CallRef, DialError, DialRequest, Dialer, Reconciled},
    outcome,
    pacing::{RateLimiter, free_slots},
    retry::Outcome,
};
use crate::{
    app::App,
    campaign::{CampaignStatus, Transition},
    clock::{from_db, to_db},
    events::Event,
    store::{StoreResult, attempts, campaigns},
};

/// How long a claimed contact stays leased beyond the campaign's max call duration before it is reconciled.
const LEASE_MARGIN: SignedDuration = SignedDuration::from_mins(10);
/// How often the loop runs when nothing wakes it.
pub const TICK: Duration = Duration::from_millis(500);

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepReport {
    pub dialed: usize,
    pub deferred: usize,
    pub suppressed: usize,
    pub failed_to_dial: usize,
    pub completed: Vec<i64>,
    /// Campaigns the circuit breaker paused.
    pub paused: Vec<i64>,
    /// Calls the watchdog ended for running too long.
    pub hung_up: usize,
}

pub struct Engine {
    app: Arc<App>,
    dialers: HashMap<String, Arc<dyn Dialer>>,
    limiters: HashMap<i64, RateLimiter>,
}

impl Engine {
    /// `dialers` by provider name (`sim`, `twilio`, …); campaigns on a provider without one wait, and say why.
    pub fn new(app: Arc<App>, dialers: HashMap<String, Arc<dyn Dialer>>) -> Self {
        Engine {
            app,
            dialers,
            limiters: HashMap::new(),
        }
    }

    /// One pass over every running campaign.
    pub async fn step(&mut self) -> StoreResult<StepReport> {
        let mut report = StepReport::default();
        let running = self.app.store.read(attempts::running_campaigns).await?;
        for campaign in running {
            let Some(dialer) = self.dialers.get(&campaign.provider).cloned() else {
                continue;
            };
            let id = campaign.id;
            self.watchdog(&campaign, &dialer).await?;
            if self.trip_breaker(&campaign).await? {
                report.paused.push(id);
                continue;
            }
            let now = self.app.clock.now();
            let in_flight = self.app.store.read(move |c| attempts::in_flight(c, id)).await?;
            let limiter = self
                .limiters
                .entry(id)
                .or_insert_with(|| RateLimiter::new(campaign.calls_per_second, now));
            let free = free_slots(campaign.max_concurrent, 0, in_flight).min(limiter.available(now));
            if free > 0 {
                let before = (
                    report.dialed,
                    report.deferred,
                    report.suppressed,
                    report.failed_to_dial,
                );
                let claimed = self.claim(&campaign, free as usize, &mut report).await?;
                if let Some(limiter) = self.limiters.get_mut(&id) {
                    limiter.take(u32::try_from(claimed.len()).unwrap_or(u32::MAX), now);
                }
                self.dial(dialer, claimed, &mut report).await?;
                if before
                    != (
                        report.dialed,
                        report.deferred,
                        report.suppressed,
                        report.failed_to_dial,
                    )
                {
                    // Progress for the UI (the bus batches bursts).
                    let campaign = self.app.store.read(move |c| campaigns::get(c, id)).await?;
                    self.app.events.emit(Event::CampaignChanged { campaign });
                }
            }
            if self.complete_if_done(id, in_flight).await? {
                report.completed.push(id);
            }
        }
        Ok(report)
    }

    /// Selects and claims up to `free` contacts of one campaign in one write transaction.
    async fn claim(
        &self,
        campaign: &attempts::EngineCampaign,
        free: usize,
        report: &mut StepReport,
    ) -> StoreResult<Vec<DialRequest>> {
        let at = self.app.clock.now();
        let campaign = campaign.clone();
        let window = outcome::window_for(&campaign.hours_preset);
        let lease = SignedDuration::from_secs(campaign.max_call_seconds.max(60)) + LEASE_MARGIN;
        let (claimed, deferred, suppressed) = self
            .app
            .store
            .with_tx(move |tx| -> StoreResult<_> {
                let now = to_db(at);
                let lease_until = to_db(at + lease);
                let mut claimed = Vec::new();
                let (mut deferred, mut suppressed) = (0, 0);
                for c in attempts::candidates(tx, campaign.id, &now, free * 4 + 32)? {
                    if claimed.len() == free {
                        break;
                    }
                    if c.on_dnc {
                        attempts::suppress(tx, campaign.id, c.contact_id, &now)?;
                        suppressed += 1;
                        continue;
                    }
                    let zones = outcome::zones_for(c.time_zone.as_deref(), &campaign.time_zone);
                    if !window.is_open_in_all(at, &zones) {
                        let next = window.next_open_in_all(at, &zones).map(to_db);
                        let reason = if next.is_some() {
                            "outside_window"
                        } else {
                            "window_never_opens"
                        };
                        attempts::defer(tx, campaign.id, c.contact_id, next.as_deref(), reason, &now)?;
                        deferred += 1;
                        continue;
                    }
                    let dial_key = uuid::Uuid::new_v4().to_string();
                    let call_id = attempts::claim(tx, &campaign, &c, &dial_key, &now, &lease_until)?;
                    claimed.push(DialRequest {
                        dial_key,
                        call_id,
                        campaign_id: campaign.id,
                        contact_id: c.contact_id,
                        phone_e164: c.phone_e164,
                        from_number: campaign.from_number.clone(),
                        agent_id: campaign.agent_id,
                        variables: serde_json::from_str(&c.variables).unwrap_or_default(),
                    });
                }
                Ok((claimed, deferred, suppressed))
            })
            .await?;
        report.deferred += deferred;
        report.suppressed += suppressed;
        Ok(claimed)
    }

    /// Places the claimed calls concurrently and records what the provider said.
    async fn dial(
        &self,
        dialer: Arc<dyn Dialer>,
        claimed: Vec<DialRequest>,
        report: &mut StepReport,
    ) -> StoreResult<()> {
        let results = join_all(claimed.into_iter().map(|req| {
            let call_id = req.call_id;
            let fut = dialer.dial(req);
            async move { (call_id, fut.await) }
        }))
        .await;
        let at = self.app.clock.now();
        let changed: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
        let mut unknown = Vec::new();
        let mut settled = Vec::new();
        for (call_id, result) in results {
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
                    report.failed_to_dial += 1;
                    unknown.push((call_id, reason));
                }
            }
        }
        // One transaction for the whole batch: the writer thread is the bottleneck at high rates.
        self.app
            .store
            .with_tx(move |tx| -> StoreResult<()> {
                let now = to_db(at);
                for (call_id, result) in settled {
                    match result {
                        Ok(provider_call_id) => attempts::mark_dialed(tx, call_id, &provider_call_id, &now)?,
                        Err(reason) => {
                            outcome::record(tx, call_id, Outcome::Failed, Some(&reason), at)?;
                        }
                    }
                }
                Ok(())
            })
            .await?;
        crate::live::publish_calls(&self.app, changed).await;
        // Unknown fate: leave those calls queued; `reconcile_lost` asks the provider later.
        for (call_id, reason) in unknown {
            tracing::warn!(call_id, %reason, "provider unavailable; the call will be reconciled");
        }
        Ok(())
    }

    /// Ends calls that ran past the campaign's max duration: hang up through the provider, record why.
    async fn watchdog(
        &self,
        campaign: &attempts::EngineCampaign,
        dialer: &Arc<dyn Dialer>,
    ) -> StoreResult<()> {
        let now = self.app.clock.now();
        let limit = campaign.max_call_seconds.max(60);
        let before = to_db(now - SignedDuration::from_secs(limit));
        let id = campaign.id;
        let overdue = self
            .app
            .store
            .read(move |c| attempts::overdue_calls(c, id, &before))
            .await?;
        for call in overdue {
            let r = CallRef {
                call_id: call.call_id,
                dial_key: call.dial_key,
                provider_call_id: call.provider_call_id,
            };
            if let Err(e) = dialer.hang_up(r).await {
                tracing::warn!(call_id = call.call_id, error = %e, "watchdog hang-up failed; ending the call record anyway");
            }
            let o = if call.answered {
                Outcome::Answered
            } else {
                Outcome::NoAnswer
            };
            let why = format!("watchdog: the call ran longer than {limit} s");
            let message = why.clone();
            self.app
                .store
                .with_tx(move |tx| outcome::record(tx, call.call_id, o, Some(&why), now))
                .await?;
            crate::live::publish_calls(&self.app, vec![call.call_id]).await;
            self.app.events.emit(Event::Alert {
                kind: "stuck_call".into(),
                campaign_id: Some(id),
                message,
            });
        }
        Ok(())
    }

    /// Pauses the campaign when the breaker trips; returns whether it did.
    async fn trip_breaker(&self, campaign: &attempts::EngineCampaign) -> StoreResult<bool> {
        let settings: BreakerSettings = serde_json::from_str(&campaign.breaker).unwrap_or_default();
        let (id, since, n) = (campaign.id, campaign.updated_at.clone(), settings.min_dials);
        let recent = self
            .app
            .store
            .read(move |c| attempts::recent_endings(c, id, &since, n))
            .await?;
        let recent: Vec<_> = recent
            .iter()
            .filter_map(|(t, f)| Some((from_db(t)?, *f)))
            .collect();
        let now = self.app.clock.now();
        let Some(tripped) = settings.evaluate(&recent, now) else {
            return Ok(false);
        };
        let reason = tripped.to_string();
        let stamp = to_db(now);
        let status_reason = reason.clone();
        let paused = self
            .app
            .store
            .with_tx(move |tx| campaigns::set_status(tx, id, CampaignStatus::Paused, &status_reason, &stamp))
            .await?;
        tracing::warn!(campaign_id = id, %reason, "campaign paused by the circuit breaker");
        self.app.events.emit(Event::CampaignChanged { campaign: paused });
        self.app.events.emit(Event::Alert {
            kind: "circuit_breaker".into(),
            campaign_id: Some(id),
            message: reason,
        });
        Ok(true)
    }

    async fn complete_if_done(&self, campaign_id: i64, in_flight_before: u32) -> StoreResult<bool> {
        if in_flight_before > 0 {
            return Ok(false);
        }
        let now = to_db(self.app.clock.now());
        let completed = self
            .app
            .store
            .with_tx(move |tx| -> StoreResult<Option<crate::campaign::Campaign>> {
                if attempts::unfinished(tx, campaign_id)? > 0 || attempts::in_flight(tx, campaign_id)? > 0 {
                    return Ok(None);
                }
                let current = campaigns::get(tx, campaign_id)?;
                match current.status.apply(Transition::Complete) {
                    Ok(CampaignStatus::Completed) => Ok(Some(campaigns::set_status(
                        tx,
                        campaign_id,
                        CampaignStatus::Completed,
                        "list exhausted",
                        &now,
                    )?)),
                    _ => Ok(None),
                }
            })
            .await?;
        match completed {
            Some(campaign) => {
                self.app.events.emit(Event::CampaignChanged { campaign });
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Asks the providers about calls whose dial outcome was never recorded or whose lease ran out.
    pub async fn reconcile_lost(&self) -> StoreResult<usize> {
        let now = to_db(self.app.clock.now());
        let lost = self
            .app
            .store
            .read(move |c| attempts::lost_calls(c, &now))
            .await?;
        let mut settled = 0;
        for attempts::LostCall {
            call_id,
            dial_key,
            provider_call_id,
            provider,
        } in lost
        {
            let Some(dialer) = self.dialers.get(&provider) else {
                continue;
            };
            let call = CallRef {
                call_id,
                dial_key,
                provider_call_id,
            };
            let answer = match dialer.reconcile(call).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(call_id, error = %e, "reconciliation failed; will retry");
                    continue;
                }
            };
            let at = self.app.clock.now();
            self.app
                .store
                .with_tx(move |tx| -> StoreResult<()> {
                    match answer {
                        Reconciled::NotFound => attempts::release_unplaced(tx, call_id, &to_db(at)),
                        Reconciled::InProgress { provider_call_id } => {
                            attempts::mark_dialed(tx, call_id, &provider_call_id, &to_db(at))
                        }
                        Reconciled::Ended {
                            provider_call_id,
                            outcome: o,
                        } => {
                            attempts::mark_dialed(tx, call_id, &provider_call_id, &to_db(at))?;
                            outcome::record(tx, call_id, o, None, at).map(|_| ())
                        }
                    }
                })
                .await?;
            crate::live::publish_calls(&self.app, vec![call_id]).await;
            settled += 1;
        }
        Ok(settled)
    }

    /// Runs the loop until `shutdown`: reconcile first (a restart after a crash), then step every tick.
    pub fn spawn(mut self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(e) = self.reconcile_lost().await {
                tracing::error!(error = %e, "startup reconciliation failed");
            }
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    _ = tick.tick() => {}
                }
                if let Err(e) = self.step().await {
                    tracing::error!(error = %e, "engine step failed");
                }
            }
        })
    }
}
