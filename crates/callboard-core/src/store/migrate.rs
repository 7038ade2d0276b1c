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

    #[test]
    fn the_embedded_migrations_apply() -> StoreResult<()> {
        let mut conn = Connection::open_in_memory()?;
        assert_eq!(run(&mut conn)?, latest_version());
        assert!(latest_version() >= 1);
        Ok(())
    }
}
