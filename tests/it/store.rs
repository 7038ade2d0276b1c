//! The store on a real file: migrations, reopening, refusing a tampered or newer database.

use callboard_core::{
    demo,
    store::{Store, StoreError, StoreResult, campaigns, latest_version},
};
use callboard_testkit::ManualClock;

fn db_path(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("callboard.db")
}

#[test]
fn migrates_a_new_file_and_reopening_keeps_data() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = db_path(&dir);
    {
        let store = Store::open(&path)?;
        assert_eq!(store.schema_version(), latest_version());
        assert!(demo::seed(
            &store,
            &ManualClock::new(ManualClock::default_start())
        )?);
    }
    let store = Store::open(&path)?;
    let list = store.read_blocking(campaigns::list)?;
    assert_eq!(list.len(), 5);
    let status = Store::inspect(&path)?;
    assert_eq!(
        (status.applied, status.latest),
        (latest_version(), latest_version())
    );
    // WAL is on for the file.
    let mode: String =
        rusqlite::Connection::open(&path)?.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    Ok(())
}

#[test]
fn a_tampered_migration_checksum_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = db_path(&dir);
    drop(Store::open(&path)?);
    rusqlite::Connection::open(&path)?.execute(
        "UPDATE schema_migrations SET sha256 = 'abc' WHERE version = 1",
        [],
    )?;
    match Store::open(&path) {
        Err(e @ StoreError::MigrationChanged { version: 1, .. }) => {
            assert!(e.to_string().contains("append-only"), "{e}");
        }
        other => panic!("expected MigrationChanged, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_database_from_a_newer_build_is_refused_and_left_untouched() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = db_path(&dir);
    {
        let store = Store::open(&path)?;
        demo::seed(&store, &ManualClock::new(ManualClock::default_start()))?;
    }
    let future = latest_version() + 1;
    rusqlite::Connection::open(&path)?.execute(
        "INSERT INTO schema_migrations(version, name, sha256, applied_at) VALUES (?1, 'future', 'x', 'later')",
        [future],
    )?;
    let before = std::fs::read(&path)?;
    match Store::open(&path) {
        Err(e @ StoreError::NewerDatabase { .. }) => {
            assert!(e.to_string().contains("newer Callboard"), "{e}")
        }
        other => panic!("expected NewerDatabase, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path)?, before, "the file must not change");
    let n: i64 =
        rusqlite::Connection::open(&path)?.query_row("SELECT COUNT(*) FROM campaigns", [], |r| r.get(0))?;
    assert_eq!(n, 5);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_writes_from_many_tasks_are_serialised() -> StoreResult<()> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let store = Store::open(&db_path(&dir))?;
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .with_tx(move |tx| -> StoreResult<()> {
                    tx.execute(
                        "INSERT INTO settings(key, value, updated_at) VALUES (?1, '1', 'now')",
                        [format!("k{i}")],
                    )?;
                    Ok(())
                })
                .await?;
            store
                .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get::<_, i64>(0))?))
                .await
        }));
    }
    for t in tasks {
        let n = t.await.map_err(|e| StoreError::Corrupt(e.to_string()))??;
        assert!((1..=50).contains(&n));
    }
    let n = store
        .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get::<_, i64>(0))?))
        .await?;
    assert_eq!(n, 50);
    Ok(())
}
