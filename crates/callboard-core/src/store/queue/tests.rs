use super::*;
use crate::store::Store;

/// A campaign (id 1) and contacts 1..=n, with no members yet.
fn campaign_with_contacts(conn: &Connection, n: i64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO campaigns(id, name, created_at, updated_at) VALUES (1, 'C', 't', 't'), (2, 'Other', 't', 't')",
        [],
    )?;
    for id in 1..=n {
        conn.execute(
            "INSERT INTO contacts(id, phone_e164, created_at, updated_at) VALUES (?1, ?2, 't', 't')",
            params![id, format!("+1555000{id:04}")],
        )?;
    }
    Ok(())
}

fn join(conn: &Connection, campaign: i64, contact: i64, at: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![campaign, contact, at],
    )?;
    Ok(())
}

fn bounds(conn: &Connection, campaign: i64) -> StoreResult<(Option<i64>, Option<i64>)> {
    Ok(conn.query_row(
        "SELECT queue_fresh_from, queue_fresh_to FROM campaigns WHERE id = ?1",
        [campaign],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn ids(c: &[Candidate]) -> Vec<i64> {
    c.iter().map(|c| c.contact_id).collect()
}

#[test]
fn fresh_members_are_dialed_in_list_order_merged_with_due_ones_by_time() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        campaign_with_contacts(tx, 6)?;
        // List order 3, 1, 2 (joined at 10:00), then 6 (10:05); 4 waits until 10:02 and 5 until 10:10.
        for c in [3, 1, 2] {
            join(tx, 1, c, "2026-01-01T10:00:00Z")?;
        }
        join(tx, 1, 6, "2026-01-01T10:05:00Z")?;
        for (c, due) in [(4, "2026-01-01T10:02:00Z"), (5, "2026-01-01T10:10:00Z")] {
            tx.execute(
                "INSERT INTO campaign_contacts(campaign_id, contact_id, state, next_attempt_at, created_at, updated_at)
                 VALUES (1, ?1, 'retry_wait', ?2, 't', 't')",
                params![c, due],
            )?;
        }
        assert_eq!(ids(&candidates(tx, 1, "2026-01-01T10:06:00Z", 10)?), [3, 1, 2, 4, 6]);
        assert_eq!(ids(&candidates(tx, 1, "2026-01-01T10:20:00Z", 10)?), [3, 1, 2, 4, 6, 5]);
        assert_eq!(ids(&candidates(tx, 1, "2026-01-01T10:20:00Z", 2)?), [3, 1]);
        // Nobody is due before the first joined.
        assert_eq!(ids(&candidates(tx, 1, "2026-01-01T09:00:00Z", 10)?), Vec::<i64>::new());
        assert_eq!(next_due(tx, 1)?.as_deref(), Some("2026-01-01T10:00:00Z"));
        Ok(())
    })
}

#[test]
fn the_fresh_range_follows_joins_and_looks() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        campaign_with_contacts(tx, 5)?;
        assert_eq!(bounds(tx, 1)?, (None, None));
        // Members of another campaign interleave with this one's in rowid order.
        join(tx, 1, 1, "t0")?;
        join(tx, 2, 1, "t0")?;
        join(tx, 1, 2, "t0")?;
        join(tx, 1, 3, "t0")?;
        assert_eq!(bounds(tx, 1)?, (Some(1), Some(4)));
        assert_eq!(bounds(tx, 2)?, (Some(2), Some(2)));
        // Contact 1 is claimed: the range starts at the first member still fresh.
        tx.execute(
            "UPDATE campaign_contacts SET state = 'dialing', next_attempt_at = NULL WHERE campaign_id = 1 AND contact_id = 1",
            [],
        )?;
        assert_eq!(ids(&candidates(tx, 1, "t9", 10)?), [2, 3]);
        assert_eq!(bounds(tx, 1)?, (Some(1), Some(4)), "reading moves nothing");
        tighten_fresh_range(tx, 1)?;
        assert_eq!(bounds(tx, 1)?, (Some(3), Some(4)));
        // All looked at (deferred): the range empties, and the campaign has nobody waiting but the deferred.
        tx.execute(
            "UPDATE campaign_contacts SET next_attempt_at = 't5' WHERE campaign_id = 1 AND contact_id IN (2, 3)",
            [],
        )?;
        assert_eq!(ids(&candidates(tx, 1, "t1", 10)?), Vec::<i64>::new());
        tighten_fresh_range(tx, 1)?;
        assert_eq!(bounds(tx, 1)?, (None, None));
        assert_eq!(next_due(tx, 1)?.as_deref(), Some("t5"));
        // A member who joins later reopens the range.
        join(tx, 1, 4, "t2")?;
        assert_eq!(bounds(tx, 1)?, (Some(5), Some(5)));
        assert_eq!(ids(&candidates(tx, 1, "t2", 10)?), [4]);
        Ok(())
    })
}

#[test]
fn a_member_put_back_without_a_due_time_is_due_from_then_not_lost() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        campaign_with_contacts(tx, 2)?;
        join(tx, 1, 1, "t0")?;
        join(tx, 1, 2, "t0")?;
        // Both are looked at and suppressed; the range empties.
        tx.execute(
            "UPDATE campaign_contacts SET state = 'suppressed', wait_reason = 'dnc', updated_at = 't1'",
            [],
        )?;
        assert!(candidates(tx, 1, "t1", 10)?.is_empty());
        tighten_fresh_range(tx, 1)?;
        assert_eq!(bounds(tx, 1)?, (None, None));
        // Taken off the DNC list (as `dnc::remove` does): pending again, with no due time of its own.
        tx.execute(
            "UPDATE campaign_contacts SET state = 'pending', wait_reason = '', updated_at = 't2' WHERE contact_id = 2",
            [],
        )?;
        assert_eq!(ids(&candidates(tx, 1, "t3", 10)?), [2]);
        assert_eq!(next_due(tx, 1)?.as_deref(), Some("t2"));
        Ok(())
    })
}

#[test]
fn dialing_order_merges_by_due_time_then_list_order() {
    let q = |due: &str, rowid: i64| Queued {
        due: due.to_owned(),
        rowid,
        candidate: Candidate {
            contact_id: rowid,
            phone_e164: String::new(),
            time_zone: None,
            variables: String::new(),
            attempts: 0,
            on_dnc: false,
        },
    };
    let merged: Vec<i64> =
        in_dialing_order(vec![q("a", 5), q("b", 2), q("c", 1)], vec![q("a", 3), q("b", 4)])
            .map(|q| q.rowid)
            .collect();
    assert_eq!(merged, [3, 5, 2, 4, 1]);
}
