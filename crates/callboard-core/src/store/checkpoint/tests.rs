use super::*;

fn writer(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap_or_else(|e| panic!("{e}"));
    let _: String = conn
        .pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, value) in [("synchronous", "NORMAL"), ("wal_autocheckpoint", "0")] {
        conn.pragma_update(None, name, value)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    conn.execute_batch("CREATE TABLE t(x BLOB)")
        .unwrap_or_else(|e| panic!("{e}"));
    conn
}

/// `n` transactions of one row each (a frame or two per transaction).
fn write(conn: &Connection, n: usize) {
    for _ in 0..n {
        conn.execute("INSERT INTO t VALUES (randomblob(3000))", [])
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The WAL's frames after one more transaction, as the next checkpoint sees them.
fn frames_after_one_more_write(writer: &Connection, checkpointer: &Connection) -> i64 {
    write(writer, 1);
    wal_checkpoint(checkpointer, "PASSIVE")
        .unwrap_or_else(|e| panic!("{e}"))
        .1
}

/// Frames keep landing while the background checkpoint copies (here: a reader's snapshot stops it short of
/// the newest frames, as a pass that started before them would). Returns the WAL's frames after the next write.
fn steady_load(writer_copies_tail: bool) -> (i64, CheckpointStats) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("db.sqlite");
    let w = writer(&path);
    let background = open(&path).unwrap_or_else(|e| panic!("{e}"));
    write(&w, RESET_FRAMES as usize);
    let reader = Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    reader.execute_batch("BEGIN").unwrap_or_else(|e| panic!("{e}"));
    let _: i64 = reader
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    write(&w, 30);
    let stats = CheckpointStats::default();
    let (nudge, _nudged) = crossbeam_channel::bounded(1);
    let checkpointer = Checkpointer {
        nudge,
        tail_due: Arc::new(AtomicBool::new(false)),
    };
    checkpoint(&background, &checkpointer.tail_due, &stats);
    assert!(
        checkpointer.tail_due.load(Ordering::Acquire),
        "a short tail is left: the writer is asked to copy it"
    );
    reader.execute_batch("COMMIT").unwrap_or_else(|e| panic!("{e}"));
    if writer_copies_tail {
        checkpointer.tail_if_due(&w, &stats);
        assert!(!checkpointer.tail_due.load(Ordering::Acquire));
    }
    (frames_after_one_more_write(&w, &background), stats)
}

#[test]
fn a_tail_the_writer_copies_lets_its_next_transaction_start_the_wal_again() {
    let (frames, stats) = steady_load(true);
    assert_eq!(stats.tails_complete.load(Ordering::Relaxed), 1);
    assert_eq!(stats.tail.take().count, 1);
    assert!(
        stats.background.take().count >= 1
            && stats.wal_frames_max.load(Ordering::Relaxed) >= RESET_FRAMES as u64,
        "{stats:?}"
    );
    // The one new transaction's frames only.
    assert!(frames <= 4, "the WAL started again: {frames} frames");
    // Without the writer's part the WAL only grows.
    let (frames, stats) = steady_load(false);
    assert!(frames > RESET_FRAMES, "the WAL kept growing: {frames} frames");
    assert_eq!(stats.tails_complete.load(Ordering::Relaxed), 0);
}

#[test]
fn what_is_left_after_a_pass() {
    assert_eq!(left(0, 0), Left::Nothing);
    assert_eq!(left(5_000, 5_000), Left::Tail);
    // A small WAL is left to grow.
    assert_eq!(left(RESET_FRAMES - 1, 0), Left::Nothing);
    assert_eq!(left(5_000, 4_999), Left::Tail);
    assert_eq!(left(5_000, 5_000 - TAIL_FRAMES), Left::Tail);
    assert_eq!(
        left(5_000, 4_999 - TAIL_FRAMES),
        Left::Behind {
            frames: 5_000,
            done: 4_999 - TAIL_FRAMES
        }
    );
    // Not in WAL mode: SQLite answers -1, -1.
    assert_eq!(left(-1, -1), Left::Nothing);
}
