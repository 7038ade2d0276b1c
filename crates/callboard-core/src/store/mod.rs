//! The SQLite store: one file in the data dir, one writer thread that owns the only write connection, and a
//! few read-only connections on their own threads. rusqlite never runs on the async executor, writes are
//! serialised (no SQLITE_BUSY storms under load), and every write is a transaction through [`Store::with_tx`].
//! Queries live in one module per table; handlers never write SQL.

pub mod agents;
pub mod analytics;
pub mod attempts;
pub mod attention;
pub mod audit;
mod borrowed_bind;
mod bulk_write;
pub mod call_board;
pub mod call_events;
pub mod call_history;
pub mod call_intake;
pub mod call_media;
pub mod call_phases;
pub mod call_realtime;
pub mod call_refs;
pub mod call_tool_calls;
pub mod calls;
pub mod campaigns;
mod checkpoint;
pub mod contact_detail;
pub mod contacts;
pub mod dnc;
pub mod elevenlabs;
pub mod engine_step;
pub mod erasure;
#[cfg(test)]
mod hot_statements;
pub mod import_templates;
#[cfg(test)]
mod in_flight_plans;
#[cfg(test)]
mod in_flight_reads;
mod lost_calls;
mod migrate;
pub mod openai_profiles;
mod page_cache;
mod page_counts;
pub mod query_plan;
pub mod queue;
pub mod settings;
pub mod statement_profile;
pub mod stats;
mod wal_page_profile;
mod wal_vfs;
mod writer;

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    thread,
    time::{Duration, Instant},
};

use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::oneshot;

pub use bulk_write::BulkWrite;
pub use checkpoint::CheckpointStats;
pub use migrate::{MigrationStatus, latest_version};
pub use page_counts::{PageCounts, page_counts};
pub use wal_page_profile::{forget_frames, frames_by_btree};
pub use writer::StoreStats;

/// How many read-only connections a file-backed store keeps.
const READERS: usize = 2;
/// Prepared statements each connection keeps (`prepare_cached`).
const STATEMENT_CACHE: usize = 128;
/// How long a connection waits on a lock held by another process (e.g. a CLI next to the app).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The writer's page cache, in KiB (SQLite's default is 2 MiB). The writer keeps its cache across
/// transactions (it is the only one changing the file), but at 2 MiB the engine's working set (the queue
/// index, the in-flight calls, the contacts being dialed) did not fit, and every step re-read the evicted pages
/// from the OS (`pread` was ~13% of the engine benchmark's CPU). Not much more, though: a commit after a page
/// split whose new pages came out of order (SQLite swaps them through a temporary page number past the end
/// of the file) walks every page in the cache to drop pages past the end, and at 64 MiB that walk was 19% of
/// the engine week's CPU; at 16 MiB it is under 5%, with few more reads (measured at 8, 16 and 64 MiB).
const WRITER_CACHE_KIB: i64 = 16 * 1024;
/// WAL pages after which a commit checkpoints (SQLite's default is 1,000). Every engine step rewrites the same
/// hot index pages (the queue, the calls in flight); the fewer checkpoints, the more of those rewrites merge
/// into one write to the database file (and one `fsync` per checkpoint instead of eight). The WAL file grows
/// to about this size (32 MiB at 4 KiB pages) and is reused from its start after each checkpoint.
const WRITER_CHECKPOINT_PAGES: i64 = 8_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open the database at {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error(
        "migration {version} ({name}) was changed after it was applied to this database \
         (recorded checksum {recorded}, this build has {built}); migrations are append-only"
    )]
    MigrationChanged {
        version: u32,
        name: String,
        recorded: String,
        built: String,
    },
    #[error(
        "this database was written by a newer Callboard (schema version {found}, this build knows up to \
         {known}); it was left untouched: run the newer version or restore a backup"
    )]
    NewerDatabase { found: u32, known: u32 },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the store has shut down")]
    Closed,
    #[error("a store operation panicked; the transaction was rolled back")]
    Panicked,
}

