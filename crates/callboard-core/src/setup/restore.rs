//! Restoring a backup into the data dir of a running app. The running app cannot swap its database under
//! its own writer thread, so a restore is staged: [`stage`] checks the archive (readable, not from a newer
//! schema, holds a database) and copies it to `restore-pending.zip` in the data dir; the next start
//! ([`apply_pending`], called by `launch` before the store opens) moves the current database and recordings
//! aside into `replaced-by-restore/<time>/`, restores the archive, and puts the old files back if that fails
//! (renaming the archive to `restore-failed.zip` so a bad archive is not retried at every start).
//! The desktop app restarts itself to finish; `callboard serve` users restart it themselves.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::backup::{self, BackupError, Manifest};
use crate::{app::DATABASE_FILE, webhooks::extract_elevenlabs::RECORDINGS_DIR};

/// The staged archive, in the data dir.
pub const PENDING_FILE: &str = "restore-pending.zip";
/// Where a staged archive that failed to restore is moved.
pub const FAILED_FILE: &str = "restore-failed.zip";
/// Where the replaced database and recordings are kept, one folder per restore.
pub const REPLACED_DIR: &str = "replaced-by-restore";
/// Most archives [`list`] returns.
pub const LIST_LIMIT: usize = 20;

fn io(what: String) -> impl FnOnce(std::io::Error) -> BackupError {
    move |source| BackupError::Io { what, source }
}

/// Checks that `archive` can be restored by this build: its manifest, its schema, a database inside.
pub fn check(archive: &Path) -> Result<Manifest, BackupError> {
    let manifest = backup::read_manifest(archive)?;
    if manifest.format > backup::ARCHIVE_FORMAT {
        return Err(BackupError::BadArchive(format!(
            "archive format {} is newer than this build reads ({})",
            manifest.format,
            backup::ARCHIVE_FORMAT
        )));
    }
    let known = crate::store::latest_version();
    if manifest.schema_version > known {
        return Err(BackupError::NewerArchive {
            found: manifest.schema_version,
            known,
        });
    }
    let file = std::fs::File::open(archive).map_err(io(format!("cannot open {}", archive.display())))?;
    let zip = zip::ZipArchive::new(file).map_err(|e| BackupError::BadArchive(e.to_string()))?;
    if zip.index_for_name(DATABASE_FILE).is_none() {
        return Err(BackupError::BadArchive(format!(
            "no {DATABASE_FILE} in the archive"
        )));
    }
    Ok(manifest)
}

/// Checks `archive` and stages it for the next start (replacing an earlier staged one).
pub fn stage(data_dir: &Path, archive: &Path) -> Result<Manifest, BackupError> {
    let manifest = check(archive)?;
    let pending = data_dir.join(PENDING_FILE);
    let partial = data_dir.join(format!("{PENDING_FILE}.partial"));
    std::fs::copy(archive, &partial).map_err(io(format!("cannot copy {}", archive.display())))?;
    std::fs::rename(&partial, &pending).map_err(io(format!("cannot write {}", pending.display())))?;
    tracing::info!(archive = %archive.display(), "restore staged for the next start");
    Ok(manifest)
}

/// The staged restore's manifest, if one is staged.
pub fn pending(data_dir: &Path) -> Option<Manifest> {
    let path = data_dir.join(PENDING_FILE);
    path.exists().then(|| backup::read_manifest(&path).ok()).flatten()
}

