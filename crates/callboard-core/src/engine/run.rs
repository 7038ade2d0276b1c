//! The dialing loop. A step costs at most three trips to the store: one read gathering everything it decides
//! on (`store::engine_step::snapshot`), one write transaction doing everything it decided (schedule
//! transitions, watchdog endings, breaker pauses, claims for every campaign, completions), and, when calls
//! were claimed, one write recording what the providers said. Claimed contacts are committed (call row with
//! its dial key, contact leased) before any provider is called; lost calls (a crash between claim and dial, an
//! expired lease) are reconciled with the provider, never re-dialed blindly.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};

use super::{
    breaker::BreakerSettings,
    claim,
    dialer::{CallRef, DialError, DialRequest, Dialer},
    outcome,
    pacing::{RateLimiter, free_slots},
    retry::Outcome,
    schedule,
};
use crate::{
    app::App,
    campaign::{Campaign, CampaignStatus, Transition},
    clock::{from_db, to_db},
    events::Event,
    store::{StoreResult, attempts, campaigns, engine_step},
};

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

/// Everything a step decided before its write transaction.
#[derive(Default)]
struct Plan {
    schedule: Vec<(i64, CampaignStatus, &'static str)>,
    /// (call id, outcome, why) ended by the watchdog.
    watchdog: Vec<(i64, i64, Outcome, String)>,
    pauses: Vec<(i64, String)>,
    /// (campaign, free slots).
    claims: Vec<(attempts::EngineCampaign, usize)>,
    complete: Vec<i64>,
}

impl Plan {
    fn is_empty(&self) -> bool {
        self.schedule.is_empty()
            && self.watchdog.is_empty()
            && self.pauses.is_empty()
            && self.claims.is_empty()
            && self.complete.is_empty()
    }
}

/// What the step's write transaction did.
#[derive(Default)]
struct Done {
    /// (provider, request).
    claimed: Vec<(String, DialRequest)>,
    changed: Vec<Campaign>,
    completed: Vec<i64>,
    deferred: usize,
    suppressed: usize,
    capped: usize,
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

    /// One pass over every campaign.
    pub async fn step(&mut self) -> StoreResult<StepReport> {
        let mut report = StepReport::default();
        let at = self.app.clock.now();
        if self
            .last_reconcile
            .is_none_or(|last| at.duration_since(last) >= RECONCILE_EVERY)
        {
            self.reconcile_lost().await?;
        }
        let now = to_db(at);
        let snap = self
            .app
            .store
            .read(move |c| {
                engine_step::snapshot(c, &now, |campaign| {
                    to_db(at - SignedDuration::from_secs(campaign.max_call_seconds.max(60)))
                })
            })
            .await?;
        report.next_due_at = snap.next_due_at.as_deref().and_then(from_db);
        let mut plan = Plan {
            schedule: snap
                .scheduled
                .iter()
                .filter_map(|v| schedule::due(v, at).map(|(s, why)| (v.id, s, why)))
                .collect(),
            ..Plan::default()
        };
        let mut provider_in_flight = snap.provider_in_flight.clone();
        for state in &snap.campaigns {
            let c = &state.campaign;
            if plan.schedule.iter().any(|(id, ..)| *id == c.id) {
                continue;
            }
            let Some(dialer) = self.dialers.get(&c.provider).cloned() else {
                continue;
            };
            let overdue = state.overdue.len();
            self.watchdog(c, &dialer, &state.overdue, &mut plan).await;
            report.hung_up += overdue;
            let breaker: BreakerSettings = serde_json::from_str(&c.breaker).unwrap_or_default();
            let recent: Vec<_> = state
                .recent_endings
                .iter()
                .filter_map(|(t, f)| Some((from_db(t)?, *f)))
                .collect();
            if let Some(tripped) = breaker.evaluate(&recent, at) {
                plan.pauses.push((c.id, tripped.to_string()));
                continue;
            }
            let in_flight = state
                .in_flight
                .saturating_sub(u32::try_from(overdue).unwrap_or(0));
            let limiter = self
                .limiters
                .entry(c.id)
                .or_insert_with(|| RateLimiter::new(c.calls_per_second, at));
            let provider_used = provider_in_flight.entry(c.provider.clone()).or_default();
            let provider_free = snap
                .settings
                .provider_cap(&c.provider)
                .map_or(u32::MAX, |cap| cap.saturating_sub(*provider_used));
            let free = free_slots(c.max_concurrent, c.reserved_headroom, in_flight)
                .min(limiter.available(at))
                .min(provider_free);
            if free > 0 && state.has_due {
                // Reserve the provider slots now; unused ones are only lost for this step.
                *provider_used += free;
                plan.claims.push((c.clone(), free as usize));
            } else if !state.unfinished && in_flight == 0 {
                plan.complete.push(c.id);
            }
        }
        if plan.is_empty() {
            return Ok(report);
        }
        let done = self.commit_plan(plan, at, &mut report).await?;
        for (id, n) in done
            .claimed
            .iter()
            .fold(HashMap::<i64, u32>::new(), |mut m, (_, r)| {
                *m.entry(r.campaign_id).or_default() += 1;
                m
            })
        {
            if let Some(limiter) = self.limiters.get_mut(&id) {
                limiter.take(n, at);
            }
        }
        report.deferred += done.deferred;
        report.suppressed += done.suppressed;
        report.capped += done.capped;
        report.completed = done.completed;
        for campaign in done.changed {
            self.app.events.emit(Event::CampaignChanged { campaign });
        }
        self.dial(done.claimed, &mut report).await?;
        Ok(report)
    }

