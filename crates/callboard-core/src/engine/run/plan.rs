//! A step's decisions, made and committed inside its one write transaction: read the snapshot (the writer
//! sees its own latest state, so nothing is decided on a stale read), decide (schedule transitions, watchdog
//! endings, breaker pauses, free slots per campaign within its limits, headroom, rate and the provider
//! account's global cap, completions), and apply it all. Provider calls (hang-ups, dials) happen afterwards.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use crate::{
    campaign::{Campaign, CampaignStatus, Transition},
    clock::{from_db, to_db},
    engine::{
        breaker::BreakerSettings,
        claim,
        dialer::{CallRef, DialRequest},
        outcome,
        pacing::{RateLimiter, free_slots},
        retry::Outcome,
        schedule,
    },
    store::{StoreResult, attempts, campaigns, engine_step},
};

/// A call the watchdog ended: hung up at the provider after the commit.
pub(super) struct Overdue {
    pub provider: String,
    pub call: CallRef,
    pub campaign_id: i64,
    pub why: String,
}

/// What the step's write transaction did.
#[derive(Default)]
pub(super) struct Done {
    /// (provider, request).
    pub claimed: Vec<(String, DialRequest)>,
    pub changed: Vec<Campaign>,
    pub completed: Vec<i64>,
    pub deferred: usize,
    pub suppressed: usize,
    pub capped: usize,
    /// (campaign, why) paused by the breaker.
    pub paused: Vec<(i64, String)>,
    pub overdue: Vec<Overdue>,
    pub scheduled: Vec<(i64, CampaignStatus)>,
    pub next_due_at: Option<Timestamp>,
}

/// Reads, decides and applies one step. `providers` are those with a dialer; `limiters` are the campaigns'
/// rate limiters (tokens are taken for what was claimed).
pub(super) fn step_tx(
    tx: &Connection,
    at: Timestamp,
    limiters: &mut HashMap<i64, RateLimiter>,
    providers: &HashSet<String>,
) -> StoreResult<Done> {
    let now = to_db(at);
    let snap = engine_step::snapshot(tx, &now, |campaign| {
        to_db(at - SignedDuration::from_secs(campaign.max_call_seconds.max(60)))
    })?;
    let mut done = Done {
        next_due_at: snap.next_due_at.as_deref().and_then(from_db),
        ..Done::default()
    };
    let schedule: Vec<_> = snap
        .scheduled
        .iter()
        .filter_map(|v| schedule::due(v, at).map(|(s, why)| (v.id, s, why)))
        .collect();
    for (id, status, why) in &schedule {
        done.changed
            .push(campaigns::set_status(tx, *id, *status, why, &now)?);
        done.scheduled.push((*id, *status));
    }
    let mut provider_in_flight = snap.provider_in_flight.clone();
    let mut complete = Vec::new();
    for state in &snap.campaigns {
        let c = &state.campaign;
        if schedule.iter().any(|(id, ..)| *id == c.id) || !providers.contains(&c.provider) {
            continue;
        }
        let limit = c.max_call_seconds.max(60);
        for call in &state.overdue {
            // Ended in our books now; the hang-up at the provider follows the commit.
            let o = if call.answered {
                Outcome::Answered
            } else {
                Outcome::NoAnswer
            };
            let why = format!("watchdog: the call ran longer than {limit} s");
            outcome::record(tx, call.call_id, o, Some(&why), at)?;
            done.overdue.push(Overdue {
                provider: c.provider.clone(),
                call: CallRef {
                    call_id: call.call_id,
                    dial_key: call.dial_key.clone(),
                    provider_call_id: call.provider_call_id.clone(),
                },
                campaign_id: c.id,
                why,
            });
        }
        let breaker: BreakerSettings = serde_json::from_str(&c.breaker).unwrap_or_default();
        let recent: Vec<_> = state
            .recent_endings
            .iter()
            .filter_map(|(t, f)| Some((from_db(t)?, *f)))
            .collect();
        if let Some(tripped) = breaker.evaluate(&recent, at) {
            let reason = tripped.to_string();
            done.changed.push(campaigns::set_status(
                tx,
                c.id,
                CampaignStatus::Paused,
                &reason,
                &now,
            )?);
            done.paused.push((c.id, reason));
            continue;
        }
        let in_flight = state
            .in_flight
            .saturating_sub(u32::try_from(state.overdue.len()).unwrap_or(0));
        let limiter = limiters
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
        let mut claimed_now = 0;
        if free > 0 && state.has_due {
            let claimed = claim::claim(tx, c, free as usize, &snap.settings.frequency_cap, at)?;
            let n = u32::try_from(claimed.requests.len()).unwrap_or(u32::MAX);
            claimed_now = n;
            limiter.take(n, at);
            *provider_used += n;
            done.deferred += claimed.deferred;
            done.suppressed += claimed.suppressed;
            done.capped += claimed.capped;
            if n > 0 || claimed.deferred + claimed.suppressed + claimed.capped > 0 {
                done.changed.push(campaigns::get(tx, c.id)?);
            }
            done.claimed
                .extend(claimed.requests.into_iter().map(|r| (c.provider.clone(), r)));
        }
        // The last due contacts may have just been set aside (DNC, max attempts): the list can be exhausted
        // in the very step that found them, so check then too (re-verified in the transaction below).
        if claimed_now == 0 && in_flight == 0 && (!state.unfinished || state.has_due) {
            complete.push(c.id);
        }
    }
    for id in complete {
        if attempts::has_unfinished(tx, id)? || attempts::in_flight(tx, id)? > 0 {
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
}
