//! `import.fetch_sheet`: reads a Google Sheet (link or id, optional A1 range) and stores its rows as a CSV
//! upload, so preview and commit take it by `upload_id` like any uploaded file. Credentials come with the
//! request (a service-account key's JSON or an API key, used for this one read and never stored or logged),
//! else the service-account key saved in the secret store (`google.service_account_json`, which
//! `CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON` overrides), else `CALLBOARD_GOOGLE_API_KEY`.
//! `import.sheets_account` tells the UI which account reads the sheets, so the user knows whom to share
//! them with.

use serde::{Deserialize, Serialize};

use super::{Actor, ApiError, ErrorCode, NoArgs};
use crate::{
    app::App,
    import::{
        gsheets::{self, Credentials, SheetRef, SheetsClient, SheetsError},
        uploads::Uploads,
    },
    secret_store::{SecretName, SecretSource},
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
    let saved = saved_service_account(app).await?;
    let creds = Credentials::choose(
        args.service_account_json.as_deref(),
        args.api_key.as_deref(),
        saved.as_ref().map(|s| s.expose()),
    )?;
    let client = SheetsClient::from_env()?;
    let now = app.clock.now().as_second();
    fetch_into_upload(&client, &Uploads::new(app.data_dir()), &sheet, &creds, now).await
}

/// The saved service-account key's JSON (environment first, then the secret store).
async fn saved_service_account(app: &App) -> Result<Option<crate::secret::Secret>, ApiError> {
    let creds = app.credentials();
    tokio::task::spawn_blocking(move || creds.get(SecretName::GoogleServiceAccountJson))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("secret store task failed: {e}")))?
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// Which Google account reads sheets when the request brings no key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetsAccount {
    /// The saved service account's address (share sheets with it); `None` when no key is saved.
    pub client_email: Option<String>,
    /// Where the key comes from (`env` or `store`), as `secret.status` says.
    pub source: Option<SecretSource>,
    /// The saved key cannot be used (why); the UI asks for a new one.
    pub problem: Option<String>,
    /// `CALLBOARD_GOOGLE_API_KEY` is set, so public sheets work without a key in the request.
    pub api_key_from_env: bool,
}

pub async fn sheets_account(app: &App, _actor: Actor, _args: NoArgs) -> Result<SheetsAccount, ApiError> {
    let creds = app.credentials();
    let (saved, status) = tokio::task::spawn_blocking(move || {
        let name = SecretName::GoogleServiceAccountJson;
        let status = creds.statuses()?.into_iter().find(|s| s.name == name);
        Ok::<_, crate::secret_store::SecretStoreError>((creds.get(name)?, status))
    })
    .await
    .map_err(|e| ApiError::new(ErrorCode::Internal, format!("secret store task failed: {e}")))?
    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let (client_email, problem) = match saved.as_ref().map(|s| Credentials::service_account(s.expose())) {
        Some(Ok(Credentials::ServiceAccount(key))) => (Some(key.client_email), None),
        Some(Ok(Credentials::ApiKey(_))) | None => (None, None),
        Some(Err(e)) => (None, Some(e.to_string())),
    };
    Ok(SheetsAccount {
        client_email,
        source: status.and_then(|s| s.source),
        problem,
        api_key_from_env: std::env::var(gsheets::ENV_API_KEY).is_ok_and(|v| !v.trim().is_empty()),
    })
}

/// Refuses a value saved as `google.service_account_json` that is not a usable key file, before it is kept.
pub fn check_service_account_json(json: &str) -> Result<(), ApiError> {
    Credentials::service_account(json).map(|_| ()).map_err(|e| {
        ApiError::invalid_fields(vec![crate::validation::ValidationError::new(
            "value",
            e.to_string(),
        )])
    })
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
