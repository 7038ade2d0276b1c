//! The engine's queries: which contacts are due, claiming them (the call row with its dial key and the
//! contact's lease in one transaction), and the counts behind "why is nobody being called?".

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// Call statuses that hold a concurrency slot. `initiated` is the carriers' word for a call placed but not
/// yet ringing, which webhooks write.
pub const IN_FLIGHT: &str = "'queued', 'dialing', 'initiated', 'ringing', 'in_progress'";

/// The same statuses for Rust-side checks.
pub const IN_FLIGHT_STATUSES: [&str; 5] = ["queued", "dialing", "initiated", "ringing", "in_progress"];

/// `status IN (IN_FLIGHT)` as comparisons, for the hot statements on `calls`. SQLite builds a temporary
/// b-tree (own pager, fresh page cache) for an IN list of three or more constants every time a statement
/// runs; the `+` stops the planner from turning the comparisons back into an IN lookup. The text is the
/// predicate of the `calls_in_flight` partial index (migrations 0017 and 0025), so queries written with it can
/// use it. (`status IN (…)` cannot: such a query scans every call ever made.)
pub const IN_FLIGHT_STATUS: &str = "(+status = 'queued' OR +status = 'dialing' OR +status = 'initiated' \
    OR +status = 'ringing' OR +status = 'in_progress')";

/// [`IN_FLIGHT_STATUS`] for `calls` under the alias `k`, as joins write it.
pub fn k_in_flight_status() -> String {
    IN_FLIGHT_STATUS.replace("+status", "+k.status")
}

/// A running campaign, as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineCampaign {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub agent_id: Option<i64>,
    pub from_number: String,
    pub max_concurrent: u32,
    pub calls_per_second: f64,
    pub hours_preset: String,
    pub time_zone: String,
    pub retry_policy: String,
    pub max_call_seconds: i64,
    pub breaker: String,
    /// When the campaign last changed (it cannot be edited while running, so: when it was last started or
    /// resumed). The breaker only counts calls since then.
    pub updated_at: String,
    pub reserved_headroom: u32,
}

pub fn running_campaigns(conn: &Connection) -> StoreResult<Vec<EngineCampaign>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, provider, agent_id, from_number, max_concurrent, calls_per_second, hours_preset, time_zone,
                retry_policy, max_call_seconds, breaker, updated_at, reserved_headroom
         FROM campaigns WHERE status = 'running' ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(EngineCampaign {
                id: r.get(0)?,
                name: r.get(1)?,
                provider: r.get(2)?,
                agent_id: r.get(3)?,
                from_number: r.get(4)?,
                max_concurrent: r.get(5)?,
                calls_per_second: r.get(6)?,
                hours_preset: r.get(7)?,
                time_zone: r.get(8)?,
                retry_policy: r.get(9)?,
                max_call_seconds: r.get(10)?,
                breaker: r.get(11)?,
                updated_at: r.get(12)?,
                reserved_headroom: r.get(13)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn in_flight(conn: &Connection, campaign_id: i64) -> StoreResult<u32> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM calls WHERE campaign_id = ?1 AND {IN_FLIGHT_STATUS}"
        ))?
        .query_row([campaign_id], |r| r.get(0))?)
}

pub use super::queue::{CANDIDATES_SQL, Candidate, candidates};

/// `UPDATE OR FAIL`, not `UPDATE`, for one contact's row by its key, where no foreign key column changes. A
/// plain `UPDATE` of a NOT NULL column may abort, and with the `campaign_contacts_count_state` trigger writing
/// a second table, SQLite then keeps a statement journal (a copy of every page the statement touches, to undo
/// the statement alone): 5% of the engine's time. With one row there is nothing to undo that FAIL keeps and
/// ABORT would not: a failure before the write changes nothing, and an error after it fails the caller's
/// whole transaction anyway.
macro_rules! update_one_member {
    ($set:literal) => {
        concat!("UPDATE OR FAIL campaign_contacts SET ", $set)
    };
}

/// Not now: wait until `until` (RFC 3339) for `reason`; `None` means never in this campaign.
pub fn defer(
    conn: &Connection,
    campaign_id: i64,
    contact_id: i64,
    until: Option<&str>,
    reason: &str,
    now: &str,
) -> StoreResult<()> {
    let sql = if until.is_some() {
        update_one_member!(
            "next_attempt_at = ?3, wait_reason = ?4, updated_at = ?5 WHERE campaign_id = ?1 AND contact_id = ?2"
        )
    } else {
        update_one_member!(
            "state = 'done', next_attempt_at = ?3, wait_reason = ?4, updated_at = ?5
             WHERE campaign_id = ?1 AND contact_id = ?2"
        )
    };
    conn.prepare_cached(sql)?
        .execute(params![campaign_id, contact_id, until, reason, now])?;
    Ok(())
}

