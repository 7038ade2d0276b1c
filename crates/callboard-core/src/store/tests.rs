//! The store's own basics: migrated on open, rollback on error, a panicking job leaves the writer running.
use super::*;

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
