//! Putting settings into effect on a running app: the public URL (and the self-test that follows a change),
//! the tunnel supervisor, and scheduled backups. Launch calls [`on_start`]; `settings.update` calls
//! [`apply`] with the old and new settings.

use std::{path::PathBuf, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;

use super::{
    backup::{self, BackupError, BackupSummary},
    settings::{Settings, TunnelMode},
    tunnel::{self, TunnelCommand},
};
use crate::{app::App, clock::to_db};

/// Applies the stored settings at start: URL, tunnel, self-test, backup schedule.
pub async fn on_start(app: &Arc<App>, settings: &Settings, stop: CancellationToken) {
    app.setup.set_settings_url(settings.public_base_url.clone());
    app.refresh_public_url();
    if settings.tunnel == TunnelMode::Cloudflared {
        start_tunnel(app).await;
    }
    if app.setup.public_url().is_some() {
        let app = app.clone();
        tokio::spawn(async move {
            super::selftest::run(&app).await;
        });
    }
    super::retention::spawn(app.clone(), stop.clone());
    tokio::spawn(backup_schedule(app.clone(), stop));
}

/// Applies a settings change.
pub async fn apply(app: &App, before: &Settings, after: &Settings) {
    if before.public_base_url != after.public_base_url {
        app.setup.set_settings_url(after.public_base_url.clone());
        app.refresh_public_url();
        if let Some(app) = app.setup.app() {
            tokio::spawn(async move {
                super::selftest::run(&app).await;
            });
        }
    }
    if before.tunnel != after.tunnel
        && let Some(app) = app.setup.app()
    {
        match after.tunnel {
            TunnelMode::Cloudflared => start_tunnel(&app).await,
            TunnelMode::Manual => stop_tunnel(&app).await,
        }
    }
}

/// Starts the tunnel supervisor (no-op when one runs).
pub async fn start_tunnel(app: &Arc<App>) {
    let mut slot = app.setup.tunnel.lock().await;
    if slot.is_some() {
        return;
    }
    let port = app.setup.public_port.load(std::sync::atomic::Ordering::Relaxed);
    *slot = Some(tunnel::supervise(
        app.clone(),
        TunnelCommand::cloudflared(port),
        Duration::from_secs(1),
    ));
}

pub async fn stop_tunnel(app: &App) {
    let handle = app.setup.tunnel.lock().await.take();
    if let Some(h) = handle {
        h.stop().await;
    }
}

/// Where scheduled (and default on-demand) archives go.
pub fn backup_dir(app: &App, settings: &Settings) -> PathBuf {
    settings
        .backup
        .dir
        .as_ref()
        .map_or_else(|| app.data_dir().join("backups"), PathBuf::from)
}

/// Takes a backup now, into `out` or the backup folder; runs off the async executor.
pub async fn backup_now(app: &App, out: Option<PathBuf>) -> Result<BackupSummary, BackupError> {
    let settings = app.store.read(Settings::load).await.map_err(BackupError::Store)?;
    let stamp = to_db(app.clock.now());
    let out = out.unwrap_or_else(|| backup_dir(app, &settings).join(backup::file_name(&stamp)));
    let data_dir = app.data_dir().to_owned();
    tokio::task::spawn_blocking(move || backup::create(&data_dir, &out, &stamp))
        .await
        .map_err(|e| BackupError::BadArchive(format!("the backup task failed: {e}")))?
}

/// Every hour: when scheduled backups are on and the newest archive is older than `every_hours`, takes one
/// and prunes to `keep`.
async fn backup_schedule(app: Arc<App>, stop: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Ok(settings) = app.store.read(Settings::load).await else {
            continue;
        };
        if !settings.backup.enabled {
            continue;
        }
        let dir = backup_dir(&app, &settings);
        let newest_age = newest_archive_age(&dir);
        if newest_age
            .is_some_and(|age| age < Duration::from_secs(u64::from(settings.backup.every_hours) * 3600))
        {
            continue;
        }
        match backup_now(&app, None).await {
            Ok(s) => {
                tracing::info!(path = %s.path, "scheduled backup written");
                if let Err(e) = backup::prune(&dir, settings.backup.keep as usize) {
                    tracing::warn!(error = %e, "cannot prune old backups");
                }
            }
            Err(e) => app.events.emit(crate::events::Event::Alert {
                kind: "backup".into(),
                campaign_id: None,
                message: format!("The scheduled backup failed: {e}"),
            }),
        }
    }
}

fn newest_archive_age(dir: &std::path::Path) -> Option<Duration> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("callboard-backup-"))
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
        .and_then(|t| t.elapsed().ok())
}