/// Never in this campaign: on a do-not-call list or opted out.
pub fn suppress(conn: &Connection, campaign_id: i64, contact_id: i64, now: &str) -> StoreResult<()> {
    conn.prepare_cached(update_one_member!(
        "state = 'suppressed', wait_reason = 'dnc', updated_at = ?3 WHERE campaign_id = ?1 AND contact_id = ?2"
    ))?
    .execute(params![campaign_id, contact_id, now])?;
    Ok(())
}

/// The intent to dial, committed before the provider is called: the call row (with its dial key) and the
/// contact's lease. Returns the call id.
pub fn claim(
    conn: &Connection,
    campaign: &EngineCampaign,
    c: &Candidate,
    dial_key: &str,
    now: &str,
    lease_until: &str,
) -> StoreResult<i64> {
    conn.prepare_cached(
        "INSERT INTO calls(campaign_id, contact_id, agent_id, attempt, provider, dial_key, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7)")?.execute(params![campaign.id, c.contact_id, campaign.agent_id, c.attempts + 1, campaign.provider, dial_key, now],
    )?;
    let call_id = conn.last_insert_rowid();
    conn.prepare_cached(update_one_member!(
        "state = 'dialing', attempts = attempts + 1, lease_expires_at = ?3,
                next_attempt_at = NULL, wait_reason = NULL, callback_at = NULL, last_call_id = ?4, updated_at = ?5
         WHERE campaign_id = ?1 AND contact_id = ?2"))?.execute(params![campaign.id, c.contact_id, lease_until, call_id, now],
    )?;
    Ok(call_id)
}

/// The provider accepted the call.
pub fn mark_dialed(conn: &Connection, call_id: i64, provider_call_id: &str, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE calls SET provider_call_id = ?2, status = CASE WHEN status = 'queued' THEN 'dialing' ELSE status END,
                started_at = IFNULL(started_at, ?3), updated_at = ?3
         WHERE id = ?1")?.execute(params![call_id, provider_call_id, now],
    )?;
    Ok(())
}

/// What the outcome step needs to know about a call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallContext {
    pub call_id: i64,
    pub campaign_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub status: String,
    pub attempt: u32,
    pub contact_time_zone: Option<String>,
    pub campaign_time_zone: String,
    pub hours_preset: String,
    pub retry_policy: String,
}

/// [`call_context`]'s query. Cached: it runs for every call that ends (parsing it each time was a visible
/// share of the engine's CPU). `+?1`, not `?1`: planning the join compared the bare parameter with literals,
/// which marks the statement to be re-prepared whenever a new id is bound, so the cache never helped
/// (re-preparing was half of this query's cost on the webhook applier). The rowid lookup stays.
pub(crate) const CALL_CONTEXT_SQL: &str = "SELECT k.id, k.campaign_id, k.contact_id, k.status, k.attempt,
        CASE WHEN c.time_zones NOT IN ('', '[]') THEN c.time_zones ELSE c.time_zone END,
        IFNULL(p.time_zone, 'UTC'), IFNULL(p.hours_preset, 'always'), IFNULL(p.retry_policy, '{}')
 FROM calls k LEFT JOIN contacts c ON c.id = k.contact_id LEFT JOIN campaigns p ON p.id = k.campaign_id
 WHERE k.id = +?1";

pub fn call_context(conn: &Connection, call_id: i64) -> StoreResult<Option<CallContext>> {
    Ok(conn
        .prepare_cached(CALL_CONTEXT_SQL)?
        .query_row([call_id], |r| {
            Ok(CallContext {
                call_id: r.get(0)?,
                campaign_id: r.get(1)?,
                contact_id: r.get(2)?,
                status: r.get(3)?,
                attempt: r.get(4)?,
                contact_time_zone: r.get(5)?,
                campaign_time_zone: r.get(6)?,
                hours_preset: r.get(7)?,
                retry_policy: r.get(8)?,
            })
        })
        .optional()?)
}

/// Ends a call row (idempotent: a call already ended keeps its first ending).
pub fn end_call(
    conn: &Connection,
    call_id: i64,
    status: &str,
    outcome: &str,
    error: Option<&str>,
    now: &str,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached(&format!(
            "UPDATE calls SET status = ?2, outcome = ?3, error = IFNULL(?4, error), ended_at = IFNULL(ended_at, ?5),
                    updated_at = ?5
             WHERE id = ?1 AND {IN_FLIGHT_STATUS}"
        ))?
        .execute(params![call_id, status, outcome, error, now])?;
    Ok(n == 1)
}

