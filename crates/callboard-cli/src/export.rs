//! `callboard export --data-dir DIR events --format json|csv [--out FILE]`: the webhook journal with the
//! design.md §3 event columns (`id, provider, type, idempotency_key, status, error, received_at`). Reads the
//! store directly; safe next to a running instance (SQLite WAL readers do not block the writer).

use std::{io::Write, path::Path, process::ExitCode};

use callboard_core::{
    app::DATABASE_FILE,
    store::{Store, call_events},
};

use crate::{ExportArgs, ExportFormat, ExportWhat};

const EVENT_COLUMNS: [&str; 7] = [
    "id",
    "provider",
    "type",
    "idempotency_key",
    "status",
    "error",
    "received_at",
];

pub fn run(data_dir: &Path, args: &ExportArgs) -> ExitCode {
    match export(data_dir, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn export(data_dir: &Path, args: &ExportArgs) -> Result<(), String> {
    if !matches!(args.what, ExportWhat::Events) {
        return Err("only `events` can be exported by this build; calls and contacts come later".into());
    }
    let db = data_dir.join(DATABASE_FILE);
    if !db.exists() {
        return Err(format!("no database at {}", db.display()));
    }
    let store = Store::open(&db).map_err(|e| e.to_string())?;
    let rows = store
        .read_blocking(call_events::list)
        .map_err(|e| e.to_string())?;
    let text = match args.format {
        ExportFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id, "provider": r.provider, "type": r.kind,
                        "idempotency_key": r.idempotency_key, "status": r.status, "error": r.error,
                        "received_at": r.received_at,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&items).map_err(|e| e.to_string())? + "\n"
        }
        ExportFormat::Csv => {
            let mut out = EVENT_COLUMNS.join(",") + "\n";
            for r in &rows {
                let fields = [
                    r.id.to_string(),
                    r.provider.clone(),
                    r.kind.clone(),
                    r.idempotency_key.clone(),
                    r.status.clone(),
                    r.error.clone().unwrap_or_default(),
                    r.received_at.clone(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
            out
        }
    };
    match &args.out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    }
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. A leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_field(f: &str) -> String {
    let f = if f.starts_with(['=', '+', '-', '@']) {
        format!("'{f}")
    } else {
        f.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