/// Drops a staged restore; whether there was one.
pub fn cancel(data_dir: &Path) -> std::io::Result<bool> {
    match std::fs::remove_file(data_dir.join(PENDING_FILE)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a start did with a staged restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub manifest: Manifest,
    /// Where the replaced database and recordings now are.
    pub replaced_dir: PathBuf,
}

/// The files a restore replaces, relative to the data dir.
fn replaced_names() -> [String; 4] {
    [
        DATABASE_FILE.to_owned(),
        format!("{DATABASE_FILE}-wal"),
        format!("{DATABASE_FILE}-shm"),
        RECORDINGS_DIR.to_owned(),
    ]
}

/// Applies a staged restore; call before the store opens. `stamp` names the folder the old files go to.
pub fn apply_pending(data_dir: &Path, stamp: &str) -> Result<Option<Applied>, BackupError> {
    let pending = data_dir.join(PENDING_FILE);
    if !pending.exists() {
        return Ok(None);
    }
    let safe: String = stamp
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let aside = data_dir.join(REPLACED_DIR).join(safe);
    std::fs::create_dir_all(&aside).map_err(io(format!("cannot create {}", aside.display())))?;
    let mut moved = Vec::new();
    for name in replaced_names() {
        let from = data_dir.join(&name);
        if from.exists() {
            std::fs::rename(&from, aside.join(&name))
                .map_err(io(format!("cannot move {}", from.display())))?;
            moved.push(name);
        }
    }
    match backup::restore(&pending, data_dir) {
        Ok(manifest) => {
            std::fs::remove_file(&pending).map_err(io(format!("cannot remove {}", pending.display())))?;
            tracing::info!(replaced = %aside.display(), "staged backup restored");
            Ok(Some(Applied {
                manifest,
                replaced_dir: aside,
            }))
        }
        Err(e) => {
            tracing::error!(error = %e, "the staged restore failed; putting the replaced data back");
            for name in replaced_names() {
                let restored = data_dir.join(&name);
                let _ = std::fs::remove_file(&restored);
                let _ = std::fs::remove_dir_all(&restored);
            }
            let _ = std::fs::remove_file(data_dir.join("callboard.db.restoring"));
            for name in &moved {
                std::fs::rename(aside.join(name), data_dir.join(name))
                    .map_err(io(format!("cannot put {name} back from {}", aside.display())))?;
            }
            let _ = std::fs::remove_dir(&aside);
            let _ = std::fs::rename(&pending, data_dir.join(FAILED_FILE));
            Err(e)
        }
    }
}

/// One archive found in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedBackup {
    pub path: String,
    pub file_name: String,
    pub bytes: u64,
    /// `None` when the archive cannot be read (shown as damaged).
    pub manifest: Option<Manifest>,
}

/// The `callboard-backup-*.zip` archives in `dir`, newest first, at most [`LIST_LIMIT`]. A missing folder
/// is an empty list.
pub fn list(dir: &Path) -> std::io::Result<Vec<ListedBackup>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("callboard-backup-") && n.ends_with(".zip"))
        })
        .collect();
    paths.sort(); // the names sort by time
    paths.reverse();
    paths.truncate(LIST_LIMIT);
    Ok(paths
        .into_iter()
        .map(|p| ListedBackup {
            file_name: p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes: std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0),
            manifest: backup::read_manifest(&p).ok(),
            path: p.display().to_string(),
        })
        .collect())
}

