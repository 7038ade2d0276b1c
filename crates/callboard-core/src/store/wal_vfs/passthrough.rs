//! The shim's file methods that only pass through to the real file: most flush the WAL's pending writes
//! first (anything that reads, sizes, syncs, locks or maps it); the shared-memory lock and barrier of a
//! database file flush the WAL that belongs to it.

use std::ffi::{c_int, c_void};

use rusqlite::ffi;

use super::{flush, flush_wal_of, real_methods, shim};

/// Methods that flush the WAL's pending writes before they run, then pass through.
macro_rules! flushing {
    ($name:ident, $field:ident, ($($arg:ident: $ty:ty),*)) => {
        pub(super) unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: the file is ours and open; arguments pass through unchanged.
            unsafe {
                let s = shim(file);
                let rc = flush(s);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                match real_methods(s).$field {
                    Some(f) => f(s.real $(, $arg)*),
                    None => ffi::SQLITE_MISUSE,
                }
            }
        }
    };
}

flushing!(x_read, xRead, (data: *mut c_void, n: c_int, offset: i64));
flushing!(x_sync, xSync, (flags: c_int));
flushing!(x_file_size, xFileSize, (size: *mut i64));
flushing!(x_lock, xLock, (level: c_int));
flushing!(x_unlock, xUnlock, (level: c_int));
flushing!(x_check_reserved_lock, xCheckReservedLock, (out: *mut c_int));
flushing!(x_file_control, xFileControl, (op: c_int, arg: *mut c_void));
flushing!(x_shm_map, xShmMap, (page: c_int, size: c_int, extend: c_int, out: *mut *mut c_void));
flushing!(x_shm_unmap, xShmUnmap, (delete: c_int));
flushing!(x_fetch, xFetch, (offset: i64, n: c_int, out: *mut *mut c_void));
flushing!(x_unfetch, xUnfetch, (offset: i64, p: *mut c_void));

pub(super) unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: the file is ours and open.
    unsafe {
        let s = shim(file);
        real_methods(s).xSectorSize.map_or(4096, |f| f(s.real))
    }
}

pub(super) unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: the file is ours and open.
    unsafe {
        let s = shim(file);
        real_methods(s).xDeviceCharacteristics.map_or(0, |f| f(s.real))
    }
}

pub(super) unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: the file is ours and open.
    unsafe {
        let s = shim(file);
        flush_wal_of(s);
        real_methods(s)
            .xShmLock
            .map_or(ffi::SQLITE_MISUSE, |f| f(s.real, offset, n, flags))
    }
}

pub(super) unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: the file is ours and open.
    unsafe {
        let s = shim(file);
        flush_wal_of(s);
        if let Some(f) = real_methods(s).xShmBarrier {
            f(s.real);
        }
    }
}
