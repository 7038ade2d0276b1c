//! `import.*` commands: preview a file (validate everything, write nothing), commit it in the background with
//! progress events, cancel it, ask its status, and save a column mapping as a template. File work runs on a
//! blocking thread, never on the async executor.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    import::{
        self, Control, ImportError, ImportOptions, Mapping, PreviewRow, SheetChoice, Summary, jobs::JobState,
        uploads::Uploads,
    },
    phone::Region,
    store::import_templates::Template,
};

/// Which file, into which campaign, how. The file is a local `path` or an `upload_id` from
/// `POST /api/uploads` (exactly one of them).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    #[serde(default)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub upload_id: Option<String>,
    pub campaign_id: i64,
    /// Default region for numbers without a country code [default: KW].
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub allowed_regions: Option<Vec<String>>,
    #[serde(default)]
    pub sheet: Option<String>,
    #[serde(default)]
    pub mapping: Option<Mapping>,
    /// Rows the preview returns with their outcome [default: 50].
    #[serde(default)]
    pub limit: Option<usize>,
    /// The preview stops at the header: the mapping, the header row and the format, no rows and no counts
    /// (the wizard's mapping step, which a full read of a big file kept waiting).
    #[serde(default)]
    pub header_only: bool,
}

impl ImportArgs {
    /// The file to read: the local path, or where the upload is stored.
    fn file(&self, app: &App) -> Result<PathBuf, ApiError> {
        match (&self.path, &self.upload_id) {
            (Some(p), None) => Ok(p.clone()),
            (None, Some(id)) => Ok(Uploads::new(app.data_dir()).path(id)?),
            _ => Err(ApiError::new(
                ErrorCode::Validation,
                "give either path (a local file) or upload_id (from POST /api/uploads)",
            )),
        }
    }

