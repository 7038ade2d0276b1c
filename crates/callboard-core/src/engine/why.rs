//! "Why is nobody being called?": a campaign's contacts counted by the reason they are not being dialed
//! right now, and when the next one becomes dialable, in words a supervisor can act on.

use serde::Serialize;

use crate::{
    campaign::CampaignStatus,
    store::{StoreResult, attempts, campaigns},
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    pub state: String,
    pub reason: String,
    pub count: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhyReport {
    pub campaign_id: i64,
    pub status: CampaignStatus,
    pub in_flight: u32,
    pub max_concurrent: u32,
    /// Slots of `max_concurrent` kept free for others.
    pub reserved_headroom: u32,
    /// Calls in flight on this campaign's provider account, across campaigns, and its global cap.
    pub provider_in_flight: u32,
    pub provider_cap: Option<u32>,
    pub next_due_at: Option<String>,
    pub by_reason: Vec<ReasonCount>,
    /// One sentence: the main reason, or "dialing".
    pub summary: String,
}

fn label(state: &str, reason: &str) -> String {
    match (state, reason) {
        ("pending", "") => "waiting for a free line",
        ("pending", "outside_window") | ("retry_wait", "outside_window") => "outside their calling hours",
        ("retry_wait", "retry_delay") | ("retry_wait", "") => "waiting for the retry delay",
        (_, "callback_later") => "callback scheduled (called at the set time, before the list)",
        (_, "frequency_cap") => "called often lately (frequency cap across campaigns)",
        ("dialing", _) => "being called now",
        ("suppressed", _) => "on a do-not-call list",
        ("done", "answered") => "done: answered",
        ("done", "max_attempts") => "done: max attempts reached",
        ("done", "not_retried") => "done: outcome not retried",
        ("done", "window_never_opens") => "done: calling hours never open for them",
        ("done", "cancelled") => "done: cancelled",
        ("done", _) => "done",
        _ => return format!("{state} ({reason})"),
    }
    .to_owned()
}

/// Builds the report from the store (a read; safe to call often).
pub fn explain(conn: &rusqlite::Connection, campaign_id: i64, now: &str) -> StoreResult<WhyReport> {
    let campaign = campaigns::get(conn, campaign_id)?;
    let in_flight = attempts::in_flight(conn, campaign_id)?;
    let provider = campaign.provider.as_str();
    let provider_in_flight = crate::store::engine_step::provider_in_flight(conn)?
        .get(provider)
        .copied()
        .unwrap_or(0);
    let provider_cap = crate::engine::settings::load(conn)?.provider_cap(provider);
    let (counts, next_due_at) = attempts::reasons(conn, campaign_id)?;
    let by_reason: Vec<ReasonCount> = counts
        .into_iter()
        .map(|(state, reason, count)| ReasonCount {
            label: label(&state, &reason),
            state,
            reason,
            count,
        })
        .collect();
    let waiting = |state: &str| {
        by_reason
            .iter()
            .filter(|r| r.state == state)
            .map(|r| r.count)
            .sum::<i64>()
    };
    let due_now =
        next_due_at.as_deref().is_some_and(|n| n <= now) || waiting("pending") > 0 && next_due_at.is_none();
    let summary = if campaign.status != CampaignStatus::Running {
        format!(
            "The campaign is {}; nobody is called until it runs.",
            campaign.status.as_str()
        )
    } else if in_flight + campaign.reserved_headroom >= campaign.max_concurrent {
        format!(
            "All {} lines are busy ({} kept free as headroom); the next contact is called when a call ends.",
            campaign.max_concurrent.saturating_sub(campaign.reserved_headroom),
            campaign.reserved_headroom
        )
    } else if provider_cap.is_some_and(|cap| provider_in_flight >= cap) {
        format!(
            "The {provider} account is at its global cap of {} calls across campaigns; the next contact is \
             called when one ends.",
            provider_cap.unwrap_or_default()
        )
    } else if waiting("pending") + waiting("retry_wait") + waiting("dialing") == 0 {
        "Every contact is done or suppressed.".to_owned()
    } else if due_now {
        "Dialing.".to_owned()
    } else {
        match &next_due_at {
            Some(at) => format!("Nobody is due yet: the next contact becomes dialable at {at}."),
            None => "Nobody is due.".to_owned(),
        }
    };
    Ok(WhyReport {
        campaign_id,
        status: campaign.status,
        in_flight,
        max_concurrent: campaign.max_concurrent,
        reserved_headroom: campaign.reserved_headroom,
        provider_in_flight,
        provider_cap,
        next_due_at,
        by_reason,
        summary,
    })
}
