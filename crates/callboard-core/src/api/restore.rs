//! Settings › Backup: `backup.list` (recent archives, and a restore waiting for the next start),
//! `backup.inspect` (what an archive holds and what restoring it would replace), `backup.restore` (a safety
//! backup of the current data, then the archive staged for the next start), `backup.restore_cancel`, and
//! `app.restart` (the desktop app restarts itself to finish a restore; `callboard serve` cannot).

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    clock::to_db,
    setup::{
        backup::{BackupError, Manifest},
        control, restore,
        settings::Settings,
    },
    store::audit::{self, AuditEntry},
    webhooks::extract_elevenlabs::RECORDINGS_DIR,
};

#[derive(Debug, Clone, Serialize)]
pub struct BackupList {
    /// The backup folder (Settings › Backup › folder, or `<data dir>/backups`).
    pub dir: String,
    pub backups: Vec<restore::ListedBackup>,
    /// A restore staged for the next start.
    pub pending: Option<Manifest>,
    /// Whether this host restarts itself to finish a restore (the desktop app) or must be restarted.
    pub can_restart: bool,
}

pub async fn list(app: &App, _actor: Actor, _args: NoArgs) -> Result<BackupList, ApiError> {
    let settings = app.store.read(Settings::load).await?;
    let dir = control::backup_dir(app, &settings);
    let data_dir = app.data_dir().to_owned();
    let listed = dir.clone();
    let (backups, pending) =
        tokio::task::spawn_blocking(move || (restore::list(&listed), restore::pending(&data_dir)))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the listing task failed: {e}")))?;
    let backups = backups
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot list {}: {e}", dir.display())))?;
    Ok(BackupList {
        dir: dir.display().to_string(),
        backups,
        pending,
        can_restart: app.setup.can_restart(),
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathArgs {
    /// The archive, as a path on the machine running Callboard.
    pub path: String,
}

/// What is in the data dir now: what a restore replaces.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CurrentData {
    pub campaigns: i64,
    pub contacts: i64,
    pub calls: i64,
    pub recordings: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RestorePreview {
    pub path: String,
    pub bytes: u64,
    pub manifest: Manifest,
    pub current: CurrentData,
}

/// Checks the archive off the executor; a missing file is `not_found`, a bad one `conflict`.
async fn checked(path: &str) -> Result<(Manifest, u64), ApiError> {
    let p = std::path::PathBuf::from(path);
    if path.trim().is_empty() || !p.is_file() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            format!("no backup archive at '{path}'"),
        ));
    }
    tokio::task::spawn_blocking(move || -> Result<(Manifest, u64), BackupError> {
        let manifest = restore::check(&p)?;
        Ok((manifest, std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the check failed: {e}")))?
    .map_err(ApiError::from)
}

async fn current(app: &App) -> Result<CurrentData, ApiError> {
    let recordings_dir = app.data_dir().join(RECORDINGS_DIR);
    let recordings = tokio::task::spawn_blocking(move || {
        std::fs::read_dir(&recordings_dir)
            .map(|d| d.flatten().filter(|e| e.path().is_file()).count() as u64)
            .unwrap_or(0)
    })
    .await
    .unwrap_or(0);
    let counts = app
        .store
        .read(|c| {
            let n = |table: &str| -> rusqlite::Result<i64> {
                c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            };
            Ok((n("campaigns")?, n("contacts")?, n("calls")?))
        })
        .await?;
    Ok(CurrentData {
        campaigns: counts.0,
        contacts: counts.1,
        calls: counts.2,
        recordings,
    })
}

pub async fn inspect(app: &App, _actor: Actor, args: PathArgs) -> Result<RestorePreview, ApiError> {
    let (manifest, bytes) = checked(&args.path).await?;
    Ok(RestorePreview {
        path: args.path,
        bytes,
        manifest,
        current: current(app).await?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RestoreStaged {
    pub manifest: Manifest,
    /// The archive of the data as it was just before (in the backup folder).
    pub safety_backup: String,
    /// Whether `app.restart` can finish the restore here (the desktop app) or the user restarts the server.
    pub can_restart: bool,
    pub message: String,
}

pub async fn stage(app: &App, actor: Actor, args: PathArgs) -> Result<RestoreStaged, ApiError> {
    let (manifest, _) = checked(&args.path).await?;
    // The current data is archived first, so the restore can be undone by restoring this one.
    let safety = control::backup_now(app, None).await?;
    let data_dir = app.data_dir().to_owned();
    let path = args.path.clone();
    tokio::task::spawn_blocking(move || restore::stage(&data_dir, std::path::Path::new(&path)))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the staging task failed: {e}")))??;
    let now = to_db(app.clock.now());
    let entry = AuditEntry {
        actor: actor.as_str(),
        action: "backup.restore",
        subject_type: "backup",
        subject_id: args.path.clone(),
        details: serde_json::json!({ "safety_backup": safety.path, "created_at": manifest.created_at }),
    };
    app.store
        .with_tx(move |tx| -> Result<(), ApiError> { Ok(audit::record(tx, &now, &entry)?) })
        .await?;
    let can_restart = app.setup.can_restart();
    let message = if can_restart {
        "The backup is ready to restore. Callboard restarts to finish: campaigns stop and calls in flight end."
    } else {
        "The backup is ready to restore. Stop `callboard serve` and start it again to finish."
    };
    Ok(RestoreStaged {
        manifest,
        safety_backup: safety.path,
        can_restart,
        message: message.to_owned(),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Cancelled {
    pub cancelled: bool,
}

pub async fn cancel(app: &App, _actor: Actor, _args: NoArgs) -> Result<Cancelled, ApiError> {
    let data_dir = app.data_dir().to_owned();
    let cancelled = tokio::task::spawn_blocking(move || restore::cancel(&data_dir))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the task failed: {e}")))?
        .map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                format!("cannot drop the staged restore: {e}"),
            )
        })?;
    Ok(Cancelled { cancelled })
}

#[derive(Debug, Clone, Serialize)]
pub struct Restarting {
    pub restarting: bool,
}

pub async fn restart(app: &App, _actor: Actor, _args: NoArgs) -> Result<Restarting, ApiError> {
    Ok(Restarting {
        restarting: app.setup.request_restart(),
    })
}
