//! Moving a contact on after an ElevenLabs call ended by a path other than `engine::outcome::record`: a
//! post-call webhook (or a reconciled conversation, which goes through the same applier) rewrites the call's
//! status, but the contact stays `dialing` until someone applies the retry rules to it. This does, with the
//! campaign's policy and window, in the caller's transaction.

use jiff::Timestamp;
use rusqlite::Connection;

use crate::{
    engine::{outcome, retry::Outcome},
    store::{StoreResult, attempts},
};

/// The retry outcome of an ended call, from its derived status and outcome columns.
pub fn outcome_of(status: &str, outcome: Option<&str>) -> Outcome {
    match outcome.unwrap_or(status) {
        "answered" | "completed" => Outcome::Answered,
        "voicemail" => Outcome::Voicemail,
        "busy" => Outcome::Busy,
        "no_answer" | "no-answer" => Outcome::NoAnswer,
        "cancelled" | "canceled" => Outcome::Cancelled,
        _ => Outcome::Failed,
    }
}

/// Applies the retry rules to the contact of `call_id` (only if its contact still waits on this call).
pub fn settle_contact(conn: &Connection, call_id: i64, outcome: Outcome, at: Timestamp) -> StoreResult<bool> {
    let Some(ctx) = attempts::call_context(conn, call_id)? else {
        return Ok(false);
    };
    let (Some(campaign_id), Some(contact_id)) = (ctx.campaign_id, ctx.contact_id) else {
        return Ok(false);
    };
    let waiting: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM campaign_contacts WHERE campaign_id = ?1 AND contact_id = ?2
                AND last_call_id = ?3 AND state = 'dialing')",
        rusqlite::params![campaign_id, contact_id, call_id],
        |r| r.get(0),
    )?;
    if !waiting {
        return Ok(false);
    }
    outcome::apply_retry_rules(conn, &ctx, outcome, at)?;
    Ok(true)
}

/// Settles every contact whose ElevenLabs call ended without `outcome::record`; returns how many.
pub fn sweep(conn: &Connection, at: Timestamp) -> StoreResult<usize> {
    let mut n = 0;
    for (call_id, status, outcome) in crate::store::elevenlabs::ended_but_dialing(conn)? {
        if settle_contact(conn, call_id, outcome_of(&status, outcome.as_deref()), at)? {
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_from_columns() {
        assert_eq!(outcome_of("completed", None), Outcome::Answered);
        assert_eq!(outcome_of("completed", Some("voicemail")), Outcome::Voicemail);
        assert_eq!(outcome_of("no_answer", Some("no_answer")), Outcome::NoAnswer);
        assert_eq!(outcome_of("failed", None), Outcome::Failed);
        assert_eq!(outcome_of("canceled", Some("canceled")), Outcome::Cancelled);
    }
}
