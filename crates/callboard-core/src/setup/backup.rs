//! Backup and restore: one zip archive holding `manifest.json` (format, app version, schema version,
//! time), `callboard.db` and the `recordings/` folder. The database copy is taken with SQLite's online
//! backup API in a single step on its own read connection, so it is one consistent snapshot even while the
//! app keeps writing (WAL lets the writer go on meanwhile). The secrets file and its key are never put in an
//! archive. Restore goes into a fresh data dir only, refuses archives from a newer schema, and writes the
//! database under a temporary name first so an interrupted restore leaves no half database behind.

use std::{
    fs::File,
    io::{Read, Write},
    path::{Path, PathBuf},
};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::{app::DATABASE_FILE, store::Store, webhooks::extract_elevenlabs::RECORDINGS_DIR};

/// Archive layout version; bump when the layout changes.
pub const ARCHIVE_FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub app_version: String,
    pub schema_version: u32,
    pub created_at: String,
    pub recordings: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupSummary {
    pub path: String,
    pub bytes: u64,
    pub manifest: Manifest,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the archive is damaged or not a Callboard backup: {0}")]
    BadArchive(String),
    #[error(
        "this backup comes from a newer Callboard (schema version {found}, this build knows up to {known}); \
         install the newer version to restore it"
    )]
    NewerArchive { found: u32, known: u32 },
    #[error("{0} already holds a Callboard database; restore into an empty folder (or wipe this one first)")]
    NotEmpty(String),
    #[error("the restored database does not open: {0}")]
    Store(#[from] crate::store::StoreError),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

fn zip_err(e: zip::result::ZipError) -> BackupError {
    BackupError::BadArchive(e.to_string())
}

/// Writes an archive of `data_dir` to `out` (through `out.partial`, renamed when complete).
pub fn create(data_dir: &Path, out: &Path, created_at: &str) -> Result<BackupSummary, BackupError> {
    let db_path = data_dir.join(DATABASE_FILE);
    let partial = out.with_extension("partial");
    let snapshot = out.with_extension("db-snapshot");
    let result = write_archive(&db_path, data_dir, &partial, &snapshot, created_at);
    let _ = std::fs::remove_file(&snapshot);
    match result {
        Ok(manifest) => {
            std::fs::rename(&partial, out).map_err(io(format!("cannot write {}", out.display())))?;
            let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
            tracing::info!(path = %out.display(), bytes, "backup written");
            Ok(BackupSummary {
                path: out.display().to_string(),
                bytes,
                manifest,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_archive(
    db_path: &Path,
    data_dir: &Path,
    partial: &Path,
    snapshot: &Path,
    created_at: &str,
) -> Result<Manifest, BackupError> {
    if let Some(dir) = partial.parent() {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    // One backup step over all pages: a single read transaction, hence a single consistent snapshot.
    let source = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(std::time::Duration::from_secs(10))?;
    {
        let mut copy = Connection::open(snapshot)?;
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                // Busy/Locked: another connection holds a lock for a moment; the step is simply retried.
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
    drop(source);
    let copy = Connection::open(snapshot)?;
    let schema_version: u32 =
        copy.query_row("SELECT IFNULL(MAX(version), 0) FROM schema_migrations", [], |r| {
            r.get(0)
        })?;
    // The copy is a rollback-journal database: one self-contained file.
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);

    let file = File::create(partial).map_err(io(format!("cannot create {}", partial.display())))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let deflate = zip::write::SimpleFileOptions::default().large_file(true);
    // Recordings are already compressed audio.
    let stored = deflate.compression_method(zip::CompressionMethod::Stored);
    zip.start_file(DATABASE_FILE, deflate).map_err(zip_err)?;
    let mut db = File::open(snapshot).map_err(io("cannot read the snapshot"))?;
    std::io::copy(&mut db, &mut zip).map_err(io("cannot write the archive"))?;

    let mut recordings = 0u64;
    let rec_dir = data_dir.join(RECORDINGS_DIR);
    for path in files_under(&rec_dir)? {
        let Ok(rel) = path.strip_prefix(data_dir) else {
            continue;
        };
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        zip.start_file(name, stored).map_err(zip_err)?;
        let mut f = File::open(&path).map_err(io(format!("cannot read {}", path.display())))?;
        std::io::copy(&mut f, &mut zip).map_err(io("cannot write the archive"))?;
        recordings += 1;
    }
    let manifest = Manifest {
        format: ARCHIVE_FORMAT,
        app_version: crate::VERSION.into(),
        schema_version,
        created_at: created_at.to_owned(),
        recordings,
    };
    zip.start_file(MANIFEST, deflate).map_err(zip_err)?;
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::BadArchive(e.to_string()))?;
    zip.write_all(&json).map_err(io("cannot write the archive"))?;
    let mut inner = zip.finish().map_err(zip_err)?;
    inner.flush().map_err(io("cannot write the archive"))?;
    inner
        .into_inner()
        .map_err(|e| BackupError::Io {
            what: "cannot write the archive".into(),
            source: e.into_error(),
        })?
        .sync_all()
        .map_err(io("cannot write the archive"))?;
    Ok(manifest)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(format!("cannot list {}", d.display()))(e)),
        };
        for entry in entries.flatten() {
            let p = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads an archive's manifest without extracting anything.
pub fn read_manifest(archive: &Path) -> Result<Manifest, BackupError> {
    let file = File::open(archive).map_err(io(format!("cannot open {}", archive.display())))?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
    let mut entry = zip
        .by_name(MANIFEST)
        .map_err(|_| BackupError::BadArchive("no manifest.json".into()))?;
    let mut raw = String::new();
    entry
        .read_to_string(&mut raw)
        .map_err(io("cannot read the manifest"))?;
    serde_json::from_str(&raw).map_err(|e| BackupError::BadArchive(format!("manifest.json: {e}")))
}

/// Restores `archive` into `data_dir`, which must not hold a database yet. Older schemas are migrated up.
pub fn restore(archive: &Path, data_dir: &Path) -> Result<Manifest, BackupError> {
    let manifest = read_manifest(archive)?;
    if manifest.format > ARCHIVE_FORMAT {
        return Err(BackupError::BadArchive(format!(
            "archive format {} is newer than this build reads ({ARCHIVE_FORMAT})",
            manifest.format
        )));
    }
    let known = crate::store::latest_version();
    if manifest.schema_version > known {
        return Err(BackupError::NewerArchive {
            found: manifest.schema_version,
            known,
        });
    }
    let db_path = data_dir.join(DATABASE_FILE);
    if db_path.exists() {
        return Err(BackupError::NotEmpty(data_dir.display().to_string()));
    }
    std::fs::create_dir_all(data_dir).map_err(io(format!("cannot create {}", data_dir.display())))?;
    let file = File::open(archive).map_err(io(format!("cannot open {}", archive.display())))?;
    let mut zip = zip::ZipArchive::new(file).map_err(zip_err)?;
    let restoring = data_dir.join("callboard.db.restoring");
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_err)?;
        if entry.is_dir() {
            continue;
        }
        let Some(rel) = entry.enclosed_name() else {
            return Err(BackupError::BadArchive(format!("unsafe path {:?}", entry.name())));
        };
        let target = if rel == Path::new(DATABASE_FILE) {
            restoring.clone()
        } else if rel.starts_with(RECORDINGS_DIR) {
            data_dir.join(&rel)
        } else {
            continue; // the manifest, or something this build does not know
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
        }
        let mut out = File::create(&target).map_err(io(format!("cannot write {}", target.display())))?;
        std::io::copy(&mut entry, &mut out).map_err(io(format!("cannot write {}", target.display())))?;
        out.sync_all()
            .map_err(io(format!("cannot write {}", target.display())))?;
    }
    if !restoring.exists() {
        return Err(BackupError::BadArchive("no callboard.db in the archive".into()));
    }
    {
        let check = Connection::open(&restoring)?;
        let ok: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if ok != "ok" {
            let _ = std::fs::remove_file(&restoring);
            return Err(BackupError::BadArchive(format!(
                "the database in it fails its integrity check: {ok}"
            )));
        }
    }
    std::fs::rename(&restoring, &db_path).map_err(io(format!("cannot write {}", db_path.display())))?;
    // Opening migrates an older schema up and proves the result is usable.
    drop(Store::open(&db_path)?);
    tracing::info!(archive = %archive.display(), schema = manifest.schema_version, "backup restored");
    Ok(manifest)
}

/// The default file name for an archive made at `stamp` (an RFC 3339 time).
pub fn file_name(stamp: &str) -> String {
    let safe: String = stamp
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("callboard-backup-{safe}.zip")
}

/// Deletes the oldest `callboard-backup-*.zip` files in `dir` beyond `keep`.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<usize> {
    let mut archives: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("callboard-backup-") && n.ends_with(".zip"))
        })
        .collect();
    archives.sort(); // the names sort by time
    let excess = archives.len().saturating_sub(keep);
    for p in &archives[..excess] {
        std::fs::remove_file(p)?;
    }
    Ok(excess)
}
