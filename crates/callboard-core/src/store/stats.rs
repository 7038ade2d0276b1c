//! Figures for the Overview page and the campaign dashboard, counted from `calls` (a dial is a call row
//! whose attempt was placed; a connect ended answered by a person; a success is a connect whose disposition
//! says so).

use rusqlite::{Connection, params};
use serde::Serialize;

use super::{StoreResult, attempts::IN_FLIGHT};

/// Counts over a span of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub dials: i64,
    pub connects: i64,
    pub successes: i64,
    pub failures: i64,
    pub in_flight: i64,
    /// Average talk time of connected calls, seconds.
    pub avg_duration_s: Option<f64>,
    pub cost: f64,
}

/// One bucket of a time series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// The bucket's start (RFC 3339).
    pub at: String,
    pub dials: i64,
    pub connects: i64,
    pub successes: i64,
}

/// Reached a person: a voicemail also has an `answered_at` (the machine picked up) but is not a connect.
const CONNECTED: &str = "(k.outcome = 'answered')";
const SUCCESS: &str = "k.disposition IN ('success', 'successful', 'converted', 'booked', 'transferred')";
const TALK: &str = "COALESCE(k.duration_s, CASE WHEN k.ended_at IS NOT NULL AND k.answered_at IS NOT NULL \
    THEN (julianday(k.ended_at) - julianday(k.answered_at)) * 86400.0 END)";

/// Totals of calls created since `since`, optionally of one campaign.
pub fn totals(conn: &Connection, since: &str, campaign_id: Option<i64>) -> StoreResult<Totals> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM({CONNECTED}), 0), COALESCE(SUM({SUCCESS}), 0), \
         COALESCE(SUM(k.outcome = 'failed'), 0), COALESCE(SUM(k.status IN ({IN_FLIGHT})), 0), \
         AVG(CASE WHEN {CONNECTED} THEN {TALK} END), COALESCE(SUM(k.cost), 0.0) \
         FROM calls k WHERE k.created_at >= ?1 AND (?2 IS NULL OR k.campaign_id = ?2)"
    );
    Ok(conn.query_row(&sql, params![since, campaign_id], |r| {
        Ok(Totals {
            dials: r.get(0)?,
            connects: r.get(1)?,
            successes: r.get(2)?,
            failures: r.get(3)?,
            in_flight: r.get(4)?,
            avg_duration_s: r.get(5)?,
            cost: r.get(6)?,
        })
    })?)
}

/// Calls created since `since` bucketed by `bucket_s` seconds (empty buckets included), optionally of one
/// campaign. `since` should be a bucket boundary.
pub fn series(
    conn: &Connection,
    since: jiff::Timestamp,
    buckets: usize,
    bucket_s: i64,
    campaign_id: Option<i64>,
) -> StoreResult<Vec<Bucket>> {
    let since_db = crate::clock::to_db(since);
    let sql = format!(
        "SELECT CAST((unixepoch(k.created_at) - unixepoch(?1)) / ?2 AS INTEGER) AS b, COUNT(*), \
         COALESCE(SUM({CONNECTED}), 0), COALESCE(SUM({SUCCESS}), 0) \
         FROM calls k WHERE k.created_at >= ?1 AND (?3 IS NULL OR k.campaign_id = ?3) GROUP BY b"
    );
    let mut out: Vec<Bucket> = (0..buckets)
        .map(|i| Bucket {
            at: crate::clock::to_db(since + jiff::SignedDuration::from_secs(bucket_s * i as i64)),
            dials: 0,
            connects: 0,
            successes: 0,
        })
        .collect();
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![since_db, bucket_s, campaign_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    for row in rows {
        let (b, dials, connects, successes) = row?;
        if let Some(slot) = usize::try_from(b).ok().and_then(|b| out.get_mut(b)) {
            slot.dials = dials;
            slot.connects = connects;
            slot.successes = successes;
        }
    }
    Ok(out)
}

/// A campaign's calls by outcome (`in_flight` for calls not ended yet), all time.
pub fn by_outcome(conn: &Connection, campaign_id: i64) -> StoreResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT CASE WHEN k.status IN ({IN_FLIGHT}) THEN 'in_flight' \
                WHEN k.status = 'transferred' THEN 'transferred' ELSE COALESCE(k.outcome, k.status) END AS o, \
         COUNT(*) FROM calls k WHERE k.campaign_id = ?1 GROUP BY o ORDER BY COUNT(*) DESC"
    ))?;
    let rows = stmt
        .query_map([campaign_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
