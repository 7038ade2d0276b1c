//! Callbacks captured from the call: a data-collection field whose name contains `callback` (ElevenLabs'
//! `data_collection_results`, stored in the call's `analysis`) holding a time (RFC 3339 with an offset, or a
//! local `YYYY-MM-DD HH:MM` in the contact's zone) schedules the next attempt then, ahead of the list order,
//! while the campaign's max attempts allow another. Supervisor-set callbacks go through `contact.callback`.

use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::{
    outcome::zones_for,
    retry::{Outcome, RetryPolicy},
};
use crate::{
    clock::to_db,
    store::{StoreResult, attempts::CallContext},
};

/// The contact's state while `ctx`'s call is its latest one (`None` once a newer call took over).
pub fn contact_state_for_call(conn: &Connection, ctx: &CallContext) -> StoreResult<Option<String>> {
    let (Some(campaign_id), Some(contact_id)) = (ctx.campaign_id, ctx.contact_id) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(
            "SELECT state FROM campaign_contacts WHERE campaign_id = ?1 AND contact_id = ?2 AND last_call_id = ?3",
        )?
        .query_row(params![campaign_id, contact_id, ctx.call_id], |r| r.get(0))
        .optional()?)
}

/// The outcome of an ended call from its stored status and outcome; `None` while it is still going.
pub fn terminal_outcome(conn: &Connection, call_id: i64, status: &str) -> StoreResult<Option<Outcome>> {
    if by_status(status).is_none() {
        return Ok(None);
    }
    let outcome: Option<String> = conn
        .prepare_cached("SELECT outcome FROM calls WHERE id = ?1")?
        .query_row([call_id], |r| r.get(0))?;
    Ok(outcome_of(status, outcome.as_deref()))
}

/// [`terminal_outcome`] from the call's status and outcome as stored now, read together.
pub fn terminal_outcome_now(conn: &Connection, call_id: i64) -> StoreResult<Option<Outcome>> {
    let stored: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT status, outcome FROM calls WHERE id = ?1")?
        .query_row([call_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(stored.and_then(|(status, outcome)| outcome_of(&status, outcome.as_deref())))
}

/// The engine's outcome for an ended call's status, refined by its stored outcome.
fn outcome_of(status: &str, outcome: Option<&str>) -> Option<Outcome> {
    let by_status = by_status(status)?;
    Some(match outcome {
        Some("answered") => Outcome::Answered,
        Some("no_answer") => Outcome::NoAnswer,
        Some("busy") => Outcome::Busy,
        Some("voicemail") => Outcome::Voicemail,
        Some("failed") => Outcome::Failed,
        Some("canceled" | "cancelled") => Outcome::Cancelled,
        _ => by_status,
    })
}

fn by_status(status: &str) -> Option<Outcome> {
    Some(match status {
        "completed" => Outcome::Answered,
        "no_answer" => Outcome::NoAnswer,
        "busy" => Outcome::Busy,
        "voicemail" => Outcome::Voicemail,
        "failed" => Outcome::Failed,
        "canceled" | "cancelled" => Outcome::Cancelled,
        _ => return None,
    })
}

/// A callback time in a call's analysis JSON, if the call captured one.
pub fn callback_time(analysis: &Value, zone: &TimeZone) -> Option<Timestamp> {
    let results = analysis.get("data_collection_results")?.as_object()?;
    results
        .iter()
        .filter(|(k, _)| k.to_ascii_lowercase().contains("callback"))
        .filter_map(|(_, v)| v.get("value").unwrap_or(v).as_str())
        .find_map(|raw| parse_time(raw.trim(), zone))
}

fn parse_time(raw: &str, zone: &TimeZone) -> Option<Timestamp> {
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Some(t);
    }
    let local: DateTime = raw.replacen(' ', "T", 1).parse().ok()?;
    zone.to_ambiguous_timestamp(local).compatible().ok()
}

/// Schedules the callback the call captured, if any, it is ahead and another attempt is allowed.
pub fn capture(conn: &Connection, ctx: &CallContext, policy: &RetryPolicy, at: Timestamp) -> StoreResult<()> {
    let (Some(campaign_id), Some(contact_id)) = (ctx.campaign_id, ctx.contact_id) else {
        return Ok(());
    };
    if ctx.attempt >= policy.max_attempts {
        return Ok(());
    }
    let analysis: String = conn
        .prepare_cached("SELECT IFNULL(analysis, '{}') FROM calls WHERE id = ?1")?
        .query_row([ctx.call_id], |r| r.get(0))?;
    let Ok(analysis) = serde_json::from_str::<Value>(&analysis) else {
        return Ok(());
    };
    let zones = zones_for(ctx.contact_time_zone.as_deref(), &ctx.campaign_time_zone);
    let zone = zones.first().cloned().unwrap_or(TimeZone::UTC);
    let Some(when) = callback_time(&analysis, &zone).filter(|t| *t > at) else {
        return Ok(());
    };
    let when = to_db(when);
    conn.prepare_cached(
        "UPDATE campaign_contacts SET state = 'retry_wait', callback_at = ?4, next_attempt_at = ?4,
                wait_reason = 'callback_later', updated_at = ?5
         WHERE campaign_id = ?1 AND contact_id = ?2 AND last_call_id = ?3 AND state IN ('retry_wait', 'done')",
    )?
    .execute(params![campaign_id, contact_id, ctx.call_id, when, to_db(at)])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_times_come_from_data_collection_fields_named_callback() {
        let kuwait = crate::validation::zone("Asia/Kuwait").unwrap_or(TimeZone::UTC);
        let a = serde_json::json!({"data_collection_results": {
            "callback_time": {"data_collection_id": "callback_time", "value": "2026-03-02 10:30"},
            "budget": {"value": "2026-01-01T00:00:00Z"}
        }});
        assert_eq!(
            callback_time(&a, &kuwait),
            "2026-03-02T07:30:00Z".parse().ok(),
            "a local time is read in the contact's zone"
        );
        let b = serde_json::json!({"data_collection_results": {"Callback_At": {"value": "2026-03-02T10:30:00+05:30"}}});
        assert_eq!(callback_time(&b, &kuwait), "2026-03-02T05:00:00Z".parse().ok());
        let none =
            serde_json::json!({"data_collection_results": {"callback_time": {"value": "next week maybe"}}});
        assert_eq!(callback_time(&none, &kuwait), None);
        assert_eq!(callback_time(&serde_json::json!({}), &kuwait), None);
    }
}
