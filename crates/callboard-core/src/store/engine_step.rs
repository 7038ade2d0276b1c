//! The engine's per-step reads gathered in one place, so a step costs one trip to a reader thread: the
//! running campaigns with everything the step decides on (calls in flight, recent endings for the breaker,
//! overdue calls for the watchdog, whether anyone is due), the campaigns whose schedule is due, the calls in
//! flight per provider, the engine settings. Plus the frequency-cap lookup and scheduled callbacks.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    StoreError, StoreResult,
    attempts::{self, EngineCampaign, IN_FLIGHT_STATUS, OverdueCall},
};
use crate::{
    campaign::CampaignStatus,
    engine::{
        breaker::BreakerSettings,
        schedule::ScheduleView,
        settings::{self, EngineSettings},
    },
};

/// One running campaign and what the step needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignState {
    pub campaign: EngineCampaign,
    pub in_flight: u32,
    /// (ended at, failed), newest first, since the campaign last changed.
    pub recent_endings: Vec<(String, bool)>,
    /// Placed calls past the campaign's max duration.
    pub overdue: Vec<OverdueCall>,
    /// Someone is due now (pending or waiting, due time passed).
    pub has_due: bool,
    /// Someone is not finished (pending, waiting or being dialed).
    pub unfinished: bool,
}

/// Everything one engine step reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepSnapshot {
    pub campaigns: Vec<CampaignState>,
    /// Campaigns with a start or end time (scheduled, running).
    pub scheduled: Vec<ScheduleView>,
    /// Calls in flight per provider; read only when some provider has a global cap (empty otherwise).
    pub provider_in_flight: HashMap<String, u32>,
    pub settings: EngineSettings,
    /// The earliest time a waiting contact of a running campaign becomes due.
    pub next_due_at: Option<String>,
}

