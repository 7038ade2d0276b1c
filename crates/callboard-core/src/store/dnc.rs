//! Queries on `dnc_entries`, the do-not-call list (global entries have no campaign).

use std::collections::HashSet;

use rusqlite::{Connection, params};

use super::StoreResult;

/// Adds a number to the global list (`campaign_id` None) or a campaign's list; adding twice is a no-op.
pub fn add(
    conn: &Connection,
    phone_e164: &str,
    campaign_id: Option<i64>,
    source: &str,
    reason: &str,
    now: &str,
) -> StoreResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO dnc_entries(phone_e164, campaign_id, source, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![phone_e164, campaign_id, source, reason, now],
    )?;
    Ok(())
}

/// Every number that must not be called in `campaign_id`: the global list plus the campaign's own.
pub fn phones_for_campaign(conn: &Connection, campaign_id: i64) -> StoreResult<HashSet<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT phone_e164 FROM dnc_entries WHERE campaign_id IS NULL OR campaign_id = ?1")?;
    let phones = stmt
        .query_map([campaign_id], |r| r.get(0))?
        .collect::<Result<HashSet<String>, _>>()?;
    Ok(phones)
}
