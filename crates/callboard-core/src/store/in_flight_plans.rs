//! Plans of the statements the engine runs for every dial: writing a call and counting calls in flight must
//! not build a temporary b-tree (SQLite does so for an `IN` list of three or more constants, in a query or
//! in a partial index's predicate, on every run), and the counts must use the in-flight partial indexes.

use rusqlite::{Connection, params_from_iter, types::Null};

use super::{Store, StoreResult, attempts::IN_FLIGHT_STATUS};

/// The opcodes of `sql`'s program and its query plan, with every parameter NULL.
fn explain(conn: &Connection, sql: &str) -> StoreResult<(Vec<String>, String)> {
    let mut program = conn.prepare(&format!("EXPLAIN {sql}"))?;
    let nulls = params_from_iter(std::iter::repeat_n(Null, program.parameter_count()));
    let ops = program
        .query_map(nulls, |r| r.get::<_, String>(1))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ops, super::query_plan::query_plan(conn, sql)?.join("; ")))
}

#[test]
fn writing_and_counting_calls_builds_no_temporary_btree() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let statements = [
        "INSERT INTO calls(campaign_id, contact_id, provider, dial_key, status, created_at, updated_at) \
         VALUES (?1, ?2, 'sim', ?3, 'queued', ?4, ?4)"
            .to_owned(),
        "UPDATE calls SET provider_call_id = ?2, status = 'dialing', updated_at = ?3 WHERE id = ?1"
            .to_owned(),
        format!("UPDATE calls SET status = ?2, ended_at = ?3 WHERE id = ?1 AND {IN_FLIGHT_STATUS}"),
        format!("SELECT COUNT(*) FROM calls WHERE campaign_id = ?1 AND {IN_FLIGHT_STATUS}"),
        super::engine_step::PROVIDERS_IN_FLIGHT_SQL.clone(),
    ];
    store.read_blocking(move |conn| {
        for sql in &statements {
            let (ops, plan) = explain(conn, sql)?;
            assert!(
                !ops.iter().any(|op| op == "OpenEphemeral"),
                "{sql} builds a temporary b-tree (plan: {plan})"
            );
        }
        let (_, count) = explain(conn, &statements[3])?;
        assert!(count.contains("calls_in_flight"), "in-flight count plan: {count}");
        let (_, per_provider) = explain(conn, &statements[4])?;
        // Migration 0025: the providers come from the in-flight index alone, never from the table.
        assert!(
            per_provider.contains("COVERING INDEX calls_in_flight"),
            "per-provider plan: {per_provider}"
        );
        Ok(())
    })
}

/// The engine's per-step reads after migration 0023 (which dropped `calls_campaign`, `calls_endings` and
/// `campaign_contacts_due`): each stays on an index, none scans a campaign's list or its calls.
#[test]
fn engine_reads_stay_on_indexes_after_the_write_index_cleanup() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let checks: [(&str, &str); 6] = [
        (
            "SELECT id FROM calls INDEXED BY calls_in_flight WHERE campaign_id = ?1 AND (+status = 'queued' \
             OR +status = 'dialing' OR +status = 'initiated' OR +status = 'ringing' OR +status = 'in_progress') \
             AND status != 'queued' AND started_at < ?2",
            // Migration 0024: a range on the start time, not every call in flight of the campaign.
            "calls_in_flight (campaign_id=? AND started_at<?)",
        ),
        (
            "SELECT ended_at, outcome = 'failed' FROM calls WHERE campaign_id = ?1 AND ended_at IS NOT NULL \
             AND ended_at >= ?2 AND status != 'not_placed' ORDER BY ended_at DESC LIMIT ?3",
            "calls_campaign_ended (campaign_id=? AND ended_at>?)",
        ),
        (
            "SELECT EXISTS(SELECT 1 FROM campaign_contacts WHERE campaign_id = ?1 AND state = 'dialing')",
            "campaign_contacts_dialing (campaign_id=?)",
        ),
        (super::queue::NEXT_SCHEDULED_SQL, "campaign_contacts_queue"),
        // Migration 0028: fresh members are a rowid range of the table, not the campaign's whole list.
        (
            super::queue::FIRST_FRESH_SQL.as_str(),
            "SEARCH cc USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)",
        ),
        (
            "SELECT COUNT(*) FROM calls k WHERE k.status NOT IN ('queued', 'dialing') AND k.campaign_id = ?1",
            "COVERING INDEX calls_campaign_ended (campaign_id=?)",
        ),
    ];
    store.read_blocking(move |conn| {
        for (sql, wanted) in checks {
            let (_, plan) = explain(conn, sql)?;
            assert!(plan.contains(wanted), "{sql}: wanted {wanted}, plan: {plan}");
            let scans = plan
                .split("; ")
                .any(|step| step.starts_with("SCAN ") && step != "SCAN CONSTANT ROW");
            assert!(!scans, "{sql} scans: {plan}");
        }
        Ok(())
    })
}

/// Reconciliation's lost calls (migration 0024): calls still queued on the in-flight index alone, expired
/// leases on the index of contacts being dialed, each joined to its call by rowid only when it matches;
/// never a pass over every call in flight joined to its contact.
#[test]
fn lost_calls_read_only_the_in_flight_and_lease_indexes() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.read_blocking(|conn| {
        let (_, plan) = explain(conn, &super::attempts::LOST_CALLS_SQL)?;
        assert!(
            plan.contains("SCAN calls USING INDEX calls_in_flight"),
            "queued calls: {plan}"
        );
        assert!(
            plan.contains("SCAN cc USING INDEX campaign_contacts_dialing"),
            "expired leases: {plan}"
        );
        assert!(
            plan.contains("SEARCH k USING INTEGER PRIMARY KEY (rowid=?)"),
            "the call of an expired lease: {plan}"
        );
        Ok(())
    })
}

/// The periodic reads of calls in flight (the tray's counts every 2 s while campaigns run, the stuck-call scan
/// every 30 s, ElevenLabs' reconciliation) read the in-flight index, not every call ever made.
#[test]
fn periodic_reads_of_calls_in_flight_use_the_in_flight_index() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    store.read_blocking(|conn| {
        let [running, all] = &*crate::desktop::tray::TRAY_SQL;
        for sql in [
            running,
            all,
            &*super::call_board::STALE_IN_FLIGHT_SQL,
            &*super::elevenlabs::OPEN_CONVERSATIONS_SQL,
        ] {
            let plan = super::query_plan::query_plan(conn, sql)?.join("; ");
            assert!(plan.contains("INDEX calls_in_flight"), "{sql}: {plan}");
            assert!(!plan.contains("calls_campaign_ended"), "{sql}: {plan}");
        }
        Ok(())
    })
}
