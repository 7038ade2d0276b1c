//! What the engine's range reads of calls in flight return (migration 0024 moved them onto ranges of the
//! in-flight and lease indexes): the same calls as the definitions they replaced, "in flight and queued, or
//! in flight with its contact's lease run out" and "placed, in flight, started before the limit".

use std::collections::BTreeSet;

use rusqlite::{Connection, params};

use super::{Store, StoreResult, attempts};

const T0: &str = "2026-03-01T12:00:00Z";
const NOW: &str = "2026-03-01T13:00:00Z";
const EARLIER: &str = "2026-03-01T12:30:00Z";
const LATER: &str = "2026-03-01T13:30:00Z";

/// A contact of campaign 1 whose last call (`status`, `started_at`) holds it in `state` with `lease`.
fn contact_with_call(
    conn: &Connection,
    contact: i64,
    state: &str,
    lease: Option<&str>,
    status: &str,
    started_at: Option<&str>,
) -> StoreResult<i64> {
    conn.execute(
        "INSERT INTO contacts(id, phone_e164, created_at, updated_at) VALUES (?1, '+1555000' || ?1, ?2, ?2)",
        params![contact, T0],
    )?;
    conn.execute(
        "INSERT INTO calls(campaign_id, contact_id, provider, dial_key, status, started_at, created_at, updated_at)
         VALUES (1, ?1, 'sim', 'key-' || ?1, ?2, ?3, ?4, ?4)",
        params![contact, status, started_at, T0],
    )?;
    let call = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO campaign_contacts(campaign_id, contact_id, state, lease_expires_at, last_call_id, created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5)",
        params![contact, state, lease, call, T0],
    )?;
    Ok(call)
}

#[test]
fn lost_and_overdue_calls_are_the_same_calls_as_before_the_range_reads() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        tx.execute(
            "INSERT INTO campaigns(id, name, status, created_at, updated_at) VALUES (1, 'c', 'running', ?1, ?1)",
            [T0],
        )?;
        let queued = contact_with_call(tx, 1, "dialing", Some(LATER), "queued", None)?;
        let queued_expired = contact_with_call(tx, 2, "dialing", Some(EARLIER), "queued", None)?;
        let expired = contact_with_call(tx, 3, "dialing", Some(EARLIER), "ringing", Some(T0))?;
        let leased = contact_with_call(tx, 4, "dialing", Some(LATER), "in_progress", Some(EARLIER))?;
        // Ended (the contact moved on) and ended with the contact still held: neither is in flight.
        contact_with_call(tx, 5, "retry_wait", None, "no_answer", Some(T0))?;
        contact_with_call(tx, 6, "dialing", Some(EARLIER), "completed", Some(T0))?;
        // A newer call took the contact over: the old call's lease is not the contact's lease.
        let replaced = contact_with_call(tx, 7, "dialing", Some(LATER), "dialing", Some(T0))?;
        tx.execute(
            "INSERT INTO calls(campaign_id, contact_id, provider, dial_key, status, started_at, created_at, updated_at)
             VALUES (1, 7, 'sim', 'key-7b', 'dialing', ?1, ?1, ?1)",
            [EARLIER],
        )?;
        tx.execute(
            "UPDATE campaign_contacts SET last_call_id = ?1 WHERE contact_id = 7",
            [tx.last_insert_rowid()],
        )?;

        let lost: BTreeSet<i64> = attempts::lost_calls(tx, NOW)?.iter().map(|l| l.call_id).collect();
        assert_eq!(lost, BTreeSet::from([queued, queued_expired, expired]));
        let lost_call = attempts::lost_calls(tx, NOW)?
            .into_iter()
            .find(|l| l.call_id == expired);
        assert_eq!(
            lost_call.map(|l| (l.dial_key, l.provider)),
            Some(("key-3".to_owned(), "sim".to_owned()))
        );

        // Overdue: placed (not queued), in flight, started before the limit.
        let overdue: BTreeSet<i64> = attempts::overdue_calls(tx, 1, NOW)?
            .iter()
            .map(|o| o.call_id)
            .collect();
        assert_eq!(overdue, BTreeSet::from([expired, leased, replaced, replaced + 1]));
        let before_earlier: BTreeSet<i64> = attempts::overdue_calls(tx, 1, EARLIER)?
            .iter()
            .map(|o| o.call_id)
            .collect();
        assert_eq!(before_earlier, BTreeSet::from([expired, replaced]));
        assert!(attempts::overdue_calls(tx, 2, NOW)?.is_empty(), "another campaign's calls");
        Ok(())
    })
}
