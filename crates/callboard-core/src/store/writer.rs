//! The writer thread's two queues; WAL checkpoints are in [`super::checkpoint`].
//!
//! Jobs someone is waiting on to answer a request (a webhook's journal commit: the provider's 200 waits for
//! it) go to the `ahead` queue, which the writer always empties first; everything else (applying webhooks,
//! engine steps, imports) goes to the `normal` queue. Without this an acknowledgement waited behind every
//! apply batch queued before it, and that wait was most of the webhook p99.

use std::{panic::AssertUnwindSafe, path::Path, sync::Arc, thread, time::Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use rusqlite::Connection;

use super::{Job, checkpoint};

/// Where the writer's time goes (for benchmarks and diagnostics): how long jobs waited and ran, and what the
/// WAL checkpoints did.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// From submit to start, for `ahead` jobs (someone's answer waits on them).
    pub ahead_wait: crate::latency::Histogram,
    /// How long `ahead` jobs ran on the writer (their transaction, commit included).
    pub ahead_jobs: crate::latency::Histogram,
    /// How long `normal` jobs ran on the writer: what an `ahead` job may wait behind.
    pub normal_jobs: crate::latency::Histogram,
    pub checkpoints: checkpoint::CheckpointStats,
    /// Time per SQL statement on the writer, when asked for (see [`super::statement_profile`]).
    pub statements: Option<Arc<super::statement_profile::StatementProfile>>,
}

/// The two ways into the writer thread.
pub(super) struct WriterQueues {
    pub ahead: Sender<Job>,
    pub normal: Sender<Job>,
    /// `None` without a checkpointer thread (in memory, or it could not start).
    pub checkpoints: Option<checkpoint::Hold>,
}

/// Which queue a job came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    Ahead,
    Normal,
}

/// Starts the writer thread on `conn`, and for a database file (`path`) the checkpointer next to it.
pub(super) fn spawn(
    conn: Connection,
    path: Option<&Path>,
    stats: Arc<StoreStats>,
) -> (WriterQueues, Vec<thread::JoinHandle<()>>) {
    let (ahead, ahead_rx) = crossbeam_channel::unbounded::<Job>();
    let (normal, normal_rx) = crossbeam_channel::unbounded::<Job>();
    let mut threads = Vec::new();
    let (checkpointer, checkpoints) = match path.and_then(|p| checkpoint::spawn(p, &conn, stats.clone())) {
        Some((checkpointer, hold, handle)) => {
            threads.push(handle);
            (Some(checkpointer), Some(hold))
        }
        None => (None, None),
    };
    threads.extend(spawn_named("store-write", move || {
        write_loop(conn, ahead_rx, normal_rx, checkpointer, &stats)
    }));
    (
        WriterQueues {
            ahead,
            normal,
            checkpoints,
        },
        threads,
    )
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

/// Runs jobs on a dedicated thread until `next` returns `None` (every sender dropped). A panicking job drops
/// its reply sender (the caller sees [`StoreError::Panicked`]) and the thread carries on.
pub(super) fn spawn_worker<N>(
    name: String,
    mut conn: Connection,
    mut next: N,
) -> Option<thread::JoinHandle<()>>
where
    N: FnMut() -> Option<Job> + Send + 'static,
{
    spawn_named(&name.clone(), move || {
        while let Some(job) = next() {
            run_job(&name, &mut conn, job);
        }
    })
}

/// Runs one job; a panicking job drops its reply sender (the caller sees `Panicked`) and the thread goes on.
pub(super) fn run_job(name: &str, conn: &mut Connection, job: Job) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| job(conn))).is_err() {
        tracing::error!(thread = %name, "store job panicked");
    }
}

/// The next job: `ahead` first, then `normal`; `None` once the store is dropped and both are drained.
fn next_job(ahead: &Receiver<Job>, normal: &Receiver<Job>) -> Option<(Job, Lane)> {
    let (a, n) = (|j: Job| (j, Lane::Ahead), |j: Job| (j, Lane::Normal));
    match ahead.try_recv() {
        Ok(job) => return Some(a(job)),
        Err(TryRecvError::Disconnected) => return normal.try_recv().ok().map(n),
        Err(TryRecvError::Empty) => {}
    }
    match normal.try_recv() {
        Ok(job) => return Some(n(job)),
        Err(TryRecvError::Disconnected) => return ahead.try_recv().ok().map(a),
        Err(TryRecvError::Empty) => {}
    }
    // Both empty: wait for either. The senders are dropped together, so a disconnect on one means the store
    // is closing: what is left in the other still runs.
    crossbeam_channel::select! {
        recv(ahead) -> job => job.ok().map(a).or_else(|| normal.try_recv().ok().map(n)),
        recv(normal) -> job => job.ok().map(n).or_else(|| ahead.try_recv().ok().map(a)),
    }
}

fn write_loop(
    mut conn: Connection,
    ahead: Receiver<Job>,
    normal: Receiver<Job>,
    checkpointer: Option<checkpoint::Checkpointer>,
    stats: &StoreStats,
) {
    while let Some((job, lane)) = next_job(&ahead, &normal) {
        let started = Instant::now();
        run_job("store-write", &mut conn, job);
        match lane {
            Lane::Ahead => stats.ahead_jobs.record(started.elapsed()),
            Lane::Normal => stats.normal_jobs.record(started.elapsed()),
        }
        if let Some(checkpointer) = &checkpointer {
            // Between two transactions; not while an acknowledgement waits (it comes back after the next job).
            if ahead.is_empty() {
                checkpointer.tail_if_due(&conn, &stats.checkpoints);
            }
            checkpointer.nudge();
        }
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
            let Some((j, _)) = next_job(&ahead_rx, &normal_rx) else {
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
        while let Some((j, _)) = next_job(&ahead_rx, &normal_rx) {
            j(&mut conn);
            rest.push(seen.recv().unwrap_or("none"));
        }
        // Closing still runs what was queued, ahead first.
        assert_eq!(rest, ["a2", "n2"]);
    }
}