    /// The step's one write transaction.
    async fn commit_plan(&self, plan: Plan, at: Timestamp, report: &mut StepReport) -> StoreResult<Done> {
        for (id, reason) in &plan.pauses {
            tracing::warn!(campaign_id = id, %reason, "campaign paused by the circuit breaker");
            self.app.events.emit(Event::Alert {
                kind: "circuit_breaker".into(),
                campaign_id: Some(*id),
                message: reason.clone(),
            });
            report.paused.push(*id);
        }
        for (_, campaign_id, _, why) in &plan.watchdog {
            self.app.events.emit(Event::Alert {
                kind: "stuck_call".into(),
                campaign_id: Some(*campaign_id),
                message: why.clone(),
            });
        }
        report.scheduled = plan.schedule.iter().map(|(id, s, _)| (*id, *s)).collect();
        self.app
            .store
            .with_tx(move |tx| -> StoreResult<Done> {
                let now = to_db(at);
                let mut done = Done::default();
                for (id, status, why) in plan.schedule {
                    done.changed
                        .push(campaigns::set_status(tx, id, status, why, &now)?);
                }
                for (call_id, _, o, why) in plan.watchdog {
                    outcome::record(tx, call_id, o, Some(&why), at)?;
                }
                for (id, reason) in plan.pauses {
                    done.changed.push(campaigns::set_status(
                        tx,
                        id,
                        CampaignStatus::Paused,
                        &reason,
                        &now,
                    )?);
                }
                let settings = crate::engine::settings::load(tx)?;
                for (campaign, free) in plan.claims {
                    let c = claim::claim(tx, &campaign, free, &settings.frequency_cap, at)?;
                    done.deferred += c.deferred;
                    done.suppressed += c.suppressed;
                    done.capped += c.capped;
                    if !c.requests.is_empty() || c.deferred + c.suppressed + c.capped > 0 {
                        done.changed.push(campaigns::get(tx, campaign.id)?);
                    }
                    let provider = &campaign.provider;
                    done.claimed
                        .extend(c.requests.into_iter().map(|r| (provider.clone(), r)));
                }
                for id in plan.complete {
                    if attempts::unfinished(tx, id)? > 0 || attempts::in_flight(tx, id)? > 0 {
                        continue;
                    }
                    if campaigns::get(tx, id)?.status.apply(Transition::Complete).is_ok() {
                        done.changed.push(campaigns::set_status(
                            tx,
                            id,
                            CampaignStatus::Completed,
                            "list exhausted",
                            &now,
                        )?);
                        done.completed.push(id);
                    }
                }
                Ok(done)
            })
            .await
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
        if settled.is_empty() {
            return Ok(());
        }
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
            .await
    }

    /// Hangs up calls that ran past the campaign's max duration; their endings go into the step's write.
    async fn watchdog(
        &self,
        campaign: &attempts::EngineCampaign,
        dialer: &Arc<dyn Dialer>,
        overdue: &[attempts::OverdueCall],
        plan: &mut Plan,
    ) {
        let limit = campaign.max_call_seconds.max(60);
        for call in overdue {
            let r = CallRef {
                call_id: call.call_id,
                dial_key: call.dial_key.clone(),
                provider_call_id: call.provider_call_id.clone(),
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
            plan.watchdog.push((call.call_id, campaign.id, o, why));
        }
    }
}
