//! The dialing queue: a campaign's members that are due now, in dialing order (scheduled callbacks first,
//! then by due time, the longest waiting first, then list order: the member row's rowid).
//!
//! Each way in is a range of one B-tree, so the cost does not grow with the list:
//! - callbacks due: `campaign_contacts_callbacks`;
//! - members with a due time (retries, deferrals, members put back): `campaign_contacts_queue`;
//! - fresh members (joined and not looked at yet: `pending` with no `next_attempt_at`, due since they
//!   joined): the members' table itself in rowid order, between the campaign's `queue_fresh_from` and
//!   `queue_fresh_to` (migration 0028). They have no queue index entry because that entry was 11% of an
//!   import's writer work, for a value every imported member shares.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreResult;

/// A contact that is due now, before the window and DNC checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub contact_id: i64,
    pub phone_e164: String,
    pub time_zone: Option<String>,
    pub variables: String,
    pub attempts: u32,
    pub on_dnc: bool,
}

/// The [`Candidate`] columns, then the member's due time and rowid (its place in the dialing order).
const CANDIDATE_COLUMNS: &str = "cc.contact_id, c.phone_e164,
    CASE WHEN c.time_zones NOT IN ('', '[]') THEN c.time_zones ELSE c.time_zone END, c.variables, cc.attempts,
    EXISTS(SELECT 1 FROM dnc_entries d WHERE d.phone_e164 = c.phone_e164
           AND (d.campaign_id IS NULL OR d.campaign_id = cc.campaign_id)) OR c.status != 'active',
    IFNULL(cc.next_attempt_at, cc.created_at), cc.rowid";

/// A due member with its place in the dialing order.
struct Queued {
    due: String,
    rowid: i64,
    candidate: Candidate,
}

fn queued(r: &rusqlite::Row<'_>) -> rusqlite::Result<Queued> {
    Ok(Queued {
        candidate: Candidate {
            contact_id: r.get(0)?,
            phone_e164: r.get(1)?,
            time_zone: r.get(2)?,
            variables: r.get(3)?,
            attempts: r.get(4)?,
            on_dnc: r.get(5)?,
        },
        due: r.get(6)?,
        rowid: r.get(7)?,
    })
}

/// Campaign `?1`'s fresh members (`cc`), with the campaign as `p`: `NOT INDEXED`, so the table is walked by
/// rowid (list order), never through the key index, whose order is contact ids.
const FRESH_MEMBERS: &str = "campaigns p CROSS JOIN campaign_contacts cc NOT INDEXED";
const FRESH_WHERE: &str = "WHERE p.id = ?1 AND cc.rowid BETWEEN p.queue_fresh_from AND p.queue_fresh_to
       AND cc.campaign_id = ?1 AND cc.state = 'pending' AND cc.next_attempt_at IS NULL";

/// The three statements behind [`candidates`] (callbacks due, members with a due time, fresh members), with
/// `?1` campaign, `?2` now and `?3` limit; public so their query plans can be checked
/// (`engine_step::candidates_plan`).
pub static CANDIDATES_SQL: std::sync::LazyLock<[String; 3]> = std::sync::LazyLock::new(|| {
    [
        format!(
            "SELECT {CANDIDATE_COLUMNS} FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id
             WHERE cc.campaign_id = ?1 AND cc.callback_at IS NOT NULL AND cc.state IN ('pending', 'retry_wait')
               AND cc.callback_at <= ?2 AND cc.next_attempt_at <= ?2
             ORDER BY cc.callback_at LIMIT ?3"
        ),
        format!(
            "SELECT {CANDIDATE_COLUMNS} FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id
             WHERE cc.campaign_id = ?1 AND cc.state IN ('pending', 'retry_wait') AND cc.next_attempt_at <= ?2
               AND (cc.callback_at IS NULL OR cc.callback_at <= ?2)
             ORDER BY cc.next_attempt_at, cc.rowid LIMIT ?3"
        ),
        format!(
            "SELECT {CANDIDATE_COLUMNS} FROM {FRESH_MEMBERS} CROSS JOIN contacts c ON c.id = cc.contact_id
             {FRESH_WHERE} ORDER BY cc.rowid LIMIT ?3"
        ),
    ]
});

