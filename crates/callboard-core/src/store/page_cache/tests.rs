use std::{path::Path, sync::atomic::Ordering};

use super::*;
use crate::store::{Store, StoreError};

const CHILD: &str = "CALLBOARD_PAGE_CACHE_CHILD_DIR";

#[test]
fn only_a_cache_holding_a_page_at_or_above_the_limit_is_truncated() {
    assert!(must_truncate(10, 10));
    assert!(must_truncate(10, 1));
    assert!(!must_truncate(10, 11));
    assert!(!must_truncate(0, 1));
}

fn count(store: &Store) -> i64 {
    store
        .read_blocking(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .expect("count")
}

/// Random keys into an index, committed in small transactions: splits rebalance pages (swapping their numbers
/// through the parking one), and each commit truncates the cache to the database's size.
fn insert_random(store: &Store, seed: u64, rows: usize, text: usize) -> Result<(), StoreError> {
    store.with_tx_blocking(move |tx| -> Result<(), StoreError> {
        let mut x = seed | 1;
        let mut stmt = tx.prepare_cached("INSERT INTO t(k) VALUES (?1)")?;
        for _ in 0..rows {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            stmt.execute([format!("{x:016x}{}", "k".repeat(text))])?;
        }
        Ok(())
    })
}

/// Run in a fresh process, where the shim is installed before SQLite starts: truncations with nothing to drop
/// are skipped, a rolled-back growth of the file is still dropped from the cache, and the database reads back
/// exactly what was committed.
fn child(dir: &Path) {
    assert!(install(), "the shim installs before SQLite initializes");
    let store = Store::open(&dir.join("t.db")).expect("open");
    store
        .with_tx_blocking(|tx| -> Result<(), StoreError> {
            Ok(tx.execute_batch(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL); CREATE INDEX t_k ON t(k)",
            )?)
        })
        .expect("schema");
    let skipped = TRUNCATES_SKIPPED.load(Ordering::Relaxed);
    for batch in 0..60 {
        insert_random(&store, batch + 1, 200, 40).expect("insert");
    }
    assert!(
        TRUNCATES_SKIPPED.load(Ordering::Relaxed) >= skipped + 60,
        "each commit's truncation had nothing to drop"
    );
    let committed = count(&store);
    assert_eq!(committed, 60 * 200);

    // A transaction that grows the file by thousands of pages, then fails: its pages must leave the cache.
    let passed = TRUNCATES_PASSED.load(Ordering::Relaxed);
    let failed = store.with_tx_blocking(|tx| -> Result<(), StoreError> {
        let mut stmt = tx.prepare_cached("INSERT INTO t(k) VALUES (?1)")?;
        for i in 0..5_000 {
            stmt.execute([format!("{i:08}{}", "x".repeat(2_000))])?;
        }
        Err(StoreError::Corrupt("roll this back".into()))
    });
    assert!(failed.is_err());
    assert!(
        TRUNCATES_PASSED.load(Ordering::Relaxed) > passed,
        "the rollback's truncation reached SQLite's cache"
    );
    // The pages past the old end are reused by the next transaction: stale copies would corrupt them.
    insert_random(&store, 99, 3_000, 500).expect("insert after the rollback");
    assert_eq!(count(&store), committed + 3_000);
    let check: String = store
        .read_blocking(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
        .expect("integrity check");
    assert_eq!(check, "ok");
    drop(store);
    let reopened = Store::open(&dir.join("t.db")).expect("reopen");
    assert_eq!(count(&reopened), committed + 3_000);
}

#[test]
fn truncations_are_skipped_only_when_nothing_needs_dropping() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let status = crate::store::tests::rerun_in_child(
        "store::page_cache::tests::truncations_are_skipped_only_when_nothing_needs_dropping",
        CHILD,
        dir.path(),
    );
    assert!(status.success(), "the child's checks passed");
}
