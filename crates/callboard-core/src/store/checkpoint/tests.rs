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

/// Runs the checkpointer's loop over the nudges given (all queued first) until they run out; the stats of
/// what it did.
fn loop_over_nudges(held: &Held, path: &Path, nudges: usize) -> CheckpointStats {
    let stats = CheckpointStats::default();
    let conn = open(path).unwrap_or_else(|e| panic!("{e}"));
    let (nudge, nudged) = crossbeam_channel::bounded(nudges.max(1));
    for _ in 0..nudges {
        nudge.try_send(()).unwrap_or_else(|e| panic!("{e}"));
    }
    drop(nudge);
    checkpoint_loop(conn, nudged, held, &AtomicBool::new(false), &stats);
    stats
}

#[test]
fn a_bulk_write_holds_the_checkpoints_until_it_ends_or_the_wal_is_too_large() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("db.sqlite");
    let w = writer(&path);
    write(&w, 10);
    let held = Held {
        bulk_writes: Arc::new(AtomicUsize::new(1)),
        wal: wal_path(&path),
    };
    assert!(held.wal.exists(), "{}", held.wal.display());
    assert!(held.now());
    let stats = loop_over_nudges(&held, &path, 3);
    assert_eq!(
        stats.background.take().count,
        0,
        "no pass while a bulk write is under way"
    );
    // Past the bound the checkpoints go on (the file is sparse: its size is what is looked at).
    let wal_file = std::fs::OpenOptions::new()
        .write(true)
        .open(&held.wal)
        .unwrap_or_else(|e| panic!("{e}"));
    let size = wal_file.metadata().unwrap_or_else(|e| panic!("{e}")).len();
    wal_file.set_len(BULK_WAL_BYTES).unwrap_or_else(|e| panic!("{e}"));
    assert!(!held.now());
    wal_file.set_len(size).unwrap_or_else(|e| panic!("{e}"));
    assert!(held.now());
    // Once it ends, a nudge runs a pass.
    held.bulk_writes.store(0, Ordering::Release);
    assert!(!held.now());
    let stats = loop_over_nudges(&held, &path, 1);
    assert_eq!(stats.background.take().count, 1);
}

#[test]
fn the_wal_is_the_database_file_name_with_wal_appended() {
    assert_eq!(
        wal_path(Path::new("/data/callboard.db")),
        PathBuf::from("/data/callboard.db-wal")
    );
}
