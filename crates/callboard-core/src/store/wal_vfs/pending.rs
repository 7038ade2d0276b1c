//! The WAL's pending writes: appended while they continue one run, written out in pieces the unix VFS
//! accepts, and the space they will need reserved in the file first.

use std::ffi::{CStr, c_int, c_void};

use rusqlite::ffi;

use super::{CHUNK_BYTES, WRITE_BYTES};

/// Consecutive writes not yet in the file.
pub(super) struct Pending {
    pub bytes: Vec<u8>,
    /// File offset of `bytes[0]`.
    pub start: i64,
    /// The file is allocated up to here (this shim's `fallocate`s).
    pub reserved: u64,
    /// The same file, opened by path for `fallocate` (SQLite does not share its descriptor).
    pub space: std::fs::File,
}

/// Counts runs written out of the buffer (tests check the shim is in use).
#[cfg(test)]
static RUNS_WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many buffered runs the shim has written out in this process.
#[cfg(test)]
pub(super) fn runs_written() -> u64 {
    RUNS_WRITTEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// The real file's `xWrite`.
pub(super) unsafe fn write_through(
    real: *mut ffi::sqlite3_file,
    data: *const c_void,
    n: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: the real file is open; `data` holds `n` bytes.
    unsafe {
        (*(*real).pMethods)
            .xWrite
            .map_or(ffi::SQLITE_IOERR_WRITE, |w| w(real, data, n, offset))
    }
}

impl Pending {
    /// Writes out what is pending; the file's error code if that failed (what was not written stays pending).
    pub unsafe fn flush(&mut self, real: *mut ffi::sqlite3_file) -> c_int {
        if self.bytes.is_empty() {
            return ffi::SQLITE_OK;
        }
        let mut at = 0;
        while at < self.bytes.len() {
            let piece = &self.bytes[at..self.bytes.len().min(at + WRITE_BYTES)];
            let n = c_int::try_from(piece.len()).unwrap_or(c_int::MAX);
            // SAFETY: `piece` is live for the call.
            let rc = unsafe { write_through(real, piece.as_ptr().cast(), n, self.start + at as i64) };
            if rc != ffi::SQLITE_OK {
                self.bytes.drain(..at);
                self.start += at as i64;
                return rc;
            }
            at += piece.len();
        }
        self.bytes.clear();
        #[cfg(test)]
        RUNS_WRITTEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ffi::SQLITE_OK
    }

    /// Allocates the file up to `end` (in whole chunks) unless done already, so that writing the buffer out
    /// later cannot meet a full disk.
    pub fn reserve(&mut self, end: i64) -> c_int {
        let Ok(end) = u64::try_from(end) else {
            return ffi::SQLITE_IOERR_WRITE;
        };
        if end <= self.reserved {
            return ffi::SQLITE_OK;
        }
        let upto = end.div_ceil(CHUNK_BYTES) * CHUNK_BYTES;
        match reserve_space(&self.space, upto) {
            Ok(()) => {
                self.reserved = upto;
                ffi::SQLITE_OK
            }
            Err(e) if e.raw_os_error() == Some(28) => ffi::SQLITE_FULL, // ENOSPC
            Err(e) => {
                tracing::warn!(error = %e, "cannot reserve WAL space");
                ffi::SQLITE_IOERR_WRITE
            }
        }
    }
}

/// Opens the WAL by path for reserving space, if this file system can (`None`: the WAL goes unbuffered).
pub(super) fn space_for(wal: &CStr) -> Option<std::fs::File> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(wal.to_bytes()));
    let file = std::fs::OpenOptions::new().write(true).open(path).ok()?;
    reserve_space(&file, 1).ok()?;
    Some(file)
}

#[cfg(target_os = "linux")]
fn reserve_space(file: &std::fs::File, upto: u64) -> std::io::Result<()> {
    use rustix::fs::{FallocateFlags, fallocate};
    fallocate(file, FallocateFlags::KEEP_SIZE, 0, upto).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn reserve_space(_: &std::fs::File, _: u64) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}
