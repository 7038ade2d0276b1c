//! `callboard import --data-dir DIR --campaign NAME [--region KW] [--json] FILE`: imports a contact file into
//! a campaign (created as a draft when it does not exist) and prints a summary; with `--json`, one object
//! with `total`, `imported`, `invalid`, `duplicates`, `suppressed` and `errors: [{row, code, message}]`.
//! Exits 0 when the file was read (bad rows are reported, not fatal) and 1 when it could not be.

use std::{path::PathBuf, process::ExitCode};

use callboard_core::{
    app::DATABASE_FILE,
    clock::{Clock, SystemClock, to_db},
    import::{self, Control, ImportOptions, SheetChoice},
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
    /// CSV, TSV, XLSX, XLSM, XLSB, XLS or ODS.
    pub file: PathBuf,
}

fn fail(json_out: bool, code: &str, message: &str) -> ExitCode {
    if json_out {
        println!("{}", json!({ "error": { "code": code, "message": message } }));
    } else {
        eprintln!("import failed: {message}");
    }
    ExitCode::FAILURE
}

pub fn run(args: ImportArgs) -> ExitCode {
    let region: Region = match args.region.parse() {
        Ok(r) => r,
        Err(e) => return fail(args.json, "BAD_REQUEST", &e.to_string()),
    };
    let data_dir = args.data_dir.resolve();
    let store = match Store::open(&data_dir.join(DATABASE_FILE)) {
        Ok(s) => s,
        Err(e) => return fail(args.json, "STORE", &e.to_string()),
    };
    let now = to_db(SystemClock.now());
    let (campaign, created) = match import::find_or_create_campaign(&store, &args.campaign, "cli", &now) {
        Ok(c) => c,
        Err(e) => return fail(args.json, "CAMPAIGN", &e.message),
    };
    if created && !args.json {
        println!(
            "campaign '{}' did not exist: created it as a draft",
            campaign.name
        );
    }
    let mut opts = ImportOptions::new(&args.file, campaign.id, region);
    opts.allowed_regions = args.allow_regions.clone();
    if let Some(s) = &args.sheet {
        opts.sheet = SheetChoice::Named(s.clone());
    }
    let summary = match import::commit(&store, &opts, &Control::default(), &now) {
        Ok(s) => s,
        Err(e) => return fail(args.json, e.code(), &e.to_string()),
    };
    if args.json {
        let mut v = serde_json::to_value(&summary).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("campaign".into(), json!(campaign.name));
            obj.insert("campaign_id".into(), json!(campaign.id));
            obj.insert("campaign_created".into(), json!(created));
        }
        println!("{v}");
        return ExitCode::SUCCESS;
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
        println!("  … and {} more (use --json for all)", summary.errors.len() - 20);
    }
    ExitCode::SUCCESS
}
