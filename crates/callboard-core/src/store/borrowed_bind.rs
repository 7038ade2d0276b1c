//! A prepared statement that binds borrowed text without copying it, for the import's bulk insert.
//!
//! rusqlite binds every non-empty text with `SQLITE_TRANSIENT`, so SQLite allocates and copies each value
//! before the statement runs, and frees it at the next bind. The import's multi-row insert binds a dozen
//! texts per contact (1,536 per statement): on the 1M-row bench those copies, and freeing them, were about a
//! tenth of the writer thread's time. Here texts are bound `SQLITE_STATIC` instead, which SQLite reads in
//! place. That is only sound while the text outlives its use, so [`BorrowedStatement::execute`] binds, runs
//! the statement to the end, then resets it and clears every binding before it returns: no pointer to the
//! caller's text is left in SQLite when the borrow ends.
#![allow(unsafe_code)] // SQLite's C API: rusqlite does not expose binding without a copy.

use std::{
    ffi::{CStr, c_int},
    marker::PhantomData,
    ptr::{self, NonNull},
};

use rusqlite::{
    Connection, ffi,
    types::{ToSql, ToSqlOutput, Value, ValueRef},
};

/// One parameter's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Param<'a> {
    Text(&'a str),
    Null,
}

/// The same values bound by rusqlite's own statements (copied, as rusqlite does).
impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Null => ToSqlOutput::Owned(Value::Null),
        })
    }
}

/// A statement prepared on `conn`, finalized when dropped. Not `Send`: it stays with its connection.
pub struct BorrowedStatement<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    _conn: PhantomData<&'c Connection>,
}

impl<'c> BorrowedStatement<'c> {
    /// Prepares one SQL statement (text after it is an error).
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<Self> {
        // SAFETY: the handle is valid while `conn` lives, which the lifetime `'c` ties this statement to; the
        // connection is only used from this thread while the statement exists (neither is `Send` here).
        let db = unsafe { conn.handle() };
        let len = c_int::try_from(sql.len()).map_err(|_| rusqlite::Error::InvalidQuery)?;
        let mut stmt = ptr::null_mut();
        let mut tail = ptr::null();
        // SAFETY: `sql` is valid for `len` bytes (SQLite does not need a NUL when given the length); `stmt` and
        // `tail` are out-pointers SQLite writes.
        let rc = unsafe { ffi::sqlite3_prepare_v3(db, sql.as_ptr().cast(), len, 0, &mut stmt, &mut tail) };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let stmt = NonNull::new(stmt).ok_or(rusqlite::Error::InvalidQuery)?;
        let statement = BorrowedStatement {
            stmt,
            db,
            _conn: PhantomData,
        };
        // SAFETY: `tail` points into `sql` (at its end when the whole text was one statement).
        let rest = unsafe { tail.cast::<u8>().offset_from(sql.as_ptr()) };
        let rest = sql.get(usize::try_from(rest).unwrap_or(0)..).unwrap_or("");
        if !rest.trim().is_empty() {
            return Err(rusqlite::Error::MultipleStatement);
        }
        Ok(statement)
    }