    fn options(&self, app: &App) -> Result<ImportOptions, ApiError> {
        let region: Region = self
            .region
            .as_deref()
            .unwrap_or("KW")
            .parse()
            .map_err(|e: crate::phone::UnknownRegion| ApiError::new(ErrorCode::Validation, e.to_string()))?;
        let mut o = ImportOptions::new(self.file(app)?, self.campaign_id, region);
        o.allowed_regions = self.allowed_regions.clone();
        o.mapping = self.mapping.clone();
        if let Some(s) = &self.sheet {
            o.sheet = SheetChoice::Named(s.clone());
        }
        Ok(o)
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => s.into(),
            ImportError::Cancelled => ApiError::new(ErrorCode::Conflict, e.to_string()),
            other => ApiError::new(ErrorCode::Validation, other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreviewOut {
    pub summary: Summary,
    pub rows: Vec<PreviewRow>,
    pub signature: String,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("import task failed: {e}")))?
}

pub async fn preview(app: &App, _actor: Actor, args: ImportArgs) -> Result<PreviewOut, ApiError> {
    let opts = args.options(app)?;
    let limit = args.limit.unwrap_or(50).min(1000);
    let header_only = args.header_only;
    let store = app.store.clone();
    blocking(move || {
        let (summary, rows, signature) = if header_only {
            let (summary, signature) = import::inspect(&store, &opts)?;
            (summary, Vec::new(), signature)
        } else {
            import::preview(&store, &opts, limit)?
        };
        Ok(PreviewOut {
            summary,
            rows,
            signature,
        })
    })
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportRef {
    pub import_id: u64,
}

/// Starts the import in the background and answers at once; `import_progress` events follow, then one
/// `import_finished`.
pub async fn commit(app: &App, _actor: Actor, args: ImportArgs) -> Result<ImportRef, ApiError> {
    let opts = args.options(app)?;
    let upload = args.upload_id.clone();
    let uploads = Uploads::new(app.data_dir());
    let campaign_id = opts.campaign_id;
    // Fail fast on a missing campaign or file, before a job exists.
    app.store
        .read(move |c| crate::store::campaigns::get(c, campaign_id))
        .await?;
    if !opts.file.is_file() {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!("{}: no such file", opts.file.display()),
        ));
    }
    let mut control = Control::default();
    let id = app.imports.start(campaign_id, control.clone());
    let (events, jobs_events) = (app.events.clone(), app.events.clone());
    let app_jobs = app.imports.clone();
    control.set_progress(move |progress| {
        events.emit(Event::ImportProgress {
            import_id: id,
            campaign_id,
            progress,
        });
    });
    let store = app.store.clone();
    let now = to_db(app.clock.now());
    tokio::task::spawn_blocking(move || {
        let (state, summary, error) = match import::commit(&store, &opts, &control, &now) {
            Ok(summary) => {
                // The upload is done with; a cancelled one stays (for a re-run) until the daily sweep.
                if let Some(id) = upload.as_deref().filter(|_| !summary.cancelled) {
                    uploads.remove(id);
                }
                let mut brief = summary.clone();
                brief.errors.truncate(100);
                (JobState::Done { summary }, Some(brief), None)
            }
            Err(e) => {
                let (code, message) = (e.code().to_owned(), e.to_string());
                let api: ApiError = e.into();
                (JobState::Failed { code, message }, None, Some(api))
            }
        };
        app_jobs.set(id, state);
        jobs_events.emit(Event::ImportFinished {
            import_id: id,
            campaign_id,
            summary,
            error,
        });
    });
    Ok(ImportRef { import_id: id })
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportIdArgs {
    pub import_id: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CancelOut {
    pub import_id: u64,
    /// False when the import had already finished.
    pub cancelled: bool,
}

pub async fn cancel(app: &App, _actor: Actor, args: ImportIdArgs) -> Result<CancelOut, ApiError> {
    let cancelled = app
        .imports
        .cancel(args.import_id)
        .ok_or_else(|| not_found(args.import_id))?;
    Ok(CancelOut {
        import_id: args.import_id,
        cancelled,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusOut {
    pub import_id: u64,
    pub campaign_id: i64,
    #[serde(flatten)]
    pub state: JobState,
}

pub async fn status(app: &App, _actor: Actor, args: ImportIdArgs) -> Result<StatusOut, ApiError> {
    let (campaign_id, state) = app
        .imports
        .get(args.import_id)
        .ok_or_else(|| not_found(args.import_id))?;
    Ok(StatusOut {
        import_id: args.import_id,
        campaign_id,
        state,
    })
}

fn not_found(id: u64) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("import {id} does not exist"))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateArgs {
    pub name: String,
    /// The header cells the mapping is for (as the preview's `summary.mapping` lists them).
    pub header: Vec<String>,
    pub mapping: Mapping,
}

pub async fn save_template(app: &App, _actor: Actor, args: TemplateArgs) -> Result<Template, ApiError> {
    let name = crate::validation::name("name", &args.name, 120)?;
    let store = app.store.clone();
    let now = to_db(app.clock.now());
    blocking(move || {
        Ok(import::save_template(
            &store,
            &name,
            &args.header,
            &args.mapping,
            &now,
        )?)
    })
    .await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorsOut {
    pub import_id: u64,
    /// A file name to save it under.
    pub filename: String,
    /// Failed rows listed (may be fewer than the failures when the summary was truncated).
    pub rows: usize,
    /// The errors CSV (see `import::errors_csv`).
    pub csv: String,
}

/// The errors CSV of a finished import (`GET /api/imports/{id}/errors.csv` serves the same bytes).
pub async fn errors(app: &App, _actor: Actor, args: ImportIdArgs) -> Result<ErrorsOut, ApiError> {
    let summary = finished_summary(app, args.import_id)?;
    let bytes = import::errors_csv::to_bytes(&summary)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot write the errors CSV: {e}")))?;
    Ok(ErrorsOut {
        import_id: args.import_id,
        filename: errors_filename(args.import_id),
        rows: summary.errors.len(),
        csv: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

pub fn errors_filename(import_id: u64) -> String {
    format!("import-{import_id}-errors.csv")
}

/// The full summary of a finished import, or why there is none.
pub fn finished_summary(app: &App, import_id: u64) -> Result<Summary, ApiError> {
    match app.imports.get(import_id).ok_or_else(|| not_found(import_id))?.1 {
        JobState::Done { summary } => Ok(summary),
        JobState::Running { .. } => Err(ApiError::new(
            ErrorCode::Conflict,
            format!("import {import_id} is still running; its errors are ready when it finishes"),
        )),
        JobState::Failed { message, .. } => Err(ApiError::new(
            ErrorCode::Validation,
            format!("import {import_id} failed before any row was checked: {message}"),
        )),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadPieceArgs {
    /// None for the first piece (which starts the upload), then the id it answered.
    #[serde(default)]
    pub upload_id: Option<String>,
    /// The file's name (its extension chooses the format); used with the first piece.
    #[serde(default)]
    pub name: String,
    /// The piece, base64 (standard alphabet). Pieces up to 4 MB keep the request under the 8 MB limit.
    pub data_base64: String,
}

/// Uploads a file in pieces through the command table: the desktop app's way (its IPC has no streaming
/// body); a browser uses `POST /api/uploads`. Answers like that route.
pub async fn upload_piece(
    app: &App,
    _actor: Actor,
    args: UploadPieceArgs,
) -> Result<crate::listener::ui_files::Uploaded, ApiError> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(args.data_base64.as_bytes())
        .map_err(|e| ApiError::new(ErrorCode::BadRequest, format!("data_base64: not base64: {e}")))?;
    let uploads = Uploads::new(app.data_dir());
    blocking(move || {
        let (upload_id, name, bytes) = uploads
            .append_piece(args.upload_id.as_deref(), &args.name, &bytes)
            .map_err(|e| match e {
                crate::import::uploads::UploadError::TooLarge => {
                    ApiError::new(ErrorCode::Validation, e.to_string())
                }
                crate::import::uploads::UploadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                    ApiError::new(ErrorCode::NotFound, io.to_string())
                }
                other => ApiError::new(ErrorCode::Internal, other.to_string()),
            })?;
        Ok(crate::listener::ui_files::Uploaded {
            upload_id,
            name,
            bytes,
        })
    })
    .await
}
