//! `callboard import --data-dir DIR --campaign NAME [--region KW] [--json] [--errors FILE] FILE`: imports a
//! contact file into a campaign (created as a draft when it does not exist) and prints a summary; with
//! `--json`, one object with `total`, `imported`, `invalid`, `duplicates`, `suppressed` and
//! `errors: [{row, code, message}]`; with `--errors`, the failed rows as CSV (row, code, message, original
//! cells), ready to fix and import again. When a `callboard serve` (or the desktop app) runs on the data dir,
//! the import goes through it (see `remote`), so its writer is the only one; otherwise it writes directly.
//! Exits 0 when the file was read (bad rows are reported, not fatal) and 1 when it could not be.

mod remote;

use std::{path::PathBuf, process::ExitCode};

use callboard_core::{
    app::DATABASE_FILE,
    clock::{Clock, SystemClock, to_db},
    import::{self, Control, ImportOptions, SheetChoice, Summary},
    phone::Region,
    store::Store,
};
use clap::Args;
use serde_json::json;

use crate::DataDirArg;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub data_dir: DataDirArg,
    /// The campaign to add the contacts to; created as a draft if it does not exist.
    #[arg(long)]
    pub campaign: String,
    /// Default region for numbers written without a country code (ISO code: KW, IN, US, …).
    #[arg(long, default_value = "KW")]
    pub region: String,
    /// Reject numbers from other regions (comma-separated ISO codes) with WRONG_REGION.
    #[arg(long, value_delimiter = ',')]
    pub allow_regions: Option<Vec<String>>,
    /// The sheet to read from a workbook [default: the first non-empty one].
    #[arg(long)]
    pub sheet: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the rows that were not imported to this CSV file (row, code, message, original cells).
    #[arg(long)]
    pub errors: Option<PathBuf>,
    /// CSV, TSV, XLSX, XLSM, XLSB, XLS or ODS.
    pub file: PathBuf,
}

/// A failed import: a stable code and a message naming the file.
pub(crate) struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    pub fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// What either path produced.
pub(crate) struct Outcome {
    pub summary: Summary,
    pub campaign_name: String,
    pub campaign_id: i64,
    pub created: bool,
    /// "serve" or "database".
    pub via: &'static str,
}

fn fail(json_out: bool, f: &Failure) -> ExitCode {
    if json_out {
        println!("{}", json!({ "error": { "code": f.code, "message": f.message } }));
    } else {
        eprintln!("import failed: {}", f.message);
    }
    ExitCode::FAILURE
}

pub fn run(args: ImportArgs) -> ExitCode {
    if let Err(e) = args.region.parse::<Region>() {
        return fail(args.json, &Failure::new("BAD_REQUEST", e.to_string()));
    }
    let data_dir = args.data_dir.resolve();
    let outcome = match remote::running_instance(&data_dir) {
        Some(instance) => remote::import(&instance, &args),
        None => direct(&data_dir, &args),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(f) => return fail(args.json, &f),
    };
    if let Some(path) = &args.errors {
        let written = match outcome.via {
            "serve" => Ok(()),
            _ => std::fs::File::create(path)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    import::errors_csv::write(std::io::BufWriter::new(f), &outcome.summary)
                        .map_err(|e| e.to_string())
                }),
        };
        if let Err(e) = written {
            return fail(
                args.json,
                &Failure::new("ERRORS_FILE", format!("{}: cannot write: {e}", path.display())),
            );
        }
    }
    print(&args, &outcome);
    ExitCode::SUCCESS
}

/// No instance runs: open the store and import here.
fn direct(data_dir: &std::path::Path, args: &ImportArgs) -> Result<Outcome, Failure> {
    let region: Region = args
        .region
        .parse()
        .map_err(|e: callboard_core::phone::UnknownRegion| Failure::new("BAD_REQUEST", e.to_string()))?;
    let store =
        Store::open(&data_dir.join(DATABASE_FILE)).map_err(|e| Failure::new("STORE", e.to_string()))?;
    let now = to_db(SystemClock.now());
    let (campaign, created) = import::find_or_create_campaign(&store, &args.campaign, "cli", &now)
        .map_err(|e| Failure::new("CAMPAIGN", e.message))?;
    let mut opts = ImportOptions::new(&args.file, campaign.id, region);
    opts.allowed_regions = args.allow_regions.clone();
    if let Some(s) = &args.sheet {
        opts.sheet = SheetChoice::Named(s.clone());
    }
    let summary = import::commit(&store, &opts, &Control::default(), &now)
        .map_err(|e| Failure::new(e.code(), e.to_string()))?;
    Ok(Outcome {
        summary,
        campaign_name: campaign.name,
        campaign_id: campaign.id,
        created,
        via: "database",
    })
}

fn print(args: &ImportArgs, o: &Outcome) {
    let summary = &o.summary;
    if args.json {
        let mut v = serde_json::to_value(summary).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("campaign".into(), json!(o.campaign_name));
            obj.insert("campaign_id".into(), json!(o.campaign_id));
            obj.insert("campaign_created".into(), json!(o.created));
            obj.insert("via".into(), json!(o.via));
            if let Some(p) = &args.errors {
                obj.insert("errors_file".into(), json!(p.display().to_string()));
            }
        }
        println!("{v}");
        return;
    }
    if o.created {
        println!(
            "campaign '{}' did not exist: created it as a draft",
            o.campaign_name
        );
    }
    if o.via == "serve" {
        println!("imported through the running instance on this data dir");
    }
    println!("{} ({})", args.file.display(), summary.source);
    println!(
        "{} rows: {} imported, {} invalid, {} duplicates, {} on the do-not-call list",
        summary.total, summary.imported, summary.invalid, summary.duplicates, summary.suppressed
    );
    for e in summary.errors.iter().take(20) {
        println!("  row {}: {} {}", e.row, e.code.as_str(), e.message);
    }
    if summary.errors.len() > 20 {
        println!(
            "  … and {} more (use --json or --errors FILE for all)",
            summary.errors.len() - 20
        );
    }
    if let Some(p) = &args.errors {
        println!("failed rows written to {}", p.display());
    }
}