pub type StoreResult<T> = Result<T, StoreError>;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// Handle to the database. Cheap to clone; the threads stop when the last clone is dropped.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// `Option` only so that `Drop` can close the channels before joining the threads.
    writer: Option<writer::WriterQueues>,
    /// `None` for an in-memory store: its readers could not see the writer's database, so reads go to the
    /// writer thread.
    readers: Option<crossbeam_channel::Sender<Job>>,
    path: Option<PathBuf>,
    schema_version: u32,
    threads: Vec<thread::JoinHandle<()>>,
    stats: Arc<StoreStats>,
}

impl Drop for Inner {
    /// Closes the channels and waits for the connection threads, so that when the last handle is gone the
    /// connections are closed (and the WAL checkpointed): a backup, a reopen or another process sees the
    /// whole database.
    fn drop(&mut self) {
        self.writer = None;
        self.readers = None;
        let me = thread::current().id();
        for t in self.threads.drain(..) {
            // A job that held the last handle runs on one of these threads: never join oneself.
            if t.thread().id() != me && t.join().is_err() {
                tracing::error!("a store thread panicked while closing");
            }
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database file, migrates it, and starts the connection threads.
    pub fn open(path: &Path) -> StoreResult<Store> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Corrupt(format!("cannot create {}: {e}", parent.display())))?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        page_cache::install();
        // The writer's WAL frames go out one run per commit (wal_vfs.rs); SQLite's own VFS if that is unavailable.
        let mut conn = if wal_vfs::register() {
            Connection::open_with_flags_and_vfs(path, OpenFlags::default(), wal_vfs::NAME)
        } else {
            Connection::open(path)
        }
        .map_err(open_err)?;
        configure(&conn, true).map_err(open_err)?;
        let schema_version = migrate::run(&mut conn)?;
        let statements = statement_profile::install_if_asked(&mut conn);
        let (read_tx, read_rx) = crossbeam_channel::unbounded::<Job>();
        let mut threads = Vec::new();
        for i in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(open_err)?;
            configure(&reader, false).map_err(open_err)?;
            reader.pragma_update(None, "query_only", true).map_err(open_err)?;
            let rx = read_rx.clone();
            threads.extend(writer::spawn_worker(
                format!("store-read-{i}"),
                reader,
                move || rx.recv().ok(),
            ));
        }
        let stats = StoreStats {
            statements,
            ..StoreStats::default()
        };
        Ok(Store::start(
            conn,
            Some(read_tx),
            Some(path.to_owned()),
            schema_version,
            threads,
            stats,
        ))
    }

    /// A private in-memory database, migrated; for tests and throwaway runs.
    pub fn open_in_memory() -> StoreResult<Store> {
        page_cache::install();
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, true)?;
        let schema_version = migrate::run(&mut conn)?;
        Ok(Store::start(
            conn,
            None,
            None,
            schema_version,
            Vec::new(),
            StoreStats::default(),
        ))
    }

    fn start(
        conn: Connection,
        readers: Option<crossbeam_channel::Sender<Job>>,
        path: Option<PathBuf>,
        schema_version: u32,
        mut threads: Vec<thread::JoinHandle<()>>,
        stats: StoreStats,
    ) -> Store {
        let stats = Arc::new(stats);
        let (queues, writer_threads) = writer::spawn(conn, path.as_deref(), stats.clone());
        threads.extend(writer_threads);
        Store {
            inner: Arc::new(Inner {
                writer: Some(queues),
                readers,
                path,
                schema_version,
                threads,
                stats,
            }),
        }
    }

    /// Reads a database file's migration state without changing it (for `doctor`).
    pub fn inspect(path: &Path) -> StoreResult<MigrationStatus> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(open_err)?;
        migrate::status(&conn)
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The writer's checkpointer, if it has one (a database file, and its thread started).
    fn checkpoint_hold(&self) -> Option<&checkpoint::Hold> {
        self.inner.writer.as_ref()?.checkpoints.as_ref()
    }

    /// Where the writer's time went so far.
    pub fn stats(&self) -> &StoreStats {
        &self.inner.stats
    }

    /// The newest migration applied.
    pub fn schema_version(&self) -> u32 {
        self.inner.schema_version
    }

    /// Runs `f` in one write transaction on the writer thread; commits if it returns `Ok`, rolls back on
    /// any error. `E` lets callers return their own errors (e.g. a rule violation found mid-transaction).
    pub async fn with_tx<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.submit_write(f, false)?
            .await
            .map_err(|_| StoreError::Panicked)?
    }

    /// [`Store::with_tx`] ahead of the writes already queued: for a short transaction that someone waits on
    /// to answer a request (a webhook's journal commit before its 200). Keep it short and rare next to the
    /// other writes: it delays them all.
    pub async fn with_tx_ahead<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.submit_write(f, true)?
            .await
            .map_err(|_| StoreError::Panicked)?
    }

    /// Runs `f` on a read-only connection.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.submit_read(f)?.await.map_err(|_| StoreError::Panicked)?
    }

    /// [`Store::with_tx`] for synchronous callers. Must not be called from inside an async task.
    pub fn with_tx_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.submit_write(f, false)?
            .blocking_recv()
            .map_err(|_| StoreError::Panicked)?
    }

    /// [`Store::read`] for synchronous callers. Must not be called from inside an async task.
    pub fn read_blocking<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.submit_read(f)?
            .blocking_recv()
            .map_err(|_| StoreError::Panicked)?
    }

    fn submit_write<T, E, F>(&self, f: F, ahead: bool) -> StoreResult<oneshot::Receiver<Result<T, E>>>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let (queued, stats) = (Instant::now(), self.inner.stats.clone());
        let job: Job = Box::new(move |conn: &mut Connection| {
            if ahead {
                stats.ahead_wait.record(queued.elapsed());
            }
            let result = (|| {
                // IMMEDIATE: the write lock up front. A deferred transaction that read first and then wrote while
                // another connection held the lock (another process, a checkpoint) failed at once with
                // "database is locked" instead of waiting out the busy timeout.
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(StoreError::from)?;
                let value = f(&tx)?;
                tx.commit().map_err(StoreError::from)?;
                Ok(value)
            })();
            let _ = reply.send(result);
        });
        self.send_write(job, ahead)?;
        Ok(rx)
    }

    fn send_write(&self, job: Job, ahead: bool) -> StoreResult<()> {
        let queues = self.inner.writer.as_ref().ok_or(StoreError::Closed)?;
        let queue = if ahead { &queues.ahead } else { &queues.normal };
        queue.send(job).map_err(|_| StoreError::Closed)
    }

    fn submit_read<T, F>(&self, f: F) -> StoreResult<oneshot::Receiver<StoreResult<T>>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: &mut Connection| {
            let _ = reply.send(f(conn));
        });
        match &self.inner.readers {
            Some(readers) => readers.send(job).map_err(|_| StoreError::Closed)?,
            None => self.send_write(job, false)?,
        }
        Ok(rx)
    }
}

fn configure(conn: &Connection, writer: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The webhook applier alone keeps a dozen statements hot on the writer; the default 16 would thrash.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    // Plans that do not depend on bound values. Without this, a statement whose parameter is compared with a
    // literal while the planner weighs a partial index (`calls` has several) is marked to re-prepare whenever
    // that parameter's value changes: the engine's per-call statements were parsed again on every run (a
    // fifth of its CPU). Queries that need a partial index spell its predicate out as literals.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    if writer {
        // `rarray(?)`: the import binds a chunk's contact ids as one array value (store/contacts/bulk.rs).
        rusqlite::vtab::array::load_module(conn)?;
        // In memory this answers "memory"; that is fine.
        let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Negative: a size in KiB rather than in pages.
        conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
    }
    // Sorts and temporary b-trees in memory, not in temp files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// Maps "no row" to a typed not-found error.
pub(crate) fn found<T>(what: &'static str, id: impl ToString, r: rusqlite::Result<T>) -> StoreResult<T> {
    match r {
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(StoreError::NotFound {
            what,
            id: id.to_string(),
        }),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests;
