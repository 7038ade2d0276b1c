//! The store's own basics: migrated on open, rollback on error, a panicking job leaves the writer running.
use super::*;

/// Runs the test at `path` (e.g. `store::wal_vfs::tests::name`) again, alone, in a child process with `var`
/// set to `dir`: for tests that need a process of their own (SQLite configured before it starts, or a process
/// that dies). The test tells which side it is on by `var`.
pub(crate) fn rerun_in_child(path: &str, var: &str, dir: &Path) -> std::process::ExitStatus {
    std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", path, "--test-threads=1"])
        .env(var, dir)
        .status()
        .expect("run the child")
}

#[test]
fn in_memory_store_is_migrated_and_usable() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    assert_eq!(store.schema_version(), latest_version());
    let n = store
        .read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM campaigns", [], |r| r.get::<_, i64>(0))?))?;
    assert_eq!(n, 0);
    Ok(())
}

#[test]
fn failed_transaction_rolls_back() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let r: StoreResult<()> = store.with_tx_blocking(|tx| {
        tx.execute(
            "INSERT INTO settings(key, value, updated_at) VALUES ('a', '1', 'now')",
            [],
        )?;
        Err(StoreError::Conflict("no".into()))
    });
    assert!(r.is_err());
    let n = store
        .read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM settings", [], |r| r.get::<_, i64>(0))?))?;
    assert_eq!(n, 0);
    Ok(())
}

#[test]
fn a_panicking_job_does_not_kill_the_writer() -> StoreResult<()> {
    let store = Store::open_in_memory()?;
    let r: StoreResult<()> = store.with_tx_blocking(|_| panic!("boom"));
    assert!(matches!(r, Err(StoreError::Panicked)));
    store.with_tx_blocking(|tx| -> StoreResult<()> {
        tx.execute(
            "INSERT INTO settings(key, value, updated_at) VALUES ('a', '1', 'now')",
            [],
        )?;
        Ok(())
    })?;
    Ok(())
}

/// Through the store: while an import's [`BulkWrite`] lives, the writes it makes start no checkpoint.
#[test]
fn writes_under_a_bulk_write_start_no_checkpoint() -> StoreResult<()> {
    let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let store = Store::open(&dir.path().join("callboard.db"))?;
    let bulk = store.bulk_write();
    for i in 0..50 {
        store.with_tx_blocking(move |tx| -> StoreResult<()> {
            tx.execute(
                "INSERT INTO settings(key, value, updated_at) VALUES (?1, ?2, '')",
                rusqlite::params![format!("bulk.{i}"), "x".repeat(2000)],
            )?;
            Ok(())
        })?;
    }
    // A read after the writes: the writer has nudged the checkpointer after each of them by now.
    let n: i64 = store.read_blocking(|c| {
        Ok(
            c.query_row("SELECT count(*) FROM settings WHERE key LIKE 'bulk.%'", [], |r| {
                r.get(0)
            })?,
        )
    })?;
    assert_eq!(n, 50);
    assert_eq!(store.stats().checkpoints.background.take().count, 0);
    drop(bulk);
    Ok(())
}
