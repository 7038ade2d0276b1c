//! Recording retention: recordings of calls that ended more than Settings' `recording_retention_days` ago
//! are deleted from the recordings folder and unlinked from their calls; the call, its transcript and its
//! analysis stay. Runs at start and hourly ([`spawn`]), a bounded batch at a time so a first sweep over a
//! large archive never holds the writer for long.

use std::{io, sync::Arc, time::Duration};

use jiff::SignedDuration;
use rusqlite::params;
use tokio_util::sync::CancellationToken;

use crate::{
    app::App, clock::to_db, media::session::RECORDINGS_DIR, setup::settings::Settings, store::StoreResult,
};

/// Most recordings looked at per batch.
const BATCH: i64 = 500;
const EVERY: Duration = Duration::from_secs(3600);

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Files deleted.
    pub deleted: usize,
    /// Calls whose file was already gone (unlinked all the same).
    pub missing: usize,
    /// Files that could not be deleted (left linked, tried again next time).
    pub failed: usize,
}

/// Whether a stored path (relative to the data dir) names a file directly in `dir`: what may be deleted.
pub(crate) fn directly_in(rel: &str, dir: &str) -> bool {
    rel.strip_prefix(dir)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|name| !name.is_empty() && !name.contains(['/', '\\']) && name != "..")
}

fn in_recordings(rel: &str) -> bool {
    directly_in(rel, RECORDINGS_DIR)
}

/// Deletes the recordings past the retention period (see the module doc).
pub async fn sweep(app: &App) -> StoreResult<Swept> {
    let settings = app.store.read(Settings::load).await?;
    let cutoff = to_db(
        app.clock.now() - SignedDuration::from_hours(24 * i64::from(settings.recording_retention_days)),
    );
    let mut swept = Swept::default();
    let mut after = 0_i64;
    loop {
        let cutoff = cutoff.clone();
        let due: Vec<(i64, String)> = app
            .store
            .read(move |c| -> StoreResult<_> {
                let mut stmt = c.prepare_cached(
                    "SELECT id, recording_path FROM calls WHERE recording_path IS NOT NULL AND id > ?1 \
                     AND COALESCE(ended_at, updated_at) < ?2 ORDER BY id LIMIT ?3",
                )?;
                let rows = stmt
                    .query_map(params![after, cutoff, BATCH], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .await?;
        let Some(&(last, _)) = due.last() else {
            break;
        };
        after = last;
        let mut unlink = Vec::new();
        for (id, rel) in due {
            if !in_recordings(&rel) {
                tracing::warn!(call_id = id, path = %rel, "a recording path outside the recordings folder is left alone");
                continue;
            }
            match std::fs::remove_file(app.data_dir().join(&rel)) {
                Ok(()) => swept.deleted += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => swept.missing += 1,
                Err(e) => {
                    tracing::warn!(call_id = id, error = %e, "cannot delete an expired recording");
                    swept.failed += 1;
                    continue;
                }
            }
            unlink.push(id);
        }
        let now = to_db(app.clock.now());
        app.store
            .with_tx(move |tx| -> StoreResult<()> {
                let mut stmt = tx.prepare_cached(
                    "UPDATE calls SET recording_path = NULL, updated_at = ?2 WHERE id = ?1",
                )?;
                for id in unlink {
                    stmt.execute(params![id, now])?;
                }
                Ok(())
            })
            .await?;
    }
    if swept != Swept::default() {
        tracing::info!(
            deleted = swept.deleted,
            missing = swept.missing,
            failed = swept.failed,
            days = settings.recording_retention_days,
            "expired recordings removed"
        );
    }
    Ok(swept)
}

/// Sweeps now and then hourly until `stop`.
pub fn spawn(app: Arc<App>, stop: CancellationToken) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = tick.tick() => {}
            }
            if let Err(e) = sweep(&app).await {
                tracing::warn!(error = %e, "cannot sweep expired recordings");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_directly_in_the_recordings_folder_are_deleted() {
        assert!(in_recordings("recordings/call-7.wav"));
        assert!(in_recordings("recordings/conv_abc.mp3"));
        for bad in [
            "recordings/",
            "recordings/../callboard.db",
            "recordings/a/b.wav",
            "callboard.db",
            "/etc/passwd",
            "recordings/..",
        ] {
            assert!(!in_recordings(bad), "{bad}");
        }
    }
}
