//! Demo history for the live monitor: calls earlier today (so Overview and the campaign dashboards have
//! figures on first start) and one call stuck in flight on a paused campaign (so "Needs attention" shows what
//! a stuck call looks like). Seeded once, with the rest of the demo data.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Transaction, params};

use crate::{clock::to_db, store::StoreResult};

/// A finished demo call: (status, outcome, disposition, sentiment, talk seconds).
type Ending = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    i64,
);

/// Outcomes of the finished demo calls, in turn.
const FINISHED: [Ending; 8] = [
    ("completed", "answered", Some("success"), Some("positive"), 148),
    ("no_answer", "no_answer", None, None, 0),
    ("completed", "answered", Some("failure"), Some("neutral"), 96),
    ("voicemail", "voicemail", None, None, 22),
    ("completed", "answered", Some("success"), Some("positive"), 201),
    ("busy", "busy", None, None, 0),
    ("completed", "answered", Some("success"), Some("neutral"), 77),
    ("failed", "failed", None, None, 0),
];

/// Seeds finished calls for the completed campaign and a stuck call for the paused one.
pub fn seed(tx: &Transaction<'_>, now: Timestamp) -> StoreResult<()> {
    let campaign = |status: &str| -> StoreResult<Option<(i64, Option<i64>)>> {
        use rusqlite::OptionalExtension;
        Ok(tx
            .query_row(
                "SELECT id, agent_id FROM campaigns WHERE status = ?1 ORDER BY id LIMIT 1",
                [status],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    };
    if let Some((id, agent)) = campaign("completed")? {
        let contacts = contacts_of(tx, id)?;
        let n = contacts.len().max(1) as i64;
        for (i, contact) in contacts.iter().enumerate() {
            let (status, outcome, disposition, sentiment, talk) = FINISHED[i % FINISHED.len()];
            // Spread over the last six hours, oldest first.
            let start = now - SignedDuration::from_secs(6 * 3600 * (n - i as i64) / n + 60);
            let answered = (talk > 0).then(|| start + SignedDuration::from_secs(12));
            let ended = start + SignedDuration::from_secs(12 + talk.max(20));
            let cost = (talk > 0).then(|| (talk as f64 / 60.0 * 0.07 * 100.0).round() / 100.0);
            let analysis = sentiment.map_or("{}".to_owned(), |s| format!("{{\"sentiment\":\"{s}\"}}"));
            tx.execute(
                "INSERT INTO calls(campaign_id, contact_id, agent_id, provider, provider_call_id, status, outcome, \
                 disposition, started_at, answered_at, ended_at, cost, analysis, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, 'sim', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?8, ?10)",
                params![
                    id,
                    contact,
                    agent,
                    format!("sim-demo-{id}-{i}"),
                    status,
                    outcome,
                    disposition,
                    to_db(start),
                    answered.map(to_db),
                    to_db(ended),
                    cost,
                    analysis
                ],
            )?;
        }
    }
    if let Some((id, agent)) = campaign("paused")?
        && let Some(contact) = contacts_of(tx, id)?.last()
    {
        let start = now - SignedDuration::from_mins(42);
        tx.execute(
            "INSERT INTO calls(campaign_id, contact_id, agent_id, provider, provider_call_id, status, started_at, \
             answered_at, created_at, updated_at) VALUES (?1, ?2, ?3, 'sim', ?4, 'in_progress', ?5, ?6, ?5, ?5)",
            params![
                id,
                contact,
                agent,
                format!("sim-demo-stuck-{id}"),
                to_db(start),
                to_db(start + SignedDuration::from_secs(9))
            ],
        )?;
        tx.execute(
            "UPDATE campaign_contacts SET state = 'dialing', attempts = attempts + 1, last_call_id = ?3 \
             WHERE campaign_id = ?1 AND contact_id = ?2",
            params![id, contact, tx.last_insert_rowid()],
        )?;
    }
    Ok(())
}

fn contacts_of(tx: &Transaction<'_>, campaign_id: i64) -> StoreResult<Vec<i64>> {
    let mut stmt =
        tx.prepare("SELECT contact_id FROM campaign_contacts WHERE campaign_id = ?1 ORDER BY contact_id")?;
    let ids = stmt
        .query_map([campaign_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}
