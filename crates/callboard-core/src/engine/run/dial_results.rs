//! What the providers said to a step's dials, kept in memory until the next step's write transaction records
//! it. The claim (committed before the dial) is the intent log; these results only turn `queued` calls into
//! `dialing` ones (or end refused ones), so losing them in a crash costs a reconciliation, never a second dial.

use jiff::Timestamp;
use rusqlite::Connection;

use crate::{
    clock::to_db,
    engine::{outcome, retry::Outcome},
    store::{StoreResult, attempts},
};

/// One dial's answer, with the time it came back.
#[derive(Debug, Clone)]
pub(super) struct DialResult {
    pub call_id: i64,
    /// The provider's call id, or why the provider refused the call.
    pub answer: Result<String, String>,
    pub at: Timestamp,
}

impl DialResult {
    pub fn placed(call_id: i64, provider_call_id: String, at: Timestamp) -> Self {
        DialResult {
            call_id,
            answer: Ok(provider_call_id),
            at,
        }
    }

    pub fn refused(call_id: i64, reason: String, at: Timestamp) -> Self {
        DialResult {
            call_id,
            answer: Err(reason),
            at,
        }
    }
}

/// Writes `results` in the caller's transaction; returns the calls it changed.
pub(super) fn record(tx: &Connection, results: &[DialResult]) -> StoreResult<Vec<i64>> {
    for r in results {
        match &r.answer {
            Ok(provider_call_id) => attempts::mark_dialed(tx, r.call_id, provider_call_id, &to_db(r.at))?,
            Err(reason) => {
                outcome::record(tx, r.call_id, Outcome::Failed, Some(reason), r.at)?;
            }
        }
    }
    Ok(results.iter().map(|r| r.call_id).collect())
}
