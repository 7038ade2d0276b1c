//! Writing an import: a quick first pass checks that the whole file reads (a broken file imports nothing),
//! then rows are validated and written in chunks, each chunk one transaction on the store's writer. A
//! separate committer thread writes chunk N while this thread validates chunk N+1. Contacts are upserted
//! by phone and added to the campaign with `INSERT OR IGNORE`, so re-running a file (after a crash, a
//! cancel, or with corrections) never duplicates anyone. A crash or cancel leaves whole chunks only.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc::{Receiver, channel, sync_channel},
    },
    thread,
};

use serde::{Deserialize, Serialize};

use super::{
    ImportError, ImportOptions, Summary,
    packed::Packed,
    plan::Plan,
    source,
    spool::{self, Spooled},
    validate::{KeyHasher, phone_key},
};
use crate::store::{Store, StoreError, contacts};

mod writer;

use writer::write_chunks;

/// How far an import has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Rows in the file (from the first pass); 0 until that pass has read the whole file.
    pub total_rows: u64,
    /// Rows the first pass has read so far. A workbook's first pass reads the whole sheet before any row is
    /// checked (for a 1M-row sheet, most of the import's time): this is how far it has got.
    #[serde(default)]
    pub rows_scanned: u64,
    /// Rows validated so far.
    pub rows_read: u64,
    /// Contacts written so far.
    pub committed: u64,
}

type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

/// Cancel flag and progress callback for a running import. Cloning shares them.
#[derive(Clone, Default)]
pub struct Control {
    cancel: Arc<AtomicBool>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Control {
    pub fn with_progress(progress: impl Fn(Progress) + Send + Sync + 'static) -> Control {
        Control {
            cancel: Arc::default(),
            progress: Some(Arc::new(progress)),
        }
    }

    /// Sets the progress callback; clones made before keep sharing the cancel flag.
    pub fn set_progress(&mut self, progress: impl Fn(Progress) + Send + Sync + 'static) {
        self.progress = Some(Arc::new(progress));
    }

    /// Stops the import before its next chunk.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    fn report(&self, p: Progress) {
        if let Some(f) = &self.progress {
            f(p);
        }
    }
}

/// Counts a text file's data rows, failing on anything unreadable, before a single row is written.
fn scan(opts: &ImportOptions) -> Result<u64, ImportError> {
    source::open(&opts.file, &opts.sheet)?.count_rows()
}

