//! The delivery spool: an append-only file in front of the journal, so a provider's 200 waits for one
//! `write` and not for the store's writer thread.
//!
//! A verified delivery is appended here and answered; the journal writer ([`super::journal`]) commits it to
//! `call_events` a few milliseconds later, together with the spool position it has reached, and the
//! applier goes on from there. The 200 used to wait for that commit, and so for whatever the single SQLite
//! writer was doing at the time: an apply batch, or the short WAL checkpoint that keeps the log from
//! growing (two fsyncs, ~30 ms once a second at 1,000 webhooks/s), which set the p99.
//!
//! Durability is what the journal had: a record is in the page cache when the handler answers, so it
//! survives the app being killed (as a WAL commit with `synchronous = NORMAL` does), and at the next start
//! every record past the journal's recorded position is journaled before anything else. Each record carries
//! its length and a CRC-32, so a record torn by a crash mid-write (never acknowledged) is found and
//! skipped, and a damaged file is kept aside, not deleted.
//!
//! Files are segments named by a sequence number; every start appends to a new one, and a segment is
//! deleted once the journal holds all of it.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use crate::store::call_events::NewEvent;

mod record;
#[cfg(test)]
use record::HEADER_BYTES;
use record::{decode_segment, encode_record};

/// The spool's folder, relative to the data dir.
pub const SPOOL_DIR: &str = "webhooks/spool";
/// A segment past this size is closed and the next one started.
const SEGMENT_BYTES: u64 = 8 * 1024 * 1024;

/// Where a record ends: the journal records the last one it committed, and a restart goes on after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub segment: u64,
    pub offset: u64,
}

impl Position {
    /// As the journal stores it (`webhook_spool`).
    pub fn to_db(self) -> (i64, i64) {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        (n(self.segment), n(self.offset))
    }

    pub fn from_db((segment, offset): (i64, i64)) -> Position {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Position {
            segment: n(segment),
            offset: n(offset),
        }
    }
}

/// What a start found in the segments left by the run before.
#[derive(Debug, Default)]
pub struct LeftOver {
    /// Records the journal does not hold yet, in the order they were acknowledged.
    pub records: Vec<(NewEvent, Position)>,
    /// What was wrong, naming the file and the byte: a torn last record, or a damaged one.
    pub problems: Vec<String>,
    /// A file was damaged (more than a torn last record) and set aside.
    pub damaged: bool,
}

struct Appender {
    file: File,
    segment: u64,
    offset: u64,
}

/// The spool of one data dir.
pub struct Spool {
    dir: PathBuf,
    /// The first segment of this run: everything before it was written by an earlier one.
    first_own: u64,
    appender: Mutex<Appender>,
    /// Segments before this one are deleted already.
    released_before: AtomicU64,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("{segment:020}.log"))
}

/// The segments in `dir`, oldest first.
fn segments(dir: &Path) -> io::Result<Vec<u64>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name.strip_suffix(".log").and_then(|n| n.parse::<u64>().ok()) {
            found.push(n);
        }
    }
    found.sort_unstable();
    Ok(found)
}

fn create_segment(dir: &Path, segment: u64) -> io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(segment_path(dir, segment))
}

impl Spool {
    /// Opens the spool in `dir` (created if missing); this run appends to a new segment after any left.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let first_own = segments(dir)?.last().map_or(1, |last| last + 1);
        let file = create_segment(dir, first_own)?;
        Ok(Spool {
            dir: dir.to_owned(),
            first_own,
            appender: Mutex::new(Appender {
                file,
                segment: first_own,
                offset: 0,
            }),
            released_before: AtomicU64::new(0),
        })
    }

    /// Appends `event` and, still holding the spool, hands it and its position to `then`: whatever `then`
    /// queues is queued in the spool's own order.
    pub fn append<T>(&self, event: NewEvent, then: impl FnOnce(NewEvent, Position) -> T) -> io::Result<T> {
        let record = encode_record(&event);
        let mut a = self.appender.lock().unwrap_or_else(|p| p.into_inner());
        if a.offset >= SEGMENT_BYTES {
            let next = a.segment + 1;
            a.file = create_segment(&self.dir, next)?;
            a.segment = next;
            a.offset = 0;
        }
        if let Err(e) = a.file.write_all(&record) {
            // Whatever part got written is a torn record; the next one starts in a fresh segment.
            a.offset = SEGMENT_BYTES;
            return Err(e);
        }
        a.offset += record.len() as u64;
        let position = Position {
            segment: a.segment,
            offset: a.offset,
        };
        Ok(then(event, position))
    }

    /// Where the next record will end up after: the end of what was appended so far.
    pub fn end(&self) -> Position {
        let a = self.appender.lock().unwrap_or_else(|p| p.into_inner());
        Position {
            segment: a.segment,
            offset: a.offset,
        }
    }

    /// The records an earlier run appended that the journal does not hold (`journaled`: the last position
    /// it committed, `None` when it holds none). Segments it holds entirely are deleted; a damaged one is
    /// renamed `*.damaged` and kept.
    pub fn left_over(&self, journaled: Option<Position>) -> LeftOver {
        // A position at or past this run's first segment cannot come from these files: the database was
        // restored from another machine's backup. None of them is journaled there, then.
        let journaled = journaled.filter(|p| p.segment < self.first_own);
        let mut out = LeftOver::default();
        let earlier = match segments(&self.dir) {
            Ok(all) => all
                .into_iter()
                .filter(|s| *s < self.first_own)
                .collect::<Vec<_>>(),
            Err(e) => {
                out.problems
                    .push(format!("cannot list {}: {e}", self.dir.display()));
                return out;
            }
        };
        for segment in earlier {
            let path = segment_path(&self.dir, segment);
            let after = match journaled {
                Some(p) if p.segment > segment => {
                    remove(&path);
                    continue;
                }
                Some(p) if p.segment == segment => p.offset,
                _ => 0,
            };
            match fs::read(&path) {
                Ok(bytes) => {
                    let read = decode_segment(&bytes);
                    for (event, end) in read.records {
                        if end > after {
                            out.records.push((event, Position { segment, offset: end }));
                        }
                    }
                    if let Some(problem) = read.problem {
                        out.problems.push(format!("{}: {problem}", path.display()));
                        if read.damaged {
                            out.damaged = true;
                            let kept = path.with_extension("damaged");
                            if let Err(e) = fs::rename(&path, &kept) {
                                tracing::warn!(error = %e, path = %path.display(), "cannot set a damaged spool file aside");
                            }
                        }
                    }
                }
                Err(e) => out.problems.push(format!("cannot read {}: {e}", path.display())),
            }
        }
        out
    }

    /// Deletes the segments before `segment`: the journal holds all of them. Cheap when nothing is new.
    pub fn release_before(&self, segment: u64) {
        if self.released_before.fetch_max(segment, Ordering::AcqRel) >= segment {
            return;
        }
        match segments(&self.dir) {
            Ok(all) => all
                .into_iter()
                .filter(|s| *s < segment)
                .for_each(|s| remove(&segment_path(&self.dir, s))),
            Err(e) => tracing::warn!(error = %e, "cannot list the webhook spool"),
        }
    }
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(error = %e, path = %path.display(), "cannot delete a journaled spool file");
    }
}

#[cfg(test)]
mod tests;
