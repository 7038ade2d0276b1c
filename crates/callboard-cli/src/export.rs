//! `callboard export --data-dir DIR (calls|contacts|events) --format csv|xlsx|json [--out FILE]`: every call,
//! every contact, or the webhook journal, with the design.md §3 columns first (core `export::datasets`).
//! Reads the store directly; safe next to a running instance (SQLite WAL readers do not block the writer).
//! With `--out`, the file appears complete or not at all (written beside it, then renamed).

use std::{
    io::{BufWriter, Write},
    path::Path,
    process::ExitCode,
};

use callboard_core::{
    app::DATABASE_FILE,
    export::{
        Format,
        datasets::{self, Dataset},
    },
    store::Store,
};

use crate::{ExportArgs, ExportFormat, ExportWhat};

pub fn run(data_dir: &Path, args: &ExportArgs) -> ExitCode {
    match export(data_dir, args) {
        Ok(rows) => {
            if let Some(out) = &args.out {
                eprintln!("{rows} rows written to {}", out.display());
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn export(data_dir: &Path, args: &ExportArgs) -> Result<u64, String> {
    let db = data_dir.join(DATABASE_FILE);
    if !db.exists() {
        return Err(format!("no database at {}", db.display()));
    }
    let dataset = match args.what {
        ExportWhat::Calls => Dataset::Calls,
        ExportWhat::Contacts => Dataset::Contacts,
        ExportWhat::Events => Dataset::Events,
    };
    let format = match args.format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Json => Format::Json,
        ExportFormat::Xlsx => Format::Xlsx,
    };
    if format == Format::Xlsx && args.out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err("an XLSX file is binary: give --out FILE (or redirect the output)".into());
    }
    let store = Store::open(&db).map_err(|e| e.to_string())?;
    let run = |out: Box<dyn Write + Send>| {
        store
            .read_blocking(move |c| Ok(datasets::export(c, dataset, format, out)))
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    };
    match &args.out {
        Some(path) => {
            let tmp = path.with_extension(format!("{}.part", format.extension()));
            let file =
                std::fs::File::create(&tmp).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
            let written = file
                .try_clone()
                .map_err(|e| e.to_string())
                .and_then(|f| run(Box::new(BufWriter::new(f))));
            let synced = written.and_then(|(rows, _)| {
                file.sync_all()
                    .map(|()| rows)
                    .map_err(|e| format!("cannot write {}: {e}", tmp.display()))
            });
            let rows = synced.inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
            std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(rows)
        }
        None => run(Box::new(BufWriter::new(std::io::stdout()))).map(|(rows, _)| rows),
    }
}
