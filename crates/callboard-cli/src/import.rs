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
    import::{self, Control, ImportOptions, SheetChoice, Summary, uploads::Uploads},
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
    #[arg(required_unless_present = "google_sheet", conflicts_with = "google_sheet")]
    pub file: Option<PathBuf>,
    /// Import a Google Sheet instead of a file: its link or id. Read with the service-account key saved
    /// in Settings (or CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON), else CALLBOARD_GOOGLE_API_KEY for a public sheet.
    #[arg(long, value_name = "LINK")]
    pub google_sheet: Option<String>,
    /// With --google-sheet: the range in A1 notation (`Leads!A1:H`) [default: the tab the link names].
    #[arg(long, requires = "google_sheet")]
    pub range: Option<String>,
}

impl ImportArgs {
    /// What is imported, for messages.
    pub(crate) fn source_label(&self) -> String {
        match (&self.file, &self.google_sheet) {
            (Some(f), _) => f.display().to_string(),
            (None, Some(s)) => format!("Google Sheet {s}"),
            (None, None) => String::new(),
        }
    }
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
    // The sheet first: a sheet that cannot be read leaves no campaign behind.
    let (file, fetched_upload) = match (&args.file, &args.google_sheet) {
        (Some(f), _) => (f.clone(), None),
        (None, Some(link)) => {
            let upload = fetch_sheet(data_dir, link, args.range.as_deref())?;
            (upload.1, Some(upload.0))
        }
        (None, None) => return Err(Failure::new("BAD_REQUEST", "give a file or --google-sheet")),
    };
    let store =
        Store::open(&data_dir.join(DATABASE_FILE)).map_err(|e| Failure::new("STORE", e.to_string()))?;
    let now = to_db(SystemClock.now());
    let (campaign, created) = import::find_or_create_campaign(&store, &args.campaign, "cli", &now)
        .map_err(|e| Failure::new("CAMPAIGN", e.message))?;
    let mut opts = ImportOptions::new(&file, campaign.id, region);
    opts.allowed_regions = args.allow_regions.clone();
    if let Some(s) = &args.sheet {
        opts.sheet = SheetChoice::Named(s.clone());
    }
    let summary = import::commit(&store, &opts, &Control::default(), &now)
        .map_err(|e| Failure::new(e.code(), e.to_string()));
    if let Some(id) = fetched_upload {
        Uploads::new(data_dir).remove(&id);
    }
    let summary = summary?;
    Ok(Outcome {
        summary,
        campaign_name: campaign.name,
        campaign_id: campaign.id,
        created,
        via: "database",
    })
}

/// Reads a Google Sheet into an upload in the data dir, with the saved key (secret store, environment
/// first) or an API key from the environment; returns the upload's id and path.
fn fetch_sheet(
    data_dir: &std::path::Path,
    link: &str,
    range: Option<&str>,
) -> Result<(String, std::path::PathBuf), Failure> {
    use callboard_core::{
        import::gsheets::{self, Credentials, SheetsClient},
        secret_store::{self, EnvOverrides, SecretName},
    };
    let sheet_error = |e: gsheets::SheetsError| Failure::new("SHEET", format!("Google Sheets: {e}"));
    let sheet = gsheets::parse_ref(link, range).map_err(sheet_error)?;
    let (store, _warning) = secret_store::open_default(data_dir);
    let saved = secret_store::Credentials::new(store, EnvOverrides::from_env(), None)
        .get(SecretName::GoogleServiceAccountJson)
        .map_err(|e| Failure::new("SECRET_STORE", e.to_string()))?;
    let creds = Credentials::choose(None, None, saved.as_ref().map(|s| s.expose())).map_err(sheet_error)?;
    let client = SheetsClient::from_env().map_err(sheet_error)?;
    let uploads = Uploads::new(data_dir);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new("INTERNAL", format!("cannot start the async runtime: {e}")))?;
    let now = SystemClock.now().as_second();
    let fetched = runtime
        .block_on(callboard_core::api::sheets::fetch_into_upload(
            &client, &uploads, &sheet, &creds, now,
        ))
        .map_err(|e| Failure::new("SHEET", e.message))?;
    let path = uploads
        .path(&fetched.upload_id)
        .map_err(|e| Failure::new("SHEET", e.to_string()))?;
    Ok((fetched.upload_id, path))
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
    println!("{} ({})", args.source_label(), summary.source);
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
