//! The tracing subscriber `callboard serve` and the desktop app install: human-readable lines on stderr and a
//! daily-rolling file in the data dir's `logs/` folder (two weeks kept). `RUST_LOG` overrides the default level.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, Layer, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the subscriber, logging to `logs/<file_prefix>.<date>.log`; keep the guard alive so the file
/// writer flushes on exit. A log folder that cannot be opened leaves stderr only, with a warning.
pub fn init(data_dir: &Path, file_prefix: &str) -> Option<WorkerGuard> {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    // The appender prunes old files by reading the folder as it builds, and prints an error to stderr when
    // the folder does not exist yet (every first start); creating it first keeps that out of the output.
    let logs = data_dir.join("logs");
    let _ = std::fs::create_dir_all(&logs);
    let file = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(file_prefix)
        .filename_suffix("log")
        .max_log_files(14)
        .build(&logs);
    let stderr = fmt::layer().with_writer(std::io::stderr).with_filter(filter());
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file_layer)
                .init();
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(error = %e, "cannot open the log folder; logging to stderr only");
            None
        }
    }
}
