//! "Wipe everything": deletes every row of every table (the schema and its migration history stay, so the
//! app keeps running on an empty database) and the recordings, in one transaction so a failure leaves the
//! data as it was. The API asks for a typed confirmation and takes a safety backup first.

use std::path::Path;

use rusqlite::Transaction;

use crate::store::StoreResult;

/// What a wipe removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WipeSummary {
    pub tables: usize,
    pub rows: usize,
    pub recordings: usize,
    /// The archive taken just before, if any.
    pub safety_backup: Option<String>,
}

/// Deletes all rows in all ordinary tables except `schema_migrations`. Full-text indexes are external
/// content kept by triggers, so their virtual tables and shadow tables are skipped (the triggers empty them).
pub fn wipe_tables(tx: &Transaction<'_>) -> StoreResult<(usize, usize)> {
    let virtual_tables: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")?;
        stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let tables: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'schema_migrations' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )?;
        stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let tables: Vec<String> = tables
        .into_iter()
        .filter(|t| !virtual_tables.iter().any(|v| t.starts_with(&format!("{v}_"))))
        .collect();
    // Rows reference each other; the check runs at commit, when everything is gone.
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    let mut rows = 0;
    for t in &tables {
        rows += tx.execute(&format!("DELETE FROM \"{}\"", t.replace('"', "\"\"")), [])?;
    }
    Ok((tables.len(), rows))
}

/// Deletes the recordings folder's files; returns how many.
pub fn wipe_recordings(data_dir: &Path) -> std::io::Result<usize> {
    let dir = data_dir.join(crate::webhooks::extract_elevenlabs::RECORDINGS_DIR);
    let mut n = 0;
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                n += usize::from(e.file_type().is_ok_and(|t| t.is_file()));
            }
            std::fs::remove_dir_all(&dir)?;
            Ok(n)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}
