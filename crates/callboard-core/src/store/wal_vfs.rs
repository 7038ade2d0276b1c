//! A VFS shim for the writer connection that hands the WAL's frames to the kernel in one `pwrite` per commit.
//!
//! SQLite writes every WAL frame as two `pwrite`s: its 24-byte header, then the page. A 4,120-byte frame is not
//! page-aligned, so each frame costs the kernel two system calls and three partial page-cache writes (each
//! one looked up, locked, partly zeroed and marked dirty). On the engine's simulated week that was a quarter
//! of the writer thread's time. This shim keeps consecutive writes to the WAL in a buffer and writes them as
//! one run when anything could look at them: before SQLite publishes a commit to readers, and before any other
//! operation on the WAL or on the shared-memory index.
//!
//! When a commit becomes visible: SQLite writes the frames, then the new wal-index header in shared memory,
//! through `xShmBarrier` on the *database* file (the reader's two header copies must match). The database
//! file's barrier flushes its WAL first (found with `sqlite3_database_file_object` when the WAL is opened), so
//! no reader, in this process or another, can see a frame that is not in the file yet. `xShmLock` flushes
//! too, so nothing stays buffered past the end of a write transaction (a rollback after spilled frames).
//!
//! The barrier cannot return an error. Space for the buffer is reserved in the file (`fallocate` without
//! changing its size, a chunk at a time) before a write is accepted, so the flush does not meet a full disk;
//! a flush that fails anyway (an I/O error) aborts the process rather than publish a commit whose frames are
//! missing: recovery on the next start drops the unwritten frames by their checksums, and that commit never
//! returned success.

#![allow(unsafe_code)] // An FFI VFS: SQLite calls it through C function pointers.

use std::{
    ffi::{CStr, c_int, c_void},
    ptr,
    sync::OnceLock,
};

use rusqlite::ffi;

use passthrough::*;
#[cfg(test)]
use pending::runs_written;
use pending::{Pending, space_for, write_through};

/// The name connections open the shim with.
pub const NAME: &str = "callboard-wal";
const NAME_C: &CStr = c"callboard-wal";

/// Most bytes kept before writing them out: a few hundred frames; larger runs go straight through.
const BUFFER_BYTES: usize = 1 << 20;
/// Most bytes per write: the unix VFS writes at most 128 KiB − 1 per call (`seekAndWriteFd` masks the length
/// to 17 bits, and reports a longer write as a full disk).
const WRITE_BYTES: usize = 124 << 10;
/// Space is reserved in steps of this many bytes, ahead of the writes.
const CHUNK_BYTES: u64 = 4 << 20;

/// The shim's part of every file it opens; the real (unix) file follows it in the same allocation.
#[repr(C)]
struct ShimFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// A WAL file: its pending writes. `None` for every other file.
    wal: Option<Box<Pending>>,
    /// A database file: its open WAL, flushed at the shared-memory barrier.
    wal_of_db: *mut ShimFile,
    /// A WAL file: the database file that points at it (cleared on close).
    db_of_wal: *mut ShimFile,
}

/// Offset of the real file in the allocation: after the shim, 8-byte aligned.
const REAL_OFFSET: usize = std::mem::size_of::<ShimFile>().next_multiple_of(8);

struct Registered {
    vfs: *mut ffi::sqlite3_vfs,
}
// The VFS struct is written once, before registration, and only read afterwards (by SQLite).
unsafe impl Send for Registered {}
unsafe impl Sync for Registered {}

/// Registers the shim (once per process) over the default VFS; returns whether it is available. Only over
/// Linux's unix VFS, whose methods other than `xOpen` do not read the VFS's `pAppData` (Windows' do), and
/// where space can be reserved with `fallocate`.
pub fn register() -> bool {
    if cfg!(not(target_os = "linux")) {
        return false;
    }
    static REGISTERED: OnceLock<Option<Registered>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // SAFETY: sqlite3_vfs_find(NULL) returns the default VFS, which lives for the whole process.
            let real = unsafe { ffi::sqlite3_vfs_find(ptr::null()) };
            if real.is_null() {
                tracing::warn!("no default SQLite VFS; WAL writes go through unbuffered");
                return None;
            }
            // SAFETY: `real` is a valid VFS; we copy its fields and replace the ones we wrap.
            let mut vfs: ffi::sqlite3_vfs = unsafe { ptr::read(real) };
            let real_size = usize::try_from(vfs.szOsFile).unwrap_or(0);
            vfs.szOsFile = c_int::try_from(REAL_OFFSET + real_size).unwrap_or(c_int::MAX);
            vfs.pNext = ptr::null_mut();
            vfs.zName = NAME_C.as_ptr();
            vfs.pAppData = real.cast();
            vfs.xOpen = Some(x_open);
            let vfs = Box::into_raw(Box::new(vfs));
            // SAFETY: `vfs` is leaked, so it outlives every connection; not made the default.
            let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
            if rc != ffi::SQLITE_OK {
                tracing::warn!(
                    rc,
                    "cannot register the WAL-buffering VFS; WAL writes go through unbuffered"
                );
                return None;
            }
            Some(Registered { vfs })
        })
        .as_ref()
        .is_some_and(|r| !r.vfs.is_null())
}

unsafe fn shim<'a>(file: *mut ffi::sqlite3_file) -> &'a mut ShimFile {
    // SAFETY: every file handed to METHODS was set up by x_open as a ShimFile.
    unsafe { &mut *file.cast::<ShimFile>() }
}