/// Due contacts in dialing order, at most `limit`. A read: whoever then looks at them (claims, defers or
/// suppresses them) calls [`tighten_fresh_range`] in the same transaction.
pub fn candidates(
    conn: &Connection,
    campaign_id: i64,
    now: &str,
    limit: usize,
) -> StoreResult<Vec<Candidate>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut callbacks = conn.prepare_cached(&CANDIDATES_SQL[0])?;
    let mut rows = callbacks
        .query_map(params![campaign_id, now, limit], queued)?
        .map(|q| q.map(|q| q.candidate))
        .collect::<Result<Vec<_>, _>>()?;
    let rest = limit - i64::try_from(rows.len()).unwrap_or(0);
    if rest > 0 {
        let due = |sql: &str| -> StoreResult<Vec<Queued>> {
            Ok(conn
                .prepare_cached(sql)?
                .query_map(params![campaign_id, now, rest], queued)?
                .collect::<Result<Vec<_>, _>>()?)
        };
        let scheduled = due(&CANDIDATES_SQL[1])?;
        // Fresh members are due from when they joined; one who joined "after" now waits (a clock set back).
        let mut fresh = due(&CANDIDATES_SQL[2])?;
        fresh.retain(|q| q.due.as_str() <= now);
        let seen: HashSet<i64> = rows.iter().map(|r| r.contact_id).collect();
        rows.extend(
            in_dialing_order(scheduled, fresh)
                .take(usize::try_from(rest).unwrap_or(usize::MAX))
                .map(|q| q.candidate)
                .filter(|c| !seen.contains(&c.contact_id)),
        );
    }
    Ok(rows)
}

/// Moves the campaign's fresh range past the members looked at since: its lower bound to the first member
/// still fresh, or both bounds to NULL when none is left. The range stays right without it, only longer to
/// walk.
pub fn tighten_fresh_range(conn: &Connection, campaign_id: i64) -> StoreResult<()> {
    let first: Option<i64> = conn
        .prepare_cached(&FIRST_FRESH_SQL)?
        .query_row([campaign_id], |r| r.get(0))
        .optional()?;
    match first {
        Some(rowid) => conn
            .prepare_cached(
                "UPDATE campaigns SET queue_fresh_from = ?2 WHERE id = ?1 AND queue_fresh_from < ?2",
            )?
            .execute(params![campaign_id, rowid])?,
        None => conn
            .prepare_cached(
                "UPDATE campaigns SET queue_fresh_from = NULL, queue_fresh_to = NULL
                 WHERE id = ?1 AND queue_fresh_from IS NOT NULL",
            )?
            .execute([campaign_id])?,
    };
    Ok(())
}

/// Two lists, each in dialing order (due time, then rowid), merged into one.
fn in_dialing_order(a: Vec<Queued>, b: Vec<Queued>) -> impl Iterator<Item = Queued> {
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) if (&y.due, y.rowid) < (&x.due, x.rowid) => b.next(),
        (Some(_), _) => a.next(),
        (None, _) => b.next(),
    })
}

/// When the campaign's next member becomes due (callbacks are due no earlier than their `next_attempt_at`):
/// the earliest due time, or the first fresh member's joining time. `None` when nobody is waiting.
pub fn next_due(conn: &Connection, campaign_id: i64) -> StoreResult<Option<String>> {
    let scheduled: Option<String> = conn
        .prepare_cached(NEXT_SCHEDULED_SQL)?
        .query_row([campaign_id], |r| r.get(0))?;
    let fresh: Option<String> = conn
        .prepare_cached(&FIRST_FRESH_SQL)?
        .query_row([campaign_id], |r| r.get(1))
        .optional()?;
    Ok(match (scheduled, fresh) {
        (Some(s), Some(f)) => Some(s.min(f)),
        (s, f) => s.or(f),
    })
}

/// The earliest due time of the members that have one; public for the query plan checks.
pub const NEXT_SCHEDULED_SQL: &str = "SELECT MIN(next_attempt_at) FROM campaign_contacts
     WHERE campaign_id = ?1 AND state IN ('pending', 'retry_wait') AND next_attempt_at IS NOT NULL";

/// The campaign's first fresh member: its rowid and when it joined; public for the query plan checks.
pub static FIRST_FRESH_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT cc.rowid, cc.created_at FROM {FRESH_MEMBERS} {FRESH_WHERE} ORDER BY cc.rowid LIMIT 1")
});

#[cfg(test)]
mod tests;
