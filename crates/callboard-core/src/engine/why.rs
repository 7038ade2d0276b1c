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
    } else if in_flight >= campaign.max_concurrent {
        format!(
            "All {} lines are busy; the next contact is called when a call ends.",
            campaign.max_concurrent
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
        next_due_at,
        by_reason,
        summary,
    })
}
