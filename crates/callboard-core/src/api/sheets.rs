//! `import.fetch_sheet`: reads a Google Sheet (link or id, optional A1 range) and stores its rows as a CSV
//! upload, so preview and commit take it by `upload_id` like any uploaded file. Credentials come with the
//! request (a service-account key's JSON or an API key) or from the environment
//! (`CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON`, `CALLBOARD_GOOGLE_API_KEY`); they are used for this one read
//! and never stored or logged. (The OS keychain will hold them once the secret store lands.)

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode};
use crate::{
    app::App,
    import::{
        gsheets::{self, Credentials, SheetRef, SheetsClient, SheetsError},
        uploads::Uploads,
    },
};

/// No `Debug`: it carries keys.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchSheetArgs {
    /// A Google Sheets link or spreadsheet id.
    pub sheet: String,
    /// A1 notation (`Leads!A1:H`); default: the whole tab the link points at, else the first tab.
    #[serde(default)]
    pub range: Option<String>,
    #[serde(default)]
    pub api_key: Option<String>,
    /// The service-account key file's JSON, as text.
    #[serde(default)]
    pub service_account_json: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchedSheet {
    pub upload_id: String,
    /// `<tab title>.csv`
    pub name: String,
    pub bytes: u64,
    /// Rows read, the header included.
    pub rows: usize,
}

impl From<SheetsError> for ApiError {
    fn from(e: SheetsError) -> Self {
        let code = match &e {
            SheetsError::Network(_) | SheetsError::Unexpected(_) => ErrorCode::Internal,
            _ => ErrorCode::Validation,
        };
        ApiError::new(code, format!("Google Sheets: {e}"))
    }
}

pub async fn fetch_sheet(app: &App, _actor: Actor, args: FetchSheetArgs) -> Result<FetchedSheet, ApiError> {
    let sheet = gsheets::parse_ref(&args.sheet, args.range.as_deref())?;
    let creds = Credentials::choose(args.service_account_json.as_deref(), args.api_key.as_deref())?;
    let client = SheetsClient::from_env()?;
    let now = app.clock.now().as_second();
    fetch_into_upload(&client, &Uploads::new(app.data_dir()), &sheet, &creds, now).await
}

/// Reads the sheet and stores it as an upload (the part tests run against a mock server).
pub async fn fetch_into_upload(
    client: &SheetsClient,
    uploads: &Uploads,
    sheet: &SheetRef,
    creds: &Credentials,
    now: i64,
) -> Result<FetchedSheet, ApiError> {
    let values = client.values(sheet, creds, now).await?;
    if values.rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(ApiError::new(
            ErrorCode::Validation,
            format!(
                "Google Sheets: '{}' has no rows{}",
                values.title,
                sheet.range.as_ref().map_or(String::new(), |r| format!(" in {r}"))
            ),
        ));
    }
    let csv = gsheets::to_csv(&values.rows)?;
    let rows = values.rows.len();
    let uploads = uploads.clone();
    let name = format!(
        "{}.csv",
        if values.title.is_empty() {
            "Google Sheet"
        } else {
            &values.title
        }
    );
    tokio::task::spawn_blocking(move || {
        let mut up = uploads.create(&name)?;
        up.append(&csv)?;
        let upload_id = up.id.clone();
        let name = up
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = up.finish()?;
        Ok::<_, crate::import::uploads::UploadError>(FetchedSheet {
            upload_id,
            name,
            bytes,
            rows,
        })
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("sheet task failed: {e}")))?
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}
