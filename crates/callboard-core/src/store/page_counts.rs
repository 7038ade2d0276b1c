//! SQLite's own counts of a connection's page-cache traffic (`sqlite3_db_status`): pages written at commits
//! and pages read because they were not in the cache. Unlike a wall time they do not move with the machine's
//! load, so a benchmark can show whether a change wrote or read fewer pages.
#![allow(unsafe_code)] // `sqlite3_db_status` is only in the C API.

use std::ffi::c_int;

use rusqlite::{Connection, ffi};

/// Page counts since the connection opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageCounts {
    /// Pages written out (to the WAL) by commits.
    pub written: u64,
    /// Pages that had to be read from the file (or the WAL).
    pub missed: u64,
    /// Pages found in the cache.
    pub hit: u64,
}

impl PageCounts {
    /// What happened between `earlier` and `self`.
    pub fn since(self, earlier: PageCounts) -> PageCounts {
        PageCounts {
            written: self.written.saturating_sub(earlier.written),
            missed: self.missed.saturating_sub(earlier.missed),
            hit: self.hit.saturating_sub(earlier.hit),
        }
    }
}

/// The connection's counts so far (zero for any SQLite cannot report).
pub fn page_counts(conn: &Connection) -> PageCounts {
    PageCounts {
        written: status(conn, ffi::SQLITE_DBSTATUS_CACHE_WRITE),
        missed: status(conn, ffi::SQLITE_DBSTATUS_CACHE_MISS),
        hit: status(conn, ffi::SQLITE_DBSTATUS_CACHE_HIT),
    }
}

fn status(conn: &Connection, op: c_int) -> u64 {
    let (mut current, mut highest) = (0, 0);
    // SAFETY: the handle is live for the borrow of `conn`, and the two out-pointers are valid `c_int`s; with
    // `resetFlg` 0 the call only reads the counter.
    let rc = unsafe { ffi::sqlite3_db_status(conn.handle(), op, &mut current, &mut highest, 0) };
    if rc == ffi::SQLITE_OK {
        u64::try_from(current).unwrap_or(0)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_counts_the_pages_it_wrote() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let conn = Connection::open(dir.path().join("t.db")).unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x TEXT)")
            .unwrap_or_else(|e| panic!("{e}"));
        let before = page_counts(&conn);
        let insert = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN")?;
            for _ in 0..100 {
                conn.execute("INSERT INTO t VALUES (printf('%.500c', 'x'))", [])?;
            }
            conn.execute_batch("COMMIT")
        };
        insert().unwrap_or_else(|e| panic!("{e}"));
        let spent = page_counts(&conn).since(before);
        // 100 rows of 500 bytes fill at least 12 pages of 4 KiB.
        assert!(spent.written >= 12, "{spent:?}");
        assert!(spent.hit + spent.missed > 0, "{spent:?}");
    }
}
