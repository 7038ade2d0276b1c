//! The writer thread's two queues and the background WAL checkpointer.
//!
//! Jobs someone is waiting on to answer a request (a webhook's journal commit: the provider's 200 waits for
//! it) go to the `ahead` queue, which the writer always empties first; everything else (applying webhooks,
//! engine steps, imports) goes to the `normal` queue. Without this an acknowledgement waited behind every
//! apply batch queued before it, and that wait was most of the webhook p99.
//!
//! The writer never checkpoints the WAL itself (`wal_autocheckpoint = 0`): a checkpoint copies pages into the
//! database file and fsyncs it, and on the writer thread that stalled every write behind it for tens of
//! milliseconds. A checkpointer thread with its own connection runs PASSIVE checkpoints instead (they never
//! block the writer), at most every [`CHECKPOINT_GAP`], woken by the writer after its commits. Durability is
//! unchanged: a commit is durable against a process kill once it is in the WAL (synchronous = NORMAL), and
//! the checkpoint only moves committed pages from the WAL into the database file.

use std::{
    panic::AssertUnwindSafe,
    path::Path,
    thread,
    time::{Duration, Instant},
};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT, Job};

/// Least time between two background checkpoints: each one fsyncs the WAL and the database file, and the
/// longer the gap, the more rewrites of the same hot pages (the engine's queue, the calls in flight) merge into
/// one write. Measured on the release build: 200 ms → 1 s took the simulated engine week from 67.7 s to 51.8 s
/// and webhooks at concurrency 64 from 4,566/s to 5,698/s.
const CHECKPOINT_GAP: Duration = Duration::from_millis(1000);
/// WAL frames past which a PASSIVE checkpoint that could not catch up (the writer kept appending, or a
/// reader held an old snapshot) is followed by a RESTART, which waits for the writer between two
/// transactions, and holds it while it finishes, so the next commit starts the WAL from its beginning
/// again (≈ 256 MiB with 4 KiB pages). A safety valve for sustained overload only: at 16k frames it ran
/// in the middle of the 20,000-webhook bench and stalled the writer; once a burst ends the passive
/// checkpoints catch up and the writer restarts the WAL by itself.
const RESTART_FRAMES: i64 = 65_536;
/// A WAL file left larger than this is cut back to it when the log restarts.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// The two ways into the writer thread.
pub(super) struct WriterQueues {
    pub ahead: Sender<Job>,
    pub normal: Sender<Job>,
}

/// Starts the writer thread on `conn`, and for a database file (`path`) the checkpointer next to it.
pub(super) fn spawn(conn: Connection, path: Option<&Path>) -> (WriterQueues, Vec<thread::JoinHandle<()>>) {
    let (ahead, ahead_rx) = crossbeam_channel::unbounded::<Job>();
    let (normal, normal_rx) = crossbeam_channel::unbounded::<Job>();
    let mut threads = Vec::new();
    let nudge = match path.map(open_checkpointer) {
        Some(Ok(checkpointer)) => {
            // The writer's own checkpoints off only once there is a thread to do them.
            if let Err(e) = conn.pragma_update(None, "wal_autocheckpoint", 0) {
                tracing::warn!(error = %e, "cannot hand WAL checkpoints to a background thread");
            }
            if let Err(e) = conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT) {
                tracing::warn!(error = %e, "cannot limit the WAL file's size");
            }
            let (nudge, nudged) = crossbeam_channel::bounded::<()>(1);
            threads.extend(spawn_named("store-checkpoint", move || {
                checkpoint_loop(checkpointer, nudged)
            }));
            Some(nudge)
        }
        Some(Err(e)) => {
            // SQLite's own checkpoints on the writer stay on: slower, never unbounded.
            tracing::warn!(error = %e, "cannot open the checkpointer's connection; the writer checkpoints");
            None
        }
        None => None,
    };
    threads.extend(spawn_named("store-write", move || {
        write_loop(conn, ahead_rx, normal_rx, nudge)
    }));
    (WriterQueues { ahead, normal }, threads)
}

pub(super) fn spawn_named<F>(name: &str, body: F) -> Option<thread::JoinHandle<()>>
where
    F: FnOnce() + Send + 'static,
{
    match thread::Builder::new().name(name.to_owned()).spawn(body) {
        Ok(handle) => Some(handle),
        Err(e) => {
            // Without the thread every call fails with `Closed`, which reaches the user as an error.
            tracing::error!(thread = name, error = %e, "cannot start a store thread");
            None
        }
    }
}

