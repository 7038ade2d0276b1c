//! Applies the embedded `migrations/*.sql` in order, each in its own transaction, and records each with its
//! SHA-256. A changed migration or a database from a newer build is refused before anything is written, so
//! the file is never damaged by a build that does not understand it.

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use super::{StoreError, StoreResult};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The newest schema version this build knows.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// What `doctor` reports about a database's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: u32,
    pub latest: u32,
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Brings the database up to date; returns the schema version.
pub(super) fn run(conn: &mut Connection) -> StoreResult<u32> {
    run_with(conn, MIGRATIONS)
}

fn run_with(conn: &mut Connection, migrations: &[(u32, &str, &str)]) -> StoreResult<u32> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             sha256     TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let applied: Vec<(u32, String, String)> = {
        let mut stmt =
            conn.prepare("SELECT version, name, sha256 FROM schema_migrations ORDER BY version")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    let known = migrations.last().map_or(0, |m| m.0);
    // Check everything before changing anything.
    for (version, name, recorded) in &applied {
        match migrations.iter().find(|m| m.0 == *version) {
            None => {
                return Err(StoreError::NewerDatabase {
                    found: *version,
                    known,
                });
            }
            Some((_, _, sql)) => {
                let built = checksum(sql);
                if &built != recorded {
                    return Err(StoreError::MigrationChanged {
                        version: *version,
                        name: name.clone(),
                        recorded: recorded.clone(),
                        built,
                    });
                }
            }
        }
    }
    for (version, name, sql) in migrations {
        if applied.iter().any(|a| a.0 == *version) {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Corrupt(format!("migration {version:04}_{name} failed: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, sha256, applied_at) VALUES (?1, ?2, ?3, ?4)",
            params![version, name, checksum(sql), jiff::Timestamp::now().to_string()],
        )?;
        tx.commit()?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(applied
        .iter()
        .map(|a| a.0)
        .chain(migrations.iter().map(|m| m.0))
        .max()
        .unwrap_or(0))
}

/// Reads the migration state of a database file without changing it.
pub fn status(conn: &Connection) -> StoreResult<MigrationStatus> {
    let applied: u32 = conn.query_row("SELECT IFNULL(MAX(version), 0) FROM schema_migrations", [], |r| {
        r.get(0)
    })?;
    Ok(MigrationStatus {
        applied,
        latest: latest_version(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: (u32, &str, &str) = (1, "one", "CREATE TABLE a(x INTEGER);");
    const V2: (u32, &str, &str) = (2, "two", "CREATE TABLE b(y INTEGER);");

    #[test]
    fn applies_in_order_and_is_idempotent() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        assert_eq!(run_with(&mut conn, &[V1])?, 1);
        assert_eq!(run_with(&mut conn, &[V1, V2])?, 2);
        assert_eq!(run_with(&mut conn, &[V1, V2])?, 2);
        let n: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))?;
        assert_eq!(n, 2);
        Ok(())
    }

    #[test]
    fn a_changed_migration_is_refused() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        run_with(&mut conn, &[V1])?;
        let edited = (1, "one", "CREATE TABLE a(x INTEGER, z TEXT);");
        let err = run_with(&mut conn, &[edited]).err();
        assert!(
            matches!(err, Some(StoreError::MigrationChanged { version: 1, .. })),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn a_newer_database_is_refused_untouched() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        run_with(&mut conn, &[V1, V2])?;
        let err = run_with(&mut conn, &[V1, (3, "three", "CREATE TABLE c(z INTEGER);")]).err();
        assert!(
            matches!(err, Some(StoreError::NewerDatabase { found: 2, known: 3 })),
            "{err:?}"
        );
        let err = run_with(&mut conn, &[V1]).err();
        assert!(
            matches!(err, Some(StoreError::NewerDatabase { found: 2, known: 1 })),
            "{err:?}"
        );
        let c: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'", [], |r| {
            r.get(0)
        })?;
        assert_eq!(c, 0);
        Ok(())
    }

    #[test]
    fn a_failing_migration_leaves_nothing_half_done() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        let bad = (2, "bad", "CREATE TABLE ok(x INTEGER); THIS IS NOT SQL;");
        assert!(run_with(&mut conn, &[V1, bad]).is_err());
        let ok: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok'", [], |r| {
            r.get(0)
        })?;
        assert_eq!(ok, 0);
        assert_eq!(status(&conn)?.applied, 1);
        Ok(())
    }

    /// Rebuilding `campaign_contacts` (0027, its `last_call_id` without a foreign key) keeps every member
    /// as it was, rowid (the list order) included, and the campaign's counters; its indexes and triggers are
    /// back, and the key is gone.
    #[test]
    fn rebuilding_the_members_keeps_them_and_their_list_order() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let before: Vec<_> = MIGRATIONS.iter().copied().filter(|m| m.0 < 27).collect();
        run_with(&mut conn, &before)?;
        conn.execute_batch(
            "INSERT INTO campaigns(id, name, created_at, updated_at) VALUES (1, 'C', 't', 't');
             INSERT INTO contacts(id, phone_e164, created_at, updated_at) VALUES (1, '+1', 't', 't'), (2, '+2', 't', 't');
             INSERT INTO calls(id, campaign_id, contact_id, provider, created_at, updated_at) VALUES (9, 1, 1, 'sim', 't', 't');
             INSERT INTO campaign_contacts(rowid, campaign_id, contact_id, state, next_attempt_at, created_at, updated_at)
                 VALUES (5, 1, 2, 'pending', 'a', 't', 't');
             INSERT INTO campaign_contacts(rowid, campaign_id, contact_id, state, last_call_id, created_at, updated_at)
                 VALUES (7, 1, 1, 'done', 9, 't', 't');",
        )?;
        /// (rowid, contact_id, state, next_attempt_at, last_call_id).
        type Member = (i64, i64, String, Option<String>, Option<i64>);
        let members = |conn: &Connection| -> StoreResult<Vec<Member>> {
            let mut stmt = conn.prepare(
                "SELECT rowid, contact_id, state, next_attempt_at, last_call_id FROM campaign_contacts ORDER BY rowid",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        };
        let counters = |conn: &Connection| -> StoreResult<(i64, i64)> {
            Ok(conn.query_row(
                "SELECT contacts_total, contacts_done FROM campaigns WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        };
        let (members_before, counters_before) = (members(&conn)?, counters(&conn)?);
        assert_eq!(counters_before, (2, 1));
        let upto_27: Vec<_> = MIGRATIONS.iter().copied().filter(|m| m.0 <= 27).collect();
        run_with(&mut conn, &upto_27)?;
        assert_eq!(members(&conn)?, members_before);
        assert_eq!(counters(&conn)?, counters_before);
        let named = |kind: &str| -> StoreResult<Vec<String>> {
            let mut stmt = conn.prepare(
                "SELECT name FROM sqlite_schema WHERE tbl_name = 'campaign_contacts' AND type = ?1 AND sql IS NOT NULL
                 ORDER BY name",
            )?;
            let names = stmt.query_map([kind], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(names)
        };
        assert_eq!(
            named("index")?,
            [
                "campaign_contacts_callbacks",
                "campaign_contacts_dialing",
                "campaign_contacts_queue"
            ]
        );
        assert_eq!(
            named("trigger")?,
            [
                "campaign_contacts_count_delete",
                "campaign_contacts_count_insert",
                "campaign_contacts_count_state",
                "campaign_contacts_due_at"
            ]
        );
        let parents: Vec<String> = conn
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list('campaign_contacts') ORDER BY 1")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        assert_eq!(parents, ["campaigns", "contacts"]);
        // The triggers work: a new member is counted and due from when it joined.
        conn.execute_batch(
            "INSERT INTO contacts(id, phone_e164, created_at, updated_at) VALUES (3, '+3', 't', 't');
             INSERT INTO campaign_contacts(campaign_id, contact_id, created_at, updated_at) VALUES (1, 3, 'j', 'j');
             UPDATE campaign_contacts SET state = 'done' WHERE contact_id = 2;",
        )?;
        assert_eq!(counters(&conn)?, (3, 2));
        let due: Option<String> = conn.query_row(
            "SELECT next_attempt_at FROM campaign_contacts WHERE contact_id = 3",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(due.as_deref(), Some("j"));
        Ok(())
    }

    #[test]
    fn the_embedded_migrations_apply() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        assert_eq!(run(&mut conn)?, latest_version());
        assert!(latest_version() >= 1);
        Ok(())
    }
}
