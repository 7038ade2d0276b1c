//! Where a call's webhooks meet the engine: when the fold of a call's events reaches a terminal status, the
//! ending goes through `engine::outcome::record` (the contact retries or is done, exactly once, whichever
//! event or reconciliation came first), and an ended call is never revived by a late progress event.

use rusqlite::Connection;

use crate::{
    clock::from_db,
    engine::{outcome, retry::Outcome},
    store::{StoreResult, attempts::CallContext, calls::Derived},
};

/// Statuses that end a call, in the webhooks' vocabulary.
const TERMINAL: [&str; 6] = [
    "completed",
    "busy",
    "no_answer",
    "failed",
    "canceled",
    "cancelled",
];
/// The status a supervisor's transfer leaves (`api::calls`); no provider reports it.
const HANDED_TO_A_PERSON: &str = "transferred";
/// Statuses of a call still going (the engine's in-flight set plus the carriers' `initiated`).
const GOING: [&str; 5] = ["queued", "dialing", "initiated", "ringing", "in_progress"];

/// The engine's outcome for a terminal (status, outcome) pair from the fold.
pub fn outcome_of(status: &str, outcome: Option<&str>) -> Option<Outcome> {
    if !TERMINAL.contains(&status) {
        return None;
    }
    Some(match outcome.unwrap_or(status) {
        "voicemail" => Outcome::Voicemail,
        "busy" => Outcome::Busy,
        "no_answer" => Outcome::NoAnswer,
        "failed" => Outcome::Failed,
        "canceled" | "cancelled" => Outcome::Cancelled,
        _ => Outcome::Answered,
    })
}

/// Ends the call through the engine when `derived` is terminal and the call was still going; returns the
/// campaign whose contact moved on. A call that has already ended keeps its terminal status against a late
/// progress event (`derived.status` is cleared so the update leaves it).
pub fn end_if_terminal(
    tx: &Connection,
    ctx: &CallContext,
    derived: &mut Derived,
    now: &str,
) -> StoreResult<Option<i64>> {
    let (current, campaign_id) = (&ctx.status, ctx.campaign_id);
    let going = GOING.contains(&current.as_str());
    if current == HANDED_TO_A_PERSON {
        // Only Callboard knows the call was handed over: the carrier's own ending of the agent's leg
        // ("completed") arrives after the transfer and must not write over it.
        derived.status = None;
        derived.status_event_id = None;
        return Ok(None);
    }
    let Some(status) = derived.status.clone() else {
        return Ok(None);
    };
    let Some(o) = outcome_of(&status, derived.outcome.as_deref()) else {
        if !going {
            derived.status = None;
            derived.status_event_id = None;
        }
        return Ok(None);
    };
    if !going {
        return Ok(None);
    }
    let at = from_db(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let ended = outcome::record_for(tx, ctx, o, None, at)?;
    Ok(if ended { campaign_id } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_pairs_map_to_engine_outcomes() {
        assert_eq!(outcome_of("completed", None), Some(Outcome::Answered));
        assert_eq!(
            outcome_of("completed", Some("voicemail")),
            Some(Outcome::Voicemail)
        );
        assert_eq!(
            outcome_of("no_answer", Some("no_answer")),
            Some(Outcome::NoAnswer)
        );
        assert_eq!(outcome_of("busy", None), Some(Outcome::Busy));
        assert_eq!(outcome_of("failed", Some("failed")), Some(Outcome::Failed));
        assert_eq!(outcome_of("ringing", None), None);
        assert_eq!(outcome_of("in_progress", Some("voicemail")), None);
    }
}