    /// Binds `params` to parameters 1, 2, … in order, runs the statement to the end (rows it returns are
    /// skipped) and returns how many rows it changed. Every binding is cleared before this returns.
    pub fn execute(&mut self, params: &[Param<'_>]) -> rusqlite::Result<usize> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: `stmt` is a live statement of this connection.
        let expected = unsafe { ffi::sqlite3_bind_parameter_count(stmt) };
        if usize::try_from(expected).ok() != Some(params.len()) {
            return Err(rusqlite::Error::InvalidParameterCount(
                params.len(),
                usize::try_from(expected).unwrap_or(0),
            ));
        }
        let result = self.bind_and_run(params);
        // SAFETY: as above. Reset returns the last step's error again, which `result` already holds; clearing
        // the bindings is what makes the borrowed texts free to go.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        result
    }

    fn bind_and_run(&mut self, params: &[Param<'_>]) -> rusqlite::Result<usize> {
        let stmt = self.stmt.as_ptr();
        for (i, p) in params.iter().enumerate() {
            let index = c_int::try_from(i + 1).map_err(|_| rusqlite::Error::InvalidQuery)?;
            // SAFETY: `index` is within the statement's parameters (counted above). A text is bound STATIC:
            // SQLite reads it in place until the bindings are cleared, which `execute` does before the
            // borrow of `params` ends.
            let rc = unsafe {
                match p {
                    Param::Text(s) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        s.as_ptr().cast(),
                        s.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Param::Null => ffi::sqlite3_bind_null(stmt, index),
                }
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
        }
        loop {
            // SAFETY: a live, fully bound statement.
            match unsafe { ffi::sqlite3_step(stmt) } {
                ffi::SQLITE_ROW => continue,
                ffi::SQLITE_DONE => break,
                rc => return Err(error(self.db, rc)),
            }
        }
        // SAFETY: a live connection handle.
        let changes = unsafe { ffi::sqlite3_changes64(self.db) };
        Ok(usize::try_from(changes).unwrap_or(0))
    }
}

impl Drop for BorrowedStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: finalized once, here; nothing uses the pointer afterwards.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's error for `rc`, with SQLite's message, as rusqlite reports errors.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: `db` is a live connection; its message is copied before any other call could change it.
    let message = unsafe {
        let msg = ffi::sqlite3_errmsg(db);
        (!msg.is_null()).then(|| CStr::from_ptr(msg).to_string_lossy().into_owned())
    };
    // The extended code says which constraint failed (the bulk insert tells a duplicate number by it).
    // SAFETY: as above.
    let extended = unsafe { ffi::sqlite3_extended_errcode(db) };
    let code = if extended & 0xff == rc & 0xff {
        extended
    } else {
        rc
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> rusqlite::Result<Connection> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch("CREATE TABLE t(a TEXT NOT NULL UNIQUE, b TEXT)")?;
        Ok(conn)
    }

    /// The texts are SQLite's own copies once stored: the caller's buffers are overwritten after each
    /// execute and the rows still hold what was bound.
    #[test]
    fn stored_text_survives_the_callers_buffer() -> rusqlite::Result<()> {
        let conn = conn()?;
        let mut insert = BorrowedStatement::prepare(&conn, "INSERT INTO t(a, b) VALUES (?1, ?2), (?3, ?4)")?;
        let mut buf = String::new();
        for round in 0..3 {
            buf.clear();
            buf.push_str(&format!("a{round}x"));
            buf.push_str(&format!("b{round}y"));
            let (a, b) = buf.split_at(3);
            let other = format!("c{round}z");
            assert_eq!(
                insert.execute(&[Param::Text(a), Param::Text(b), Param::Text(&other), Param::Null])?,
                2
            );
            buf.clear();
            buf.push_str("garbage!");
        }
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT a, b FROM t ORDER BY a")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[0], ("a0x".into(), Some("b0y".into())));
        assert_eq!(rows[3], ("c0z".into(), None));
        assert_eq!(rows[5], ("c2z".into(), None));
        Ok(())
    }

    #[test]
    fn a_constraint_failure_is_reported_like_rusqlite_and_the_statement_stays_usable() -> rusqlite::Result<()>
    {
        let conn = conn()?;
        let mut insert = BorrowedStatement::prepare(&conn, "INSERT INTO t(a) VALUES (?1)")?;
        insert.execute(&[Param::Text("x")])?;
        let err = insert.execute(&[Param::Text("x")]).err();
        assert_eq!(
            err.as_ref().and_then(rusqlite::Error::sqlite_error_code),
            Some(rusqlite::ErrorCode::ConstraintViolation)
        );
        assert!(matches!(
            err,
            Some(rusqlite::Error::SqliteFailure(e, Some(ref m)))
                if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE && m.contains("UNIQUE")
        ));
        assert_eq!(insert.execute(&[Param::Text("y")])?, 1);
        Ok(())
    }

    #[test]
    fn wrong_parameter_counts_and_trailing_statements_are_refused() -> rusqlite::Result<()> {
        let conn = conn()?;
        let mut insert = BorrowedStatement::prepare(&conn, "INSERT INTO t(a) VALUES (?1)")?;
        assert!(matches!(
            insert.execute(&[]),
            Err(rusqlite::Error::InvalidParameterCount(0, 1))
        ));
        assert!(matches!(
            BorrowedStatement::prepare(&conn, "SELECT 1; SELECT 2"),
            Err(rusqlite::Error::MultipleStatement)
        ));
        assert!(BorrowedStatement::prepare(&conn, "SELECT 1;  ").is_ok());
        assert!(BorrowedStatement::prepare(&conn, "SELEC nonsense").is_err());
        Ok(())
    }
}