/// Tells the supervisor what a start did with a staged restore: a "needs attention" item either way
/// (the replaced data's folder on success, the reason on failure).
pub fn report(app: &crate::app::App, applied: Result<Option<Applied>, BackupError>) {
    let item = match applied {
        Ok(None) => return,
        Ok(Some(a)) => crate::store::attention::NewItem {
            kind: "backup_restored".into(),
            severity: "info",
            title: "Backup restored".into(),
            message: format!(
                "Restored the backup made {} (Callboard {}). The data it replaced is kept in {}.",
                a.manifest.created_at,
                a.manifest.app_version,
                a.replaced_dir.display()
            ),
            campaign_id: None,
            call_id: None,
            dedupe_key: format!("backup_restored:{}", a.replaced_dir.display()),
        },
        Err(e) => crate::store::attention::NewItem {
            kind: "restore_failed".into(),
            severity: "critical",
            title: "Restore failed".into(),
            message: format!("The staged backup was not restored and your data is unchanged: {e}"),
            campaign_id: None,
            call_id: None,
            dedupe_key: format!("restore_failed:{e}"),
        },
    };
    let at = crate::clock::to_db(app.clock.now());
    if let Err(e) = app
        .store
        .with_tx_blocking(move |tx| crate::store::attention::raise(tx, &item, &at).map(|_| ()))
    {
        tracing::warn!(error = %e, "cannot record the restore's outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A data dir holding a database with one campaign named `name`, and one recording.
    fn data_dir_with(name: &str) -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join(DATABASE_FILE))?;
        let name = name.to_owned();
        store.with_tx_blocking(move |tx| {
            tx.execute(
                "INSERT INTO campaigns(name, created_at, updated_at) VALUES (?1, 't', 't')",
                [&name],
            )?;
            Ok::<_, crate::store::StoreError>(())
        })?;
        drop(store);
        std::fs::create_dir_all(dir.path().join(RECORDINGS_DIR))?;
        std::fs::write(dir.path().join(RECORDINGS_DIR).join("a.mp3"), b"audio")?;
        Ok(dir)
    }

    fn campaign_names(data_dir: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let store = Store::open(&data_dir.join(DATABASE_FILE))?;
        Ok(store.read_blocking(|c| {
            let mut s = c.prepare("SELECT name FROM campaigns ORDER BY id")?;
            let names = s
                .query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(names)
        })?)
    }

    #[test]
    fn a_staged_restore_replaces_the_data_at_the_next_start_and_keeps_the_old() -> TestResult {
        let old = data_dir_with("Backed up")?;
        let archive = old
            .path()
            .join("backups")
            .join(backup::file_name("2026-01-01T00:00:00Z"));
        backup::create(old.path(), &archive, "2026-01-01T00:00:00Z")?;
        assert_eq!(list(&old.path().join("backups"))?.len(), 1);

        let live = data_dir_with("Current")?;
        assert_eq!(pending(live.path()), None);
        let manifest = stage(live.path(), &archive)?;
        assert_eq!(pending(live.path()), Some(manifest.clone()));
        // Nothing changes until the next start.
        assert_eq!(campaign_names(live.path())?, ["Current"]);

        let applied = apply_pending(live.path(), "2026-02-02T00:00:00Z")?;
        let Some(applied) = applied else {
            return Err("nothing applied".into());
        };
        assert_eq!(applied.manifest, manifest);
        assert_eq!(campaign_names(live.path())?, ["Backed up"]);
        assert_eq!(pending(live.path()), None);
        assert_eq!(
            campaign_names(&applied.replaced_dir)?,
            ["Current"],
            "the old data is kept"
        );
        assert!(applied.replaced_dir.join(RECORDINGS_DIR).join("a.mp3").exists());
        // Nothing staged: a start changes nothing.
        assert_eq!(apply_pending(live.path(), "2026-02-03T00:00:00Z")?, None);
        Ok(())
    }

    #[test]
    fn a_bad_archive_is_refused_at_staging_and_a_failing_one_leaves_the_data_alone() -> TestResult {
        let live = data_dir_with("Current")?;
        let junk = live.path().join("junk.zip");
        std::fs::write(&junk, b"not a zip")?;
        assert!(matches!(
            stage(live.path(), &junk),
            Err(BackupError::BadArchive(_))
        ));
        assert!(matches!(
            stage(live.path(), &live.path().join("missing.zip")),
            Err(BackupError::Io { .. })
        ));
        assert_eq!(pending(live.path()), None);

        // Staged, then damaged before the start (the database inside is garbage): the start puts the data back.
        let old = data_dir_with("Backed up")?;
        let archive = old.path().join("b.zip");
        backup::create(old.path(), &archive, "2026-01-01T00:00:00Z")?;
        stage(live.path(), &archive)?;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(live.path().join(PENDING_FILE))?);
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file(DATABASE_FILE, opts)?;
        std::io::Write::write_all(&mut zip, b"garbage that is not sqlite")?;
        zip.start_file("manifest.json", opts)?;
        std::io::Write::write_all(&mut zip, &serde_json::to_vec(&backup::read_manifest(&archive)?)?)?;
        zip.finish()?;
        assert!(apply_pending(live.path(), "2026-02-02T00:00:00Z").is_err());
        assert_eq!(campaign_names(live.path())?, ["Current"]);
        assert!(live.path().join(RECORDINGS_DIR).join("a.mp3").exists());
        assert!(live.path().join(FAILED_FILE).exists());
        assert_eq!(
            apply_pending(live.path(), "2026-02-03T00:00:00Z")?,
            None,
            "not retried"
        );
        Ok(())
    }

    #[test]
    fn cancel_drops_the_staged_archive() -> TestResult {
        let live = data_dir_with("Current")?;
        let archive = live
            .path()
            .join("backups")
            .join(backup::file_name("2026-01-01T00:00:00Z"));
        backup::create(live.path(), &archive, "2026-01-01T00:00:00Z")?;
        stage(live.path(), &archive)?;
        assert!(cancel(live.path())?);
        assert!(!cancel(live.path())?);
        assert_eq!(apply_pending(live.path(), "x")?, None);
        Ok(())
    }
}
