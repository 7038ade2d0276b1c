//! WAL checkpoints off the writer's back, and how the WAL is kept from growing under a steady load.
//!
//! The writer never checkpoints by itself (`wal_autocheckpoint = 0`): a checkpoint copies pages into the
//! database file and fsyncs it, and on the writer thread that stalled every write behind it for tens of
//! milliseconds. A checkpointer thread with its own connection runs PASSIVE checkpoints instead (they never
//! block the writer), at most every [`CHECKPOINT_GAP`], woken by the writer after its commits.
//!
//! A PASSIVE checkpoint copies the frames that were in the WAL when it started; under a steady load new ones
//! land while it copies, so it never ends with every frame copied, and SQLite only starts the WAL again from
//! its beginning when a write transaction starts with every frame copied. The WAL grew until the RESTART
//! safety valve held the writer for hundreds of milliseconds (a p99 of 114 ms and a 728 ms pause at 1,000
//! webhooks/s). So after its long copy the checkpointer runs short catch-up passes, and once only a short
//! tail is left it asks the writer to checkpoint that tail itself, between two transactions: nothing can be
//! appended meanwhile, so that checkpoint completes, and the writer's next transaction starts the WAL again.
//!
//! A bulk write (an import) holds the checkpoints for its duration ([`Hold`]): its transactions come one
//! after another, so a checkpoint could never catch up with them, and each tail it left stopped the writer for
//! two fsyncs (on the 1M-row import bench, 3 tails of about 180 ms, with the background passes taking a core
//! from the import's reader). Held, the WAL takes the whole import, up to [`BULK_WAL_BYTES`], the rewrites of
//! its hot index pages merge there, and the checkpoint after it copies each page once.
//!
//! Durability is unchanged: a commit is durable against a process kill once it is in the WAL (synchronous =
//! NORMAL), and a checkpoint only moves committed pages into the database file (and fsyncs both files).

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, StoreStats};

/// Least time between two background checkpoints: each one fsyncs the WAL and the database file, and the
/// longer the gap, the more rewrites of the same hot pages (the engine's queue, the calls in flight) merge into
/// one write. Measured on the release build: 200 ms → 1 s took the simulated engine week from 67.7 s to 51.8 s
/// and webhooks at concurrency 64 from 4,566/s to 5,698/s.
const CHECKPOINT_GAP: Duration = Duration::from_millis(1000);
/// Most extra PASSIVE passes right after the long one, each copying only what landed during the pass before
/// (they stop once a pass leaves no less than the one before), so the part left for the writer shrinks to
/// what lands during one short pass.
const CATCH_UP_PASSES: usize = 8;
/// WAL frames left uncopied that the writer checkpoints itself, between two transactions (each frame a
/// page; many are the same hot pages, copied once). Its copy and its two fsyncs hold every write: at 2,048
/// frames that took up to 0.5 s on a loaded disk.
const TAIL_FRAMES: i64 = 512;
/// Below this many frames the WAL is left to grow: the writer's pause to start it again is not worth it.
const RESET_FRAMES: i64 = 4_096;
/// How long the writer's tail checkpoint waits for readers of the old frames before it leaves the WAL as it
/// is (a reader that started before the copy; the next transaction still starts the WAL again if they are
/// gone by then).
const TAIL_READER_WAIT: Duration = Duration::from_millis(2);
/// WAL frames past which a PASSIVE checkpoint that could not catch up (the writer kept appending faster than
/// the passes copied, or a reader held an old snapshot) is followed by a RESTART, which waits for the writer
/// between two transactions, and holds it while it finishes (≈ 256 MiB with 4 KiB pages). A safety valve for
/// sustained overload only.
const RESTART_FRAMES: i64 = 65_536;
/// A WAL file left larger than this is cut back to it when the log restarts.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;
/// The WAL file's size past which checkpoints go on during a bulk write after all: disk space is bounded. The
/// 1M-row import bench writes about 540 MB of WAL frames.
const BULK_WAL_BYTES: u64 = 1024 * 1024 * 1024;

/// The writer's side of the checkpointer.
pub(super) struct Checkpointer {
    nudge: Sender<()>,
    tail_due: Arc<AtomicBool>,
}

