//! Calls the engine must ask their provider about (reconciliation): calls whose dial outcome was never
//! recorded (`queued`), and calls whose contact's lease ran out without an ending. Re-exported from
//! [`super::attempts`], where the rest of the engine's queries live.

use rusqlite::Connection;

use super::{StoreResult, attempts::IN_FLIGHT_STATUS};

/// A call the engine must ask its provider about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostCall {
    pub call_id: i64,
    pub dial_key: String,
    pub provider_call_id: Option<String>,
    pub provider: String,
}

/// [`lost_calls`]' statement, `?1` now; public so its plan can be checked. Two index-only passes: calls still
/// `queued` on the in-flight index (their status is in it), and contacts whose lease ran out on the index of
/// contacts being dialed (the lease is in it, migration 0024), each joined to its call only when it matches.
/// It used to join every call in flight to its contact, every simulated minute.
pub static LOST_CALLS_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let k_in_flight = super::attempts::k_in_flight_status();
    format!(
        "SELECT id, IFNULL(dial_key, ''), provider_call_id, provider FROM calls INDEXED BY calls_in_flight
         WHERE {IN_FLIGHT_STATUS} AND status = 'queued'
         UNION ALL
         SELECT k.id, IFNULL(k.dial_key, ''), k.provider_call_id, k.provider
         FROM campaign_contacts cc INDEXED BY campaign_contacts_dialing CROSS JOIN calls k ON k.id = cc.last_call_id
         WHERE cc.state = 'dialing' AND cc.lease_expires_at < ?1 AND {k_in_flight} AND k.status != 'queued'"
    )
});

/// Calls whose dial outcome was never recorded (`queued`), or whose lease ran out without an ending. Only
/// calls in flight and leases held are visited, on their partial indexes; see [`LOST_CALLS_SQL`].
pub fn lost_calls(conn: &Connection, now: &str) -> StoreResult<Vec<LostCall>> {
    let mut stmt = conn.prepare_cached(&LOST_CALLS_SQL)?;
    let rows = stmt
        .query_map([now], |r| {
            Ok(LostCall {
                call_id: r.get(0)?,
                dial_key: r.get(1)?,
                provider_call_id: r.get(2)?,
                provider: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