/// Imports `opts.file` into its campaign. `now` is the timestamp written on new rows. Blocking: run it on a
/// blocking thread, never on the async executor.
#[tracing::instrument(skip_all, fields(campaign_id = opts.campaign_id, file = %opts.file.display()))]
pub fn commit(
    store: &Store,
    opts: &ImportOptions,
    control: &Control,
    now: &str,
) -> Result<Summary, ImportError> {
    let (gate_tx, gate) = sync_channel::<Option<u64>>(1);
    let (first_pass, mut plan, counted) = if source::is_delimited(&opts.file) {
        // A text file's first pass runs on its own thread while this one validates the first chunks; the
        // writer waits for it before committing anything (`gate`). Reading text again is cheap.
        let scanner = {
            let opts = opts.clone();
            thread::Builder::new()
                .name("import-scan".into())
                .spawn(move || {
                    let scanned = scan(&opts);
                    let _ = gate_tx.send(scanned.as_ref().ok().copied());
                    scanned
                })
                .map_err(|e| ImportError::Invalid(format!("cannot start the import's first pass: {e}")))?
        };
        let first_pass = move || {
            scanner
                .join()
                .map_err(|_| ImportError::Store(StoreError::Panicked))?
        };
        match Plan::open(store, opts) {
            Ok(plan) => (Some(first_pass), plan, None),
            // A broken file fails with what the first pass found, as when that pass ran first.
            Err(e) => return Err(first_pass().err().unwrap_or(e)),
        }
    } else {
        match workbook_first_pass(store, opts, control)? {
            Some((plan, non_blank)) => {
                let _ = gate_tx.send(Some(non_blank));
                (None, plan, Some(non_blank))
            }
            None => {
                return Ok(Summary {
                    cancelled: true,
                    ..Summary::default()
                });
            }
        }
    };
    let total_rows = counted
        .or_else(|| plan.source.estimated_rows())
        .unwrap_or_default();
    plan.validator.reserve(total_rows);
    // Numbers already stored anywhere: those rows are upserts, the rest plain inserts.
    let known: std::collections::HashSet<u64, KeyHasher> = match store.read_blocking(contacts::all_phones) {
        Ok(phones) => phones.iter().map(|p| phone_key(p)).collect(),
        Err(e) => {
            if let Some(first_pass) = first_pass {
                let _ = first_pass();
            }
            return Err(e.into());
        }
    };
    let mut summary = plan.summary();
    // Each commit rewrites every index page it touches, and a big file's random phones touch most of the
    // phone index: so big files go in larger chunks instead of hundreds of small ones. Not too large either:
    // chunks are held in memory. On the 1M-row bench, 50,000 instead of 25,000 cut the writer's CPU from
    // 7.33 to 6.65 s and disk writes from 1355 to 1164 MB, and peak RSS from 220 to 274 MB with a chunk
    // queued between the threads; without that queued chunk (below) peak RSS is 239 MB (target: 300).
    let chunk_rows = usize::try_from(total_rows / TARGET_CHUNKS)
        .unwrap_or(MAX_CHUNK_ROWS)
        .clamp(opts.chunk_rows.max(1), MAX_CHUNK_ROWS.max(opts.chunk_rows));
    // The first chunk is the smallest: the writer starts sooner (on the 1M-row bench a full first chunk
    // kept it idle for a quarter of a second).
    let first_chunk_rows = opts.chunk_rows.max(1).min(chunk_rows);
    let rows_read = Arc::new(AtomicU64::new(0));
    // A rendezvous, not a queue: the next chunk is handed over when the writer is ready for it. A queued
    // chunk only added memory (the writer is the slower side; with a queue the reader still had to wait).
    let (tx, rx) = sync_channel::<Packed>(0);
    // Written chunks come back for their buffers to be reused by this thread.
    let (done_tx, done_rx) = channel::<Packed>();
    // No WAL checkpoints while the chunks go in: on the 1M-row bench they cost the writer three 180 ms stops
    // and the reader a share of its core. Released when this function returns, however it returns.
    let _bulk = store.bulk_write();
    let committer = {
        let (store, control, rows_read) = (store.clone(), control.clone(), rows_read.clone());
        let (campaign_id, now) = (opts.campaign_id, now.to_owned());
        thread::Builder::new()
            .name("import-commit".into())
            .spawn(move || -> Result<u64, StoreError> {
                // A bulk insert into a large unique index thrashes SQLite's default 2 MB page cache; give the
                // writer a bigger one for the import and put the old size back afterwards.
                // A writer that checkpoints itself does so less often (see `import_checkpoint_pages`).
                let old = store.with_tx_blocking(|tx| -> Result<(i64, i64), StoreError> {
                    let cache: i64 = tx.pragma_query_value(None, "cache_size", |r| r.get(0))?;
                    let ckpt: i64 = tx.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
                    tx.pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
                    tx.pragma_update(None, "wal_autocheckpoint", import_checkpoint_pages(ckpt))?;
                    Ok((cache, ckpt))
                })?;
                let result = write_chunks(
                    &store,
                    &control,
                    rx,
                    &done_tx,
                    gate,
                    campaign_id,
                    &now,
                    &rows_read,
                );
                store.with_tx_blocking(move |tx| -> Result<(), StoreError> {
                    tx.pragma_update(None, "cache_size", old.0)?;
                    Ok(tx.pragma_update(None, "wal_autocheckpoint", old.1)?)
                })?;
                result
            })
            .map_err(|e| ImportError::Invalid(format!("cannot start the import writer: {e}")))?
    };
    let mut chunk = Packed::default();
    chunk.reserve(first_chunk_rows);
    let mut chunk_limit = first_chunk_rows;
    let mut read_err = None;
    let mut raw = source::RawRow::default();
    loop {
        match plan.next_row_into(&mut raw) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                read_err = Some(e);
                break;
            }
        }
        summary.total += 1;
        match plan.validator.check_row(&raw) {
            Ok(c) => {
                let known = known.contains(&phone_key(&c.phone_e164));
                chunk.push(&c.fields(), known);
            }
            Err(e) => summary.record(e),
        }
        if chunk.len() >= chunk_limit {
            rows_read.store(summary.total, Ordering::Relaxed);
            // Sorted into a written chunk's buffers; this one's are kept for the next chunk.
            let mut ready = reuse(&done_rx, chunk_rows);
            chunk.sort_into(&mut ready);
            chunk.clear();
            chunk.reserve(chunk_rows);
            // Fails when the writer has stopped (the first pass found the file broken, or a store error).
            if control.is_cancelled() || tx.send(ready).is_err() {
                break;
            }
            chunk_limit = chunk_rows;
        }
    }
    rows_read.store(summary.total, Ordering::Relaxed);
    if !chunk.is_empty() && !control.is_cancelled() && read_err.is_none() {
        let mut ready = reuse(&done_rx, 0);
        chunk.sort_into(&mut ready);
        let _ = tx.send(ready);
    }
    drop(tx);
    let committed = committer
        .join()
        .map_err(|_| ImportError::Store(StoreError::Panicked));
    // The first pass's verdict comes first: a broken file is reported as broken, with nothing written.
    if let Some(first_pass) = first_pass {
        first_pass()?;
    }
    let committed = committed??;
    if let Some(e) = read_err {
        return Err(e);
    }
    summary.imported = committed;
    summary.cancelled = control.is_cancelled();
    tracing::info!(
        total = summary.total,
        imported = summary.imported,
        invalid = summary.invalid,
        duplicates = summary.duplicates,
        suppressed = summary.suppressed,
        cancelled = summary.cancelled,
        "import finished"
    );
    Ok(summary)
}