/// Runs one job; a panicking job drops its reply sender (the caller sees `Panicked`) and the thread goes on.
pub(super) fn run_job(name: &str, conn: &mut Connection, job: Job) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))).is_err() {
        tracing::error!(thread = %name, "store job panicked");
    }
}

/// The next job: `ahead` first, then `normal`; `None` once the store is dropped and both are drained.
fn next_job(ahead: &Receiver<Job>, normal: &Receiver<Job>) -> Option<Job> {
    match ahead.try_recv() {
        Ok(job) => return Some(job),
        Err(TryRecvError::Disconnected) => return normal.try_recv().ok(),
        Err(TryRecvError::Empty) => {}
    }
    match normal.try_recv() {
        Ok(job) => return Some(job),
        Err(TryRecvError::Disconnected) => return ahead.try_recv().ok(),
        Err(TryRecvError::Empty) => {}
    }
    // Both empty: wait for either. The senders are dropped together, so a disconnect on one means the store
    // is closing: what is left in the other still runs.
    crossbeam_channel::select! {
        recv(ahead) -> job => job.ok().or_else(|| normal.try_recv().ok()),
        recv(normal) -> job => job.ok().or_else(|| ahead.try_recv().ok()),
    }
}

fn write_loop(mut conn: Connection, ahead: Receiver<Job>, normal: Receiver<Job>, nudge: Option<Sender<()>>) {
    while let Some(job) = next_job(&ahead, &normal) {
        run_job("store-write", &mut conn, job);
        if let Some(nudge) = &nudge {
            // Full means a nudge is already waiting: the checkpointer will look anyway.
            let _ = nudge.try_send(());
        }
    }
}

fn open_checkpointer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Checkpoints after writes, at most every [`CHECKPOINT_GAP`]; ends when the writer is gone.
fn checkpoint_loop(conn: Connection, nudged: Receiver<()>) {
    let mut last: Option<Instant> = None;
    while nudged.recv().is_ok() {
        if let Some(wait) = last.map(|t| CHECKPOINT_GAP.saturating_sub(t.elapsed()))
            && !wait.is_zero()
        {
            // Writes that land meanwhile are in this checkpoint too; a gap between checkpoints, not a
            // wait for readiness.
            thread::sleep(wait);
        }
        last = Some(Instant::now());
        checkpoint(&conn);
    }
}

/// One checkpoint: (busy, WAL frames, frames checkpointed), as `PRAGMA wal_checkpoint` reports them.
fn wal_checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

fn checkpoint(conn: &Connection) {
    match wal_checkpoint(conn, "PASSIVE") {
        Ok((_, frames, done)) if frames >= RESTART_FRAMES && done < frames => {
            tracing::debug!(frames, done, "WAL large and behind: restarting it");
            if let Err(e) = wal_checkpoint(conn, "RESTART") {
                tracing::warn!(error = %e, "WAL restart checkpoint failed");
            }
        }
        Ok(_) => {}
        // Busy: another connection (a backup, a restore) holds the checkpoint lock; the next nudge retries.
        Err(e) => tracing::debug!(error = %e, "WAL checkpoint skipped"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    fn job(log: mpsc::Sender<&'static str>, name: &'static str) -> Job {
        Box::new(move |_| {
            let _ = log.send(name);
        })
    }

    #[test]
    fn ahead_jobs_run_before_queued_normal_jobs() {
        let (ahead_tx, ahead_rx) = crossbeam_channel::unbounded::<Job>();
        let (normal_tx, normal_rx) = crossbeam_channel::unbounded::<Job>();
        let (log, seen) = mpsc::channel();
        for name in ["n1", "n2"] {
            let _ = normal_tx.send(job(log.clone(), name));
        }
        let _ = ahead_tx.send(job(log.clone(), "a1"));
        let mut conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        let mut order = Vec::new();
        for _ in 0..2 {
            let Some(j) = next_job(&ahead_rx, &normal_rx) else {
                break;
            };
            j(&mut conn);
            order.push(seen.recv().unwrap_or("none"));
        }
        // Queued after two normal jobs, the ahead job still runs first; then the normal queue in order.
        assert_eq!(order, ["a1", "n1"]);
        let _ = ahead_tx.send(job(log.clone(), "a2"));
        drop((ahead_tx, normal_tx));
        let mut rest = Vec::new();
        while let Some(j) = next_job(&ahead_rx, &normal_rx) {
            j(&mut conn);
            rest.push(seen.recv().unwrap_or("none"));
        }
        // Closing still runs what was queued, ahead first.
        assert_eq!(rest, ["a2", "n2"]);
    }
}
