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

/// One entry of the list, as the Do-not-call page shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DncEntry {
    pub id: i64,
    pub phone_e164: String,
    /// `None`: every campaign (the global list).
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    /// A contact with this number, when there is one.
    pub contact_name: Option<String>,
    /// `manual`, `import`, `opt_out` (the contact asked on a call), `erasure` (they asked to be forgotten) or
    /// `provider`.
    pub source: String,
    pub reason: String,
    pub created_at: String,
}

const ENTRY_SELECT: &str = "SELECT d.id, d.phone_e164, d.campaign_id, cp.name, \
    (SELECT NULLIF(c.name, '') FROM contacts c WHERE c.phone_e164 = d.phone_e164 LIMIT 1), \
    d.source, d.reason, d.created_at \
    FROM dnc_entries d LEFT JOIN campaigns cp ON cp.id = d.campaign_id";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<DncEntry> {
    Ok(DncEntry {
        id: r.get(0)?,
        phone_e164: r.get(1)?,
        campaign_id: r.get(2)?,
        campaign_name: r.get(3)?,
        contact_name: r.get(4)?,
        source: r.get(5)?,
        reason: r.get(6)?,
        created_at: r.get(7)?,
    })
}

/// The entry for a number and scope, if it is listed.
pub fn get(conn: &Connection, phone_e164: &str, campaign_id: Option<i64>) -> StoreResult<Option<DncEntry>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(&format!(
            "{ENTRY_SELECT} WHERE d.phone_e164 = ?1 AND IFNULL(d.campaign_id, 0) = IFNULL(?2, 0)"
        ))?
        .query_row(params![phone_e164, campaign_id], entry)
        .optional()?)
}

/// A page of the list, newest first (`before`: the last id of the previous page); the total on the first
/// page. `search` is digits of the number, or words of the contact's name or the reason.
pub fn list(
    conn: &Connection,
    search: &str,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<(Vec<DncEntry>, Option<i64>)> {
    let search = search.trim();
    let (filter, pattern) = if search.is_empty() {
        ("1 = 1", String::new())
    } else if let Some(digits) = crate::phone::digits_if_a_number(search) {
        ("d.phone_e164 LIKE ?1", format!("%{digits}%"))
    } else {
        (
            "(d.reason LIKE ?1 ESCAPE '\\' OR EXISTS(SELECT 1 FROM contacts c WHERE c.phone_e164 = d.phone_e164 \
             AND c.name LIKE ?1 ESCAPE '\\'))",
            format!("%{}%", super::contacts::like_escape(search)),
        )
    };
    // `?1` is bound (and unused) even without a search, so one statement shape serves every page.
    let total = match before {
        Some(_) => None,
        None => Some(conn.query_row(
            &format!("SELECT COUNT(*) FROM dnc_entries d WHERE {filter} AND ?1 IS NOT NULL"),
            [&pattern],
            |r| r.get(0),
        )?),
    };
    let mut stmt = conn.prepare(&format!(
        "{ENTRY_SELECT} WHERE {filter} AND ?1 IS NOT NULL AND d.id < ?2 ORDER BY d.id DESC LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(
            params![pattern, before.unwrap_or(i64::MAX), i64::from(limit.max(1))],
            entry,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// Takes a number off the global list (`campaign_id` None) or a campaign's; returns whether it was listed.
/// Contacts marked opted out because of a global entry are active again, and the campaigns that set the
/// number aside for being listed may call it again (the engine checks the lists again before dialing, so a
/// number still on another list stays set aside).
pub fn remove(conn: &Connection, phone_e164: &str, campaign_id: Option<i64>, now: &str) -> StoreResult<bool> {
    let removed = conn.execute(
        "DELETE FROM dnc_entries WHERE phone_e164 = ?1 AND IFNULL(campaign_id, 0) = IFNULL(?2, 0)",
        params![phone_e164, campaign_id],
    )? > 0;
    if !removed {
        return Ok(false);
    }
    if campaign_id.is_none() {
        conn.execute(
            "UPDATE contacts SET status = 'active', updated_at = ?2 WHERE phone_e164 = ?1 AND status = 'opted_out'",
            params![phone_e164, now],
        )?;
    }
    conn.execute(
        "UPDATE campaign_contacts SET state = 'pending', wait_reason = '', updated_at = ?3
         WHERE state = 'suppressed' AND wait_reason = 'dnc' AND (?2 IS NULL OR campaign_id = ?2)
           AND contact_id IN (SELECT id FROM contacts WHERE phone_e164 = ?1)",
        params![phone_e164, campaign_id, now],
    )?;
    Ok(true)
}

/// Records that the contact of `call_id` asked not to be called again: their number goes on the global list
/// (source `opt_out`) and the contact is marked opted out, so no campaign dials it. Returns the number, or
/// `None` when the call has no contact.
pub fn opt_out_contact_of_call(
    conn: &Connection,
    call_id: i64,
    reason: &str,
    now: &str,
) -> StoreResult<Option<String>> {
    use rusqlite::OptionalExtension;
    let contact: Option<(i64, String)> = conn
        .query_row(
            "SELECT c.id, c.phone_e164 FROM calls k JOIN contacts c ON c.id = k.contact_id WHERE k.id = ?1",
            [call_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((contact_id, phone)) = contact else {
        return Ok(None);
    };
    add(conn, &phone, None, "opt_out", reason, now)?;
    conn.execute(
        "UPDATE contacts SET status = 'opted_out', updated_at = ?2 WHERE id = ?1 AND status = 'active'",
        params![contact_id, now],
    )?;
    Ok(Some(phone))
}