/// After an attempt: the contact waits for a retry at `next` (or is done when `None`).
pub fn after_attempt(
    conn: &Connection,
    campaign_id: i64,
    contact_id: i64,
    outcome: &str,
    next: Option<&str>,
    reason: &str,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(update_one_member!(
        "state = CASE WHEN ?4 IS NULL THEN 'done' ELSE 'retry_wait' END,
                last_outcome = ?3, next_attempt_at = ?4, wait_reason = ?5, lease_expires_at = NULL, updated_at = ?6
         WHERE campaign_id = ?1 AND contact_id = ?2"))?.execute(params![campaign_id, contact_id, outcome, next, reason, now],
    )?;
    Ok(())
}

/// An attempt that never reached the provider: the contact goes back to pending and the attempt is not
/// counted.
pub fn release_unplaced(conn: &Connection, call_id: i64, now: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE campaign_contacts SET state = 'pending', attempts = MAX(attempts - 1, 0), lease_expires_at = NULL,
                wait_reason = NULL, next_attempt_at = ?2, updated_at = ?2
         WHERE (campaign_id, contact_id) = (SELECT campaign_id, contact_id FROM calls WHERE id = ?1)
           AND last_call_id = ?1 AND state = 'dialing'")?.execute(params![call_id, now],
    )?;
    conn.prepare_cached(
        "UPDATE calls SET status = 'not_placed', ended_at = ?2, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![call_id, now])?;
    Ok(())
}

/// Whether a campaign has contacts not finished yet (waiting, fresh or being dialed): looked up on the queue
/// index, the fresh members' range and the index of contacts being dialed, never over the campaign's whole list.
pub fn has_unfinished(conn: &Connection, campaign_id: i64) -> StoreResult<bool> {
    Ok(super::queue::next_due(conn, campaign_id)?.is_some() || any_dialing(conn, campaign_id)?)
}

/// Whether a campaign has a contact being dialed (on `campaign_contacts_dialing`).
pub fn any_dialing(conn: &Connection, campaign_id: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM campaign_contacts WHERE campaign_id = ?1 AND state = 'dialing')",
        )?
        .query_row([campaign_id], |r| r.get(0))?)
}

pub use super::lost_calls::{LOST_CALLS_SQL, LostCall, lost_calls};

/// (state, reason, count) rows.
pub type ReasonCounts = Vec<(String, String, i64)>;

/// Counts of contacts by state and reason, and the earliest time a waiting one becomes due.
pub fn reasons(conn: &Connection, campaign_id: i64) -> StoreResult<(ReasonCounts, Option<String>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, IFNULL(wait_reason, ''), COUNT(*) FROM campaign_contacts WHERE campaign_id = ?1
         GROUP BY state, wait_reason ORDER BY state, wait_reason",
    )?;
    let counts = stmt
        .query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let next = super::queue::next_due(conn, campaign_id)?;
    Ok((counts, next))
}

/// (ended at, failed) of a campaign's most recent placed calls since `since`, newest first.
pub fn recent_endings(
    conn: &Connection,
    campaign_id: i64,
    since: &str,
    limit: usize,
) -> StoreResult<Vec<(String, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ended_at, outcome = 'failed' FROM calls
         WHERE campaign_id = ?1 AND ended_at IS NOT NULL AND ended_at >= ?2 AND status != 'not_placed'
         ORDER BY ended_at DESC LIMIT ?3",
    )?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![campaign_id, since, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A call past the campaign's max duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueCall {
    pub call_id: i64,
    pub dial_key: String,
    pub provider_call_id: Option<String>,
    pub answered: bool,
}

/// Placed calls of a campaign that started before `started_before` and have not ended: one range of
/// `calls_in_flight` (`campaign_id, started_at`, migration 0024), so a step visits only the overdue calls, not
/// every call in flight. `INDEXED BY`: with no statistics the planner weighs `calls_in_flight` and
/// `calls_campaign_ended` (both `campaign_id = ?`) the same and took the latter, visiting every call the
/// campaign ever made on every step; a missing index fails loudly instead.
pub fn overdue_calls(
    conn: &Connection,
    campaign_id: i64,
    started_before: &str,
) -> StoreResult<Vec<OverdueCall>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, IFNULL(dial_key, ''), provider_call_id, answered_at IS NOT NULL OR status = 'in_progress'
         FROM calls INDEXED BY calls_in_flight
         WHERE campaign_id = ?1 AND {IN_FLIGHT_STATUS} AND status != 'queued' AND started_at < ?2"
    ))?;
    let rows = stmt
        .query_map(params![campaign_id, started_before], |r| {
            Ok(OverdueCall {
                call_id: r.get(0)?,
                dial_key: r.get(1)?,
                provider_call_id: r.get(2)?,
                answered: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