/// A workbook's first pass: it runs alone (a sheet's rows may not be queued for the writer before the whole
/// sheet has been read: that would hold the store's writer as long) and keeps the rows it reads in a file next
/// to the database, so the import reads them back instead of parsing the workbook again. Returns the plan over
/// those rows and how many are not blank; `None` when the import was cancelled meanwhile.
fn workbook_first_pass(
    store: &Store,
    opts: &ImportOptions,
    control: &Control,
) -> Result<Option<(Plan, u64)>, ImportError> {
    let dir = store
        .path()
        .and_then(Path::parent)
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    let keep_going = |rows_scanned| {
        control.report(Progress {
            rows_scanned,
            ..Progress::default()
        });
        !control.is_cancelled()
    };
    let source = source::open(&opts.file, &opts.sheet)?;
    match spool::spool(source, &dir, &opts.file, keep_going)? {
        Spooled::Read { rows, non_blank } => {
            Ok(Some((Plan::with_source(store, opts, Box::new(rows))?, non_blank)))
        }
        Spooled::Cancelled => Ok(None),
    }
}

/// About how many transactions a big file is written in.
const TARGET_CHUNKS: u64 = 20;
/// The largest chunk (bounds memory: a chunk is built while the previous one is written).
const MAX_CHUNK_ROWS: usize = 50_000;

/// The writer's page cache during an import, in KiB (negative: SQLite's "KiB, not pages").
const IMPORT_CACHE_KIB: i64 = -64 * 1024;
/// WAL pages between automatic checkpoints during an import (SQLite's default is 1,000).
const IMPORT_CHECKPOINT_PAGES: i64 = 64_000;

/// The writer's `wal_autocheckpoint` during an import, given its usual one. Checkpointing less often lets the
/// many rewrites of hot index pages merge in the WAL. But 0 stays 0: the store's checkpointer thread does the
/// checkpoints then (`store::checkpoint`), off the writer, and holds them while the import writes
/// ([`Store::bulk_write`]); setting 64,000 there made the writer copy the WAL into the database itself in the
/// middle of the import (5% of its time on the 300k-row bench).
fn import_checkpoint_pages(usual: i64) -> i64 {
    if usual <= 0 {
        usual
    } else {
        usual.max(IMPORT_CHECKPOINT_PAGES)
    }
}

/// An empty chunk to sort the next one into: a written one handed back (its buffers reused), or a new one.
fn reuse(done: &Receiver<Packed>, capacity: usize) -> Packed {
    let mut chunk = done.try_iter().last().unwrap_or_default();
    chunk.clear();
    chunk.reserve(capacity);
    chunk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_that_never_checkpoints_keeps_not_checkpointing() {
        assert_eq!(import_checkpoint_pages(0), 0);
        assert_eq!(import_checkpoint_pages(1_000), IMPORT_CHECKPOINT_PAGES);
        assert_eq!(import_checkpoint_pages(100_000), 100_000);
    }
}
