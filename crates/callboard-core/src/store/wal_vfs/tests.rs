use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::*;
use crate::store::{Store, StoreError};

/// A reader on SQLite's own VFS, as another process would open the file.
fn plain_reader(path: &Path) -> Connection {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open a plain reader");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

fn rows(conn: &Connection) -> (i64, i64) {
    conn.query_row(
        "SELECT count(*), coalesce(sum(length(body)), 0) FROM t",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("count rows")
}

fn make_table(store: &Store) {
    store
        .with_tx_blocking(|tx| -> Result<(), StoreError> {
            Ok(tx.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB NOT NULL)")?)
        })
        .expect("create the table");
}

fn insert(store: &Store, sizes: &[usize]) {
    let sizes = sizes.to_vec();
    store
        .with_tx_blocking(move |tx| -> Result<(), StoreError> {
            for n in sizes {
                tx.execute("INSERT INTO t(body) VALUES (?1)", [vec![7u8; n]])?;
            }
            Ok(())
        })
        .expect("insert");
}

/// Commits of every size (a row, runs longer than one write, longer than the buffer) are in the file when
/// the commit returns: a reader that does not go through the shim sees each one.
#[test]
fn every_commit_is_visible_to_a_plain_reader_when_it_returns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    let store = Store::open(&path).expect("open");
    assert!(register(), "the shim is registered");
    make_table(&store);
    let before = runs_written();
    let reader = plain_reader(&path);
    let (mut count, mut bytes) = (0, 0);
    for sizes in [
        vec![10],
        vec![3_000; 20],
        vec![200 << 10],
        vec![3 << 20],
        vec![1],
        vec![100; 500],
    ] {
        insert(&store, &sizes);
        count += sizes.len() as i64;
        bytes += sizes.iter().sum::<usize>() as i64;
        assert_eq!(rows(&reader), (count, bytes));
    }
    assert!(
        runs_written() > before,
        "the writer's WAL went through the buffer"
    );
}

/// A transaction larger than the writer's cache writes frames before it commits; rolled back, they are
/// never published, and the commits around it are intact.
#[test]
fn a_rolled_back_transaction_that_spilled_leaves_the_others_intact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    let store = Store::open(&path).expect("open");
    make_table(&store);
    insert(&store, &[100; 10]);
    let failed = store.with_tx_blocking(|tx| -> Result<(), StoreError> {
        for _ in 0..40 {
            tx.execute("INSERT INTO t(body) VALUES (?1)", [vec![1u8; 1 << 20]])?;
        }
        Err(StoreError::Corrupt("rolled back on purpose".into()))
    });
    assert!(failed.is_err());
    insert(&store, &[5; 3]);
    let reader = plain_reader(&path);
    assert_eq!(rows(&reader), (13, 1_015));
    let check: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
}

const CHILD: &str = "CALLBOARD_WAL_VFS_CRASH_DIR";

/// Commits returned to the caller survive the process dying right after (no close, no checkpoint): the
/// test runs itself as a child that commits and aborts, then opens what it left.
#[test]
fn commits_survive_the_process_being_killed() {
    if let Some(dir) = std::env::var_os(CHILD) {
        let store = Store::open(&Path::new(&dir).join("t.db")).expect("open");
        make_table(&store);
        for i in 0..50 {
            insert(&store, &[1_000 + i]);
        }
        std::process::abort();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let status = crate::store::tests::rerun_in_child(
        "store::wal_vfs::tests::commits_survive_the_process_being_killed",
        CHILD,
        dir.path(),
    );
    assert!(!status.success(), "the child aborted after committing");
    let path = dir.path().join("t.db");
    let reader = Connection::open(&path).expect("open what the child left");
    assert_eq!(rows(&reader), (50, (0..50).map(|i| 1_000 + i).sum::<i64>()));
    let check: String = reader
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(check, "ok");
}