unsafe fn real_methods(s: &ShimFile) -> &ffi::sqlite3_io_methods {
    // SAFETY: the real file was opened successfully, so its methods are set for as long as it is open.
    unsafe { &*(*s.real).pMethods }
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite gives us `szOsFile` bytes at `file`; the real file's part starts at REAL_OFFSET.
    unsafe {
        let real_vfs = (*vfs).pAppData.cast::<ffi::sqlite3_vfs>();
        let real = file.cast::<u8>().add(REAL_OFFSET).cast::<ffi::sqlite3_file>();
        let Some(open) = (*real_vfs).xOpen else {
            return ffi::SQLITE_CANTOPEN;
        };
        (*file).pMethods = ptr::null();
        (*real).pMethods = ptr::null();
        let rc = open(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            // SQLite closes a file whose open failed only if its methods are set: ours are not, so close
            // the real one here if it was left half open.
            if let Some(close) = (*real).pMethods.as_ref().and_then(|m| m.xClose) {
                close(real);
            }
            return rc;
        }
        if (*real).pMethods.is_null() {
            return ffi::SQLITE_CANTOPEN;
        }
        let is_wal = flags & ffi::SQLITE_OPEN_WAL != 0 && !name.is_null();
        ptr::write(
            file.cast::<ShimFile>(),
            ShimFile {
                base: ffi::sqlite3_file { pMethods: &METHODS },
                real,
                wal: None,
                wal_of_db: ptr::null_mut(),
                db_of_wal: ptr::null_mut(),
            },
        );
        if is_wal {
            let me = shim(file);
            let db = ffi::sqlite3_database_file_object(name);
            // Buffer only when the main database file is ours (its barrier flushes) and space can be reserved.
            if !db.is_null()
                && (*db).pMethods == &raw const METHODS
                && let Some(space) = space_for(CStr::from_ptr(name))
            {
                let db = shim(db);
                db.wal_of_db = me;
                me.db_of_wal = db;
                me.wal = Some(Box::new(Pending {
                    bytes: Vec::with_capacity(BUFFER_BYTES),
                    start: 0,
                    reserved: 0,
                    space,
                }));
            }
        }
        ffi::SQLITE_OK
    }
}

/// Writes out a file's pending WAL writes (nothing for other files).
unsafe fn flush(s: &mut ShimFile) -> c_int {
    let real = s.real;
    // SAFETY: the real file is open.
    s.wal
        .as_deref_mut()
        .map_or(ffi::SQLITE_OK, |p| unsafe { p.flush(real) })
}

/// Flushes the WAL a database file points at, where the caller cannot report an error (the barrier).
unsafe fn flush_wal_of(db: &mut ShimFile) {
    if db.wal_of_db.is_null() {
        return;
    }
    // SAFETY: the pointer is cleared when the WAL closes, so it is live here.
    let rc = unsafe { flush(&mut *db.wal_of_db) };
    if rc != ffi::SQLITE_OK {
        tracing::error!(
            rc,
            "writing the WAL failed while a commit was being published; stopping"
        );
        std::process::abort();
    }
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: called once per open file, which is ours; after this SQLite frees the allocation.
    unsafe {
        let s = shim(file);
        let flushed = flush(s);
        if !s.db_of_wal.is_null() {
            (*s.db_of_wal).wal_of_db = ptr::null_mut();
        }
        if !s.wal_of_db.is_null() {
            (*s.wal_of_db).db_of_wal = ptr::null_mut();
        }
        let closed = real_methods(s)
            .xClose
            .map_or(ffi::SQLITE_OK, |close| close(s.real));
        ptr::drop_in_place(file.cast::<ShimFile>());
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            closed
        }
    }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    n: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: `data` holds `n` bytes (SQLite's contract); the file is ours and open.
    unsafe {
        let s = shim(file);
        let real = s.real;
        let Some(p) = s.wal.as_deref_mut() else {
            return write_through(real, data, n, offset);
        };
        if offset == 0 {
            // The WAL starts again; another connection's checkpoint may have truncated it meanwhile.
            p.reserved = 0;
        }
        let len = usize::try_from(n).unwrap_or(0);
        if len == super::wal_page_profile::FRAME_HEADER_BYTES {
            super::wal_page_profile::record_frame_header(std::slice::from_raw_parts(data.cast::<u8>(), len));
        }
        let appends = !p.bytes.is_empty() && offset == p.start + p.bytes.len() as i64;
        if !appends || p.bytes.len() + len > BUFFER_BYTES {
            let rc = p.flush(real);
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        if len > BUFFER_BYTES {
            return write_through(real, data, n, offset);
        }
        let rc = p.reserve(offset + i64::from(n));
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if p.bytes.is_empty() {
            p.start = offset;
        }
        p.bytes
            .extend_from_slice(std::slice::from_raw_parts(data.cast::<u8>(), len));
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    // SAFETY: the file is ours and open.
    unsafe {
        let s = shim(file);
        let rc = flush(s);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if let Some(p) = s.wal.as_deref_mut() {
            p.reserved = p.reserved.min(u64::try_from(size).unwrap_or(0));
        }
        real_methods(s)
            .xTruncate
            .map_or(ffi::SQLITE_MISUSE, |f| f(s.real, size))
    }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: Some(x_fetch),
    xUnfetch: Some(x_unfetch),
};

mod passthrough;
mod pending;
#[cfg(test)]
mod tests;
