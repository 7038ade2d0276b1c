//! How a call ended, applied to the call and its contact in the caller's transaction: the webhook applier,
//! the reconciler and the engine all end calls through here, so the retry rules live in one place.

use jiff::{Timestamp, tz::TimeZone};
use rusqlite::Connection;

use super::{
    callback,
    retry::{NextStep, Outcome, RetryPolicy},
    window::CallingWindow,
};
use crate::{
    clock::to_db,
    store::{StoreError, StoreResult, attempts},
};

/// The call status an outcome ends in.
pub fn final_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Answered => "completed",
        Outcome::NoAnswer => "no_answer",
        Outcome::Busy => "busy",
        Outcome::Voicemail => "voicemail",
        Outcome::Failed => "failed",
        Outcome::Cancelled => "cancelled",
    }
}

pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Answered => "answered",
        Outcome::NoAnswer => "no_answer",
        Outcome::Busy => "busy",
        Outcome::Voicemail => "voicemail",
        Outcome::Failed => "failed",
        Outcome::Cancelled => "cancelled",
    }
}

/// The zones a contact is called in: its own (a JSON list from the import, or names separated by spaces or
/// commas), else the campaign's default.
pub fn zones_for(contact_zone: Option<&str>, campaign_zone: &str) -> Vec<TimeZone> {
    let raw = contact_zone.unwrap_or("").trim();
    let names: Vec<String> = if raw.starts_with('[') {
        serde_json::from_str(raw).unwrap_or_default()
    } else {
        raw.split([' ', ','])
            .filter(|z| !z.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let own: Vec<TimeZone> = names.iter().filter_map(|z| crate::validation::zone(z)).collect();
    if !own.is_empty() {
        return own;
    }
    vec![crate::validation::zone(campaign_zone).unwrap_or(TimeZone::UTC)]
}

/// The campaign's window by preset name; an unknown preset is treated as "always" and logged.
pub fn window_for(preset: &str) -> CallingWindow {
    CallingWindow::preset(preset).unwrap_or_else(|| {
        tracing::warn!(preset, "unknown calling-hours preset; not restricting hours");
        CallingWindow::preset("always").unwrap_or_default()
    })
}

pub fn policy_from_json(json: &str) -> RetryPolicy {
    serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "unreadable retry policy; using the defaults");
        RetryPolicy::default()
    })
}

/// Ends `call_id` with `outcome` and moves its contact on (retry later or done). Returns `false` when the
/// call had already ended (a repeated or late event changes nothing), though a contact still held by that
/// call (it ended through a webhook, say) is moved on then too, so its slot is always freed.
pub fn record(
    conn: &Connection,
    call_id: i64,
    outcome: Outcome,
    error: Option<&str>,
    at: Timestamp,
) -> StoreResult<bool> {
    let ctx = attempts::call_context(conn, call_id)?.ok_or_else(|| StoreError::NotFound {
        what: "call",
        id: call_id.to_string(),
    })?;
    record_for(conn, &ctx, outcome, error, at)
}

/// [`record`] for a call whose context this transaction has already read (the webhook applier reads it once
/// per event). Only the context's ids, attempt and campaign rules are used, which ending a call leaves as
/// they were.
pub fn record_for(
    conn: &Connection,
    ctx: &attempts::CallContext,
    outcome: Outcome,
    error: Option<&str>,
    at: Timestamp,
) -> StoreResult<bool> {
    let now = to_db(at);
    let ended = attempts::end_call(
        conn,
        ctx.call_id,
        final_status(outcome),
        outcome_name(outcome),
        error,
        &now,
    )?;
    if ended || callback::contact_state_for_call(conn, ctx)?.as_deref() == Some("dialing") {
        move_contact_on(conn, ctx, outcome, at)?;
    }
    Ok(ended)
}

/// The retry step for the contact of an ended call: retry at a time in its window, a callback it asked for
/// during the call, or done.
fn move_contact_on(
    conn: &Connection,
    ctx: &attempts::CallContext,
    outcome: Outcome,
    at: Timestamp,
) -> StoreResult<()> {
    apply_retry_rules(conn, ctx, outcome, at)?;
    callback::capture(conn, ctx, &policy_from_json(&ctx.retry_policy), at)
}

/// Applies the campaign's retry policy to the contact of an ended call: retry at a time inside its window, or
/// done with the reason. Callers check that the contact still waits on this call.
pub(crate) fn apply_retry_rules(
    conn: &Connection,
    ctx: &attempts::CallContext,
    outcome: Outcome,
    at: Timestamp,
) -> StoreResult<()> {
    let (Some(campaign_id), Some(contact_id)) = (ctx.campaign_id, ctx.contact_id) else {
        return Ok(());
    };
    let now = to_db(at);
    let policy = policy_from_json(&ctx.retry_policy);
    let window = window_for(&ctx.hours_preset);
    let zones = zones_for(ctx.contact_time_zone.as_deref(), &ctx.campaign_time_zone);
    let (next, reason) = match policy.next_step(outcome, ctx.attempt, at, &window, &zones) {
        NextStep::RetryAt(when) => (Some(to_db(when)), "retry_delay".to_owned()),
        NextStep::Done(reason) => (
            None,
            serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
    };
    attempts::after_attempt(
        conn,
        campaign_id,
        contact_id,
        outcome_name(outcome),
        next.as_deref(),
        &reason,
        &now,
    )
}

/// After a webhook was applied to `call_id`: if the call is over and its contact still holds the slot, the
/// contact moves on by the call's outcome; a callback time the call captured is scheduled.
pub fn settle_after_webhook(conn: &Connection, call_id: i64, at: Timestamp) -> StoreResult<()> {
    let Some(ctx) = attempts::call_context(conn, call_id)? else {
        return Ok(());
    };
    settle_after_webhook_for(conn, &ctx, at)
}

/// [`settle_after_webhook`] with the call's context read earlier in this transaction: its `status` may be
/// out of date (the webhook may have just changed it), so the call's status is read again here; the ids,
/// attempt and campaign rules a webhook never changes.
pub fn settle_after_webhook_for(
    conn: &Connection,
    ctx: &attempts::CallContext,
    at: Timestamp,
) -> StoreResult<()> {
    let Some(outcome) = callback::terminal_outcome_now(conn, ctx.call_id)? else {
        return Ok(());
    };
    match callback::contact_state_for_call(conn, ctx)?.as_deref() {
        Some("dialing") => move_contact_on(conn, ctx, outcome, at),
        Some("retry_wait" | "done") => callback::capture(conn, ctx, &policy_from_json(&ctx.retry_policy), at),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_come_from_a_json_list_a_plain_list_or_the_campaign() {
        let two = zones_for(Some(r#"["America/Boise","America/Los_Angeles"]"#), "UTC");
        assert_eq!(two.len(), 2);
        assert_eq!(zones_for(Some("America/Boise America/Los_Angeles"), "UTC"), two);
        let fallback = zones_for(Some("[]"), "Asia/Kuwait");
        assert_eq!(fallback.first().and_then(|z| z.iana_name()), Some("Asia/Kuwait"));
        assert_eq!(zones_for(Some("Mars/Base"), "Nowhere/Land"), vec![TimeZone::UTC]);
    }
}