/// What the checkpoints did, for [`super::Store::stats`].
#[derive(Debug, Default)]
pub struct CheckpointStats {
    /// The checkpointer's PASSIVE passes.
    pub background: crate::latency::Histogram,
    /// The tails the writer checkpointed between two transactions.
    pub tail: crate::latency::Histogram,
    /// Tails that copied every frame, so the next transaction starts the WAL again.
    pub tails_complete: AtomicU64,
    /// RESTART checkpoints (the safety valve).
    pub restarts: AtomicU64,
    /// The most frames the WAL held at a checkpoint.
    pub wal_frames_max: AtomicU64,
}

/// The store's hold on the checkpointer: bulk writes under way, and a nudge for when they end.
#[derive(Clone)]
pub(super) struct Hold {
    bulk_writes: Arc<AtomicUsize>,
    nudge: Sender<()>,
}

impl Hold {
    /// Checkpoints wait from now until [`Hold::end_bulk_write`] (each call counted).
    pub(super) fn begin_bulk_write(&self) {
        self.bulk_writes.fetch_add(1, Ordering::AcqRel);
    }

    /// Ends one [`Hold::begin_bulk_write`]; the checkpointer is woken to copy what the bulk write left.
    pub(super) fn end_bulk_write(&self) {
        self.bulk_writes.fetch_sub(1, Ordering::AcqRel);
        let _ = self.nudge.try_send(());
    }
}

impl Checkpointer {
    /// Wakes the checkpointer after a commit (a full queue means a nudge is already waiting).
    pub(super) fn nudge(&self) {
        let _ = self.nudge.try_send(());
    }

    /// On the writer, between two transactions: checkpoints the WAL's short tail when the checkpointer asked
    /// for it, and starts the WAL again. Nothing is appended meanwhile, so unless a reader holds an old
    /// snapshot every frame is copied; RESTART then waits (briefly) for readers of the old frames.
    pub(super) fn tail_if_due(&self, conn: &Connection, stats: &CheckpointStats) {
        if !self.tail_due.swap(false, Ordering::AcqRel) {
            return;
        }
        let started = Instant::now();
        let _ = conn.busy_timeout(TAIL_READER_WAIT);
        match wal_checkpoint(conn, "RESTART") {
            Ok((busy, frames, done)) => {
                stats.tail.record(started.elapsed());
                if busy == 0 && done >= frames {
                    stats.tails_complete.fetch_add(1, Ordering::Relaxed);
                }
            }
            Err(e) => tracing::debug!(error = %e, "WAL tail checkpoint skipped"),
        }
        if let Err(e) = conn.busy_timeout(BUSY_TIMEOUT) {
            tracing::warn!(error = %e, "cannot restore the writer's busy timeout");
        }
    }
}

/// Opens the checkpointer's connection next to the writer's `conn` and starts its thread; `None` (with
/// SQLite's own checkpoints left on, on the writer: slower, never unbounded) when that fails.
pub(super) fn spawn(
    path: &Path,
    writer: &Connection,
    stats: Arc<StoreStats>,
) -> Option<(Checkpointer, Hold, thread::JoinHandle<()>)> {
    let conn = match open(path) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::warn!(error = %e, "cannot open the checkpointer's connection; the writer checkpoints");
            return None;
        }
    };
    let (nudge, nudged) = crossbeam_channel::bounded::<()>(1);
    let tail_due = Arc::new(AtomicBool::new(false));
    let asks = tail_due.clone();
    let bulk_writes = Arc::new(AtomicUsize::new(0));
    let held = Held {
        bulk_writes: bulk_writes.clone(),
        wal: wal_path(path),
    };
    let handle = super::writer::spawn_named("store-checkpoint", move || {
        checkpoint_loop(conn, nudged, &held, &asks, &stats.checkpoints)
    })?;
    // The writer's own checkpoints off only once there is a thread to do them.
    if let Err(e) = writer.pragma_update(None, "wal_autocheckpoint", 0) {
        tracing::warn!(error = %e, "cannot hand WAL checkpoints to a background thread");
    }
    if let Err(e) = writer.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT) {
        tracing::warn!(error = %e, "cannot limit the WAL file's size");
    }
    let hold = Hold {
        bulk_writes,
        nudge: nudge.clone(),
    };
    Some((Checkpointer { nudge, tail_due }, hold, handle))
}

