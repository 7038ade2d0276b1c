//! Which tables and indexes the writer's commits write to the WAL: an opt-in diagnostic for the benchmarks,
//! switched on with the statement profile ([`super::statement_profile::ENV`]).
//!
//! A commit's cost is the pages it dirtied (each one written to the WAL and checksummed), not the number of
//! statements or commits: on the engine week the writer wrote about seven pages per call. The totals alone
//! ([`super::page_counts`]) do not say which B-trees those pages belong to. The WAL shim sees every frame
//! header go by (SQLite writes a frame's 24-byte header and its page as two writes), so with the profile on it
//! counts frames per page number; [`frames_by_btree`] names each page's table or index with `dbstat`.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use rusqlite::Connection;

use super::StoreResult;

/// The size of a WAL frame header.
pub(super) const FRAME_HEADER_BYTES: usize = 24;

/// Frames written per page number, when the profile is on (process-wide: the shim serves every writer).
static FRAMES: OnceLock<Option<Mutex<HashMap<u32, u64>>>> = OnceLock::new();

fn frames() -> Option<&'static Mutex<HashMap<u32, u64>>> {
    FRAMES
        .get_or_init(|| std::env::var_os(super::statement_profile::ENV).map(|_| Mutex::default()))
        .as_ref()
}

/// Counts one frame from the header the shim is writing (its first four bytes are the page number,
/// big-endian). Off, this is one load of an initialized cell.
pub(super) fn record_frame_header(header: &[u8]) {
    let (Some(frames), Some(page)) = (frames(), page_of(header)) else {
        return;
    };
    if let Ok(mut frames) = frames.lock() {
        *frames.entry(page).or_default() += 1;
    }
}

/// The page number a WAL frame header is for.
fn page_of(header: &[u8]) -> Option<u32> {
    header.first_chunk::<4>().map(|b| u32::from_be_bytes(*b))
}

/// Drops the frames counted so far (a benchmark's setup), without naming them.
pub fn forget_frames() {
    if let Some(Ok(mut frames)) = frames().map(Mutex::lock) {
        frames.clear();
    }
}

/// The frames counted since the last call (or [`forget_frames`]), by the table or index their page belongs to
/// now, most first; `None` when the profile is off. Pages no B-tree holds any more are counted as
/// `(free pages)`.
pub fn frames_by_btree(conn: &Connection) -> StoreResult<Option<Vec<(String, u64)>>> {
    let Some(frames) = frames() else {
        return Ok(None);
    };
    let counted = match frames.lock() {
        Ok(mut frames) => std::mem::take(&mut *frames),
        Err(_) => return Ok(None),
    };
    name_pages(conn, counted).map(Some)
}

/// Frames per page number summed per B-tree, most first.
fn name_pages(conn: &Connection, counted: HashMap<u32, u64>) -> StoreResult<Vec<(String, u64)>> {
    let mut owner: HashMap<u32, String> = HashMap::new();
    let mut stmt = conn.prepare("SELECT pageno, name FROM dbstat")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        owner.insert(row.get(0)?, row.get(1)?);
    }
    let mut by_btree: HashMap<String, u64> = HashMap::new();
    for (page, n) in counted {
        let name = owner.get(&page).map_or("(free pages)", String::as_str);
        *by_btree.entry(name.to_owned()).or_default() += n;
    }
    let mut out: Vec<_> = by_btree.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_header_names_its_page() {
        let mut header = [0u8; FRAME_HEADER_BYTES];
        header[..4].copy_from_slice(&70_000u32.to_be_bytes());
        assert_eq!(page_of(&header), Some(70_000));
        assert_eq!(page_of(&header[..3]), None);
    }

    #[test]
    fn pages_are_summed_by_the_table_or_index_that_holds_them() {
        let conn = Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}"));
        conn.execute_batch(
            "CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t(x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
             INSERT INTO t SELECT printf('%.300c', 'a') || i FROM n;",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let pages_of = |name: &str| -> Vec<u32> {
            let mut stmt = conn
                .prepare("SELECT pageno FROM dbstat WHERE name = ?1")
                .unwrap_or_else(|e| panic!("{e}"));
            stmt.query_map([name], |r| r.get(0))
                .unwrap_or_else(|e| panic!("{e}"))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let (table, index) = (pages_of("t"), pages_of("t_x"));
        assert!(table.len() > 2 && index.len() > 2, "{table:?} {index:?}");
        // Two frames of each table page, one of each index page, and a page past the end of the file.
        let mut counted: HashMap<u32, u64> = table.iter().map(|p| (*p, 2)).collect();
        counted.extend(index.iter().map(|p| (*p, 1)));
        counted.insert(1_000_000, 5);
        let named = name_pages(&conn, counted).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            named,
            vec![
                ("t".to_owned(), 2 * table.len() as u64),
                ("t_x".to_owned(), index.len() as u64),
                ("(free pages)".to_owned(), 5),
            ]
        );
    }
}
