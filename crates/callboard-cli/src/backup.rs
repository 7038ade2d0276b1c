//! `callboard backup --data-dir DIR --out FILE` and `callboard restore --data-dir DIR FILE`. Backup reads the
//! database through SQLite's online backup API, so it is safe next to a running app; restore only writes
//! into a data dir without a database and refuses archives from a newer Callboard.

use std::{path::PathBuf, process::ExitCode};

use callboard_core::setup::backup;
use clap::Args;

use crate::DataDirArg;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// The archive to write [default: a time-stamped file in DATA_DIR/backups].
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    /// The archive written by `callboard backup` or the app.
    file: PathBuf,
}

pub fn backup(args: &BackupArgs) -> ExitCode {
    let data_dir = args.data_dir.resolve();
    let stamp = jiff::Timestamp::now().to_string();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| data_dir.join("backups").join(backup::file_name(&stamp)));
    match backup::create(&data_dir, &out, &stamp) {
        Ok(s) => {
            println!(
                "Backup written: {} ({} bytes, schema {}, {} recordings)",
                s.path, s.bytes, s.manifest.schema_version, s.manifest.recordings
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: backup failed: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn restore(args: &RestoreArgs) -> ExitCode {
    let data_dir = args.data_dir.resolve();
    match backup::restore(&args.file, &data_dir) {
        Ok(m) => {
            println!(
                "Restored into {} (backup from {}, Callboard {}, schema {}, {} recordings)",
                data_dir.display(),
                m.created_at,
                m.app_version,
                m.schema_version,
                m.recordings
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: restore failed: {e}");
            ExitCode::FAILURE
        }
    }
}