/// The WAL file next to the database file `db`.
fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The checkpointer's side of [`Hold`].
struct Held {
    bulk_writes: Arc<AtomicUsize>,
    wal: PathBuf,
}

impl Held {
    /// Whether checkpoints wait: a bulk write is under way and the WAL file is under [`BULK_WAL_BYTES`] (while
    /// they wait the file only grows: nothing starts the WAL again).
    fn now(&self) -> bool {
        self.bulk_writes.load(Ordering::Acquire) > 0
            && std::fs::metadata(&self.wal).is_ok_and(|m| m.len() < BULK_WAL_BYTES)
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Checkpoints after writes, at most every [`CHECKPOINT_GAP`]; ends when the writer is gone.
fn checkpoint_loop(
    conn: Connection,
    nudged: Receiver<()>,
    held: &Held,
    tail_due: &AtomicBool,
    stats: &CheckpointStats,
) {
    let mut last: Option<Instant> = None;
    while nudged.recv().is_ok() {
        if held.now() {
            // The bulk write's end nudges again.
            continue;
        }
        if let Some(wait) = last.map(|t| CHECKPOINT_GAP.saturating_sub(t.elapsed()))
            && !wait.is_zero()
        {
            // Writes that land meanwhile are in this checkpoint too; a gap between checkpoints, not a
            // wait for readiness.
            thread::sleep(wait);
        }
        last = Some(Instant::now());
        checkpoint(&conn, tail_due, stats);
    }
}

/// One checkpoint: (busy, WAL frames, frames checkpointed), as `PRAGMA wal_checkpoint` reports them.
fn wal_checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// What is left for the writer after one background checkpoint and its catch-up passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Left {
    /// A small WAL: left to grow.
    Nothing,
    /// A large WAL with a short tail (or none) left: the writer copies it between two transactions and
    /// starts the WAL again.
    Tail,
    /// Still far behind.
    Behind { frames: i64, done: i64 },
}

/// Every frame copied is not enough by itself: the WAL starts again only if the writer's next transaction
/// begins after that, with no reader on the old frames; a transaction already under way, or a reader, and the
/// chance is gone until the next complete pass. So a large WAL gets the writer's RESTART either way.
fn left(frames: i64, done: i64) -> Left {
    match frames - done {
        _ if frames < RESET_FRAMES => Left::Nothing,
        behind if behind <= TAIL_FRAMES => Left::Tail,
        _ => Left::Behind { frames, done },
    }
}

fn checkpoint(conn: &Connection, tail_due: &AtomicBool, stats: &CheckpointStats) {
    let mut last = Left::Nothing;
    for _ in 0..=CATCH_UP_PASSES {
        let started = Instant::now();
        let (frames, done) = match wal_checkpoint(conn, "PASSIVE") {
            Ok((_, frames, done)) => (frames, done),
            // Busy: another connection (a backup, a restore) holds the checkpoint lock; the next nudge retries.
            Err(e) => {
                tracing::debug!(error = %e, "WAL checkpoint skipped");
                return;
            }
        };
        stats.background.record(started.elapsed());
        stats
            .wal_frames_max
            .fetch_max(u64::try_from(frames).unwrap_or(0), Ordering::Relaxed);
        let before = last;
        last = left(frames, done);
        match (before, last) {
            (_, Left::Nothing) => return,
            (_, Left::Tail) => {
                tail_due.store(true, Ordering::Release);
                return;
            }
            // Not catching up (a reader holds an old snapshot, or frames land as fast as they are copied).
            (Left::Behind { frames: f0, done: d0 }, Left::Behind { .. }) if frames - done >= f0 - d0 => break,
            (_, Left::Behind { .. }) => {}
        }
    }
    // The passes could not catch up: the writer outpaces them, or a reader holds an old snapshot.
    if let Left::Behind { frames, done } = last
        && frames >= RESTART_FRAMES
    {
        tracing::debug!(frames, done, "WAL large and behind: restarting it");
        stats.restarts.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = wal_checkpoint(conn, "RESTART") {
            tracing::warn!(error = %e, "WAL restart checkpoint failed");
        }
    }
}

#[cfg(test)]
mod tests;