/// Reads a step's snapshot; `overdue_before(campaign)` is the start time before which a call is overdue.
pub fn snapshot(
    conn: &Connection,
    now: &str,
    overdue_before: impl Fn(&EngineCampaign) -> String,
) -> StoreResult<StepSnapshot> {
    let mut snap = StepSnapshot {
        settings: settings::load(conn)?,
        ..Default::default()
    };
    for campaign in attempts::running_campaigns(conn)? {
        let id = campaign.id;
        let breaker: BreakerSettings = serde_json::from_str(&campaign.breaker).unwrap_or_default();
        let recent_endings = attempts::recent_endings(conn, id, &campaign.updated_at, breaker.min_dials)?;
        let overdue = attempts::overdue_calls(conn, id, &overdue_before(&campaign))?;
        let in_flight = attempts::in_flight(conn, id)?;
        let next = super::queue::next_due(conn, id)?;
        let has_due = next.as_deref().is_some_and(|n| n <= now);
        // `attempts::has_unfinished`, with the due time this step also needs read once.
        let unfinished = next.is_some() || attempts::any_dialing(conn, id)?;
        if let Some(n) = next
            && snap.next_due_at.as_ref().is_none_or(|m| n < *m)
        {
            snap.next_due_at = Some(n);
        }
        snap.campaigns.push(CampaignState {
            campaign,
            in_flight,
            recent_endings,
            overdue,
            has_due,
            unfinished,
        });
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id, status, start_at, end_at, end_action, updated_at FROM campaigns
         WHERE (status = 'scheduled' AND start_at IS NOT NULL) OR (status = 'running' AND end_at IS NOT NULL)",
    )?;
    snap.scheduled = stmt
        .query_map([], |r| {
            let status: String = r.get(1)?;
            Ok((r.get(0)?, status, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?
        .map(|row| {
            let (id, status, start_at, end_at, end_action, updated_at) = row?;
            let status = CampaignStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("campaign {id} has status '{status}'")))?;
            Ok(ScheduleView {
                id,
                status,
                start_at,
                end_at,
                end_action,
                updated_at,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // The count per provider only matters against a cap; with none set (the usual case) the step skips that
    // scan of every call in flight (2% of the engine week's time).
    if !snap.settings.provider_caps.is_empty() {
        snap.provider_in_flight = provider_in_flight(conn)?;
    }
    Ok(snap)
}

/// [`provider_in_flight`]'s statement: the providers of the calls in flight, on the in-flight index alone
/// (`provider` is its last column, migration 0025). Counted here, not by `GROUP BY provider`: that index is
/// not in provider order, and SQLite would sort the rows in a temporary b-tree on every run.
pub(crate) static PROVIDERS_IN_FLIGHT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT provider FROM calls INDEXED BY calls_in_flight WHERE {IN_FLIGHT_STATUS}")
});

/// Calls in flight per provider, across every campaign.
pub fn provider_in_flight(conn: &Connection) -> StoreResult<HashMap<String, u32>> {
    let mut stmt = conn.prepare_cached(&PROVIDERS_IN_FLIGHT_SQL)?;
    let mut rows = stmt.query([])?;
    let mut counts: HashMap<String, u32> = HashMap::new();
    while let Some(row) = rows.next()? {
        let provider = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        // A handful of providers: allocate a key only for the first call of each.
        if let Some(n) = counts.get_mut(provider) {
            *n += 1;
        } else {
            counts.insert(provider.to_owned(), 1);
        }
    }
    Ok(counts)
}

/// Creation times (newest first) of a contact's placed calls since `since`, at most `limit`.
pub fn recent_calls_of_contact(
    conn: &Connection,
    contact_id: i64,
    since: &str,
    limit: u32,
) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT created_at FROM calls WHERE contact_id = ?1 AND created_at > ?2 AND status != 'not_placed'
         ORDER BY created_at DESC LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![contact_id, since, limit], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A contact's place in a campaign, for a callback request.
pub fn contact_state(conn: &Connection, campaign_id: i64, contact_id: i64) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT state FROM campaign_contacts WHERE campaign_id = ?1 AND contact_id = ?2",
            params![campaign_id, contact_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Schedules a callback at `at` (it goes before the list order then); `None` clears one. A contact that was
/// done waits again; suppressed and in-call contacts are refused by the caller.
pub fn set_callback(
    conn: &Connection,
    campaign_id: i64,
    contact_id: i64,
    at: Option<&str>,
    now: &str,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE campaign_contacts SET
            state = CASE WHEN ?3 IS NOT NULL AND state = 'done' THEN 'retry_wait' ELSE state END,
            callback_at = ?3,
            next_attempt_at = CASE WHEN ?3 IS NOT NULL THEN ?3 ELSE IFNULL(next_attempt_at, ?4) END,
            wait_reason = CASE WHEN ?3 IS NOT NULL THEN 'callback_later'
                               WHEN wait_reason = 'callback_later' THEN NULL ELSE wait_reason END,
            updated_at = ?4
         WHERE campaign_id = ?1 AND contact_id = ?2",
    )?
    .execute(params![campaign_id, contact_id, at, now])?;
    Ok(())
}

/// The query plans (`EXPLAIN QUERY PLAN` detail lines) of the two statements that pick the next batch, for the
/// benchmark's evidence and the test that keeps them on their indexes.
pub fn candidates_plan(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut lines = Vec::new();
    for sql in attempts::CANDIDATES_SQL.iter() {
        lines.extend(super::query_plan::query_plan(conn, sql)?);
    }
    Ok(lines)
}

/// Extends the lease of the contact whose current call is `call_id` (the provider says it is still going).
pub fn renew_lease(conn: &Connection, call_id: i64, until: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE campaign_contacts SET lease_expires_at = ?2
         WHERE (campaign_id, contact_id) = (SELECT campaign_id, contact_id FROM calls WHERE id = ?1)
           AND last_call_id = ?1 AND state = 'dialing'",
    )?
    .execute(params![call_id, until])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use rusqlite::{StatementStatus, config::DbConfig};

    /// Statements the engine runs for every call, each with the id it is about as `?1`.
    const PER_CALL_SQL: [&str; 2] = [
        "SELECT k.id, k.campaign_id, k.contact_id, k.status, k.attempt,
                CASE WHEN c.time_zones NOT IN ('', '[]') THEN c.time_zones ELSE c.time_zone END,
                IFNULL(p.time_zone, 'UTC'), IFNULL(p.hours_preset, 'always'), IFNULL(p.retry_policy, '{}')
         FROM calls k LEFT JOIN contacts c ON c.id = k.contact_id LEFT JOIN campaigns p ON p.id = k.campaign_id
         WHERE k.id = ?1",
        "SELECT created_at FROM calls WHERE contact_id = ?1 AND created_at > '' AND status != 'not_placed'
         ORDER BY created_at DESC LIMIT 3",
    ];

    /// How often SQLite compiled the per-call statements again while they ran for four different ids.
    fn reprepares(conn: &Connection) -> StoreResult<i32> {
        let mut total = 0;
        for sql in PER_CALL_SQL {
            let mut stmt = conn.prepare(sql)?;
            for id in 1..=4_i64 {
                let mut rows = stmt.query([id])?;
                while rows.next()?.is_some() {}
            }
            total += stmt.get_status(StatementStatus::RePrepare);
        }
        Ok(total)
    }

    #[test]
    fn per_call_statements_are_compiled_once_not_for_every_id() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        let (ours, planner_default) = store.with_tx_blocking(|tx| -> StoreResult<_> {
            let ours = reprepares(tx)?;
            // The control: with plans allowed to depend on bound values, SQLite compiles them again.
            tx.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, false)?;
            let planner_default = reprepares(tx)?;
            tx.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
            Ok((ours, planner_default))
        })?;
        assert_eq!(ours, 0, "statements were compiled again for new ids");
        assert!(
            planner_default > 0,
            "the control did not re-prepare: the test proves nothing"
        );
        Ok(())
    }

    #[test]
    fn the_next_batch_is_picked_through_the_queue_indexes() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        let plan = store.read_blocking(candidates_plan)?;
        let text = plan.join("\n");
        assert!(
            text.contains("cc USING INDEX campaign_contacts_callbacks"),
            "callbacks: {text}"
        );
        assert!(
            text.contains("cc USING INDEX campaign_contacts_queue"),
            "queue: {text}"
        );
        assert!(
            !text.contains("SCAN cc"),
            "no scan of the campaign's contacts: {text}"
        );
        assert!(!text.contains("TEMP B-TREE"), "no sort: {text}");
        Ok(())
    }

    /// The count per provider covers every call in flight, a campaign's or not, and no call that ended.
    #[test]
    fn calls_in_flight_are_counted_per_provider() -> StoreResult<()> {
        let store = Store::open_in_memory()?;
        store.with_tx_blocking(|tx| -> StoreResult<()> {
            tx.execute_batch(
                "INSERT INTO campaigns(id, name, status, provider, created_at, updated_at)
                     VALUES (1, 'c', 'running', 'sim', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z');
                 INSERT INTO calls(campaign_id, provider, status, started_at, created_at, updated_at) VALUES
                     (1, 'sim', 'queued', NULL, '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z'),
                     (1, 'sim', 'in_progress', '2026-03-01T12:00:01Z', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z'),
                     (1, 'sim', 'completed', '2026-03-01T12:00:01Z', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z'),
                     (NULL, 'twilio', 'ringing', '2026-03-01T12:00:02Z', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z'),
                     (NULL, 'twilio', 'failed', NULL, '2026-03-01T12:00:00Z', '2026-03-01T12:00:00Z');",
            )?;
            Ok(())
        })?;
        let counts = store.read_blocking(provider_in_flight)?;
        assert_eq!(
            counts,
            HashMap::from([("sim".to_owned(), 2), ("twilio".to_owned(), 1)])
        );
        Ok(())
    }
}
