//! What went wrong reading a sheet, in plain words: Google's error answers (`{"error": {code, message,
//! status, details}}`) become what the user should do: share the sheet with the service account, enable
//! the API, fix the range, check the link.

use serde::Deserialize;

use super::{Credentials, SheetRef};

#[derive(Debug, thiserror::Error)]
pub enum SheetsError {
    #[error(
        "'{0}' is not a Google Sheets link or spreadsheet id (expected https://docs.google.com/spreadsheets/d/…)"
    )]
    BadLink(String),
    #[error(
        "no Google credentials: save a service-account key in Settings › Google Sheets, give an API key \
         for a sheet anyone with the link can view, or set CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON or \
         CALLBOARD_GOOGLE_API_KEY"
    )]
    NoCredentials,
    #[error("the service-account key cannot be used: {0}")]
    BadKey(String),
    #[error(
        "Google refused the service-account key of {email} ({reason}); check that the key has not been deleted \
         in the Cloud console and that this computer's clock is right"
    )]
    TokenRefused { email: String, reason: String },
    #[error("the spreadsheet has no tab with gid {0}")]
    NoSuchTab(String),
    /// The explained answer of the Sheets API.
    #[error("{0}")]
    Refused(String),
    #[error("cannot reach Google: {0}")]
    Network(String),
    #[error("{0}")]
    Unexpected(String),
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    error: GoogleError,
}

#[derive(Deserialize, Default)]
struct GoogleError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

/// Turns a non-2xx answer of the Sheets API into a message that says what to do.
pub(super) fn explain(status: u16, body: &str, creds: &Credentials, sheet: &SheetRef) -> SheetsError {
    let e = serde_json::from_str::<Envelope>(body).unwrap_or_default().error;
    let reasons: Vec<&str> = e
        .details
        .iter()
        .filter_map(|d| d.get("reason").and_then(|r| r.as_str()))
        .collect();
    let disabled = reasons
        .iter()
        .any(|r| *r == "SERVICE_DISABLED" || *r == "API_KEY_SERVICE_BLOCKED")
        || e.message.contains("has not been used in project")
        || e.message.contains("it is disabled");
    let google = if e.message.is_empty() {
        String::new()
    } else {
        format!(" (Google said: {})", e.message)
    };
    let text = match status {
        403 if disabled => format!(
            "the Google Sheets API is not enabled for the Cloud project of these credentials: enable it at \
             https://console.cloud.google.com/apis/library/sheets.googleapis.com, wait a minute, and try again{google}"
        ),
        403 => match creds {
            Credentials::ServiceAccount(k) => format!(
                "the sheet is not shared with the service account: open the sheet, click Share and add {} as a \
                 Viewer{google}",
                k.client_email
            ),
            Credentials::ApiKey(_) => format!(
                "the sheet is not public: share it as \"Anyone with the link can view\", or use a service-account \
                 key{google}"
            ),
        },
        400 if e.message.contains("parse range") || e.status == "INVALID_ARGUMENT" => format!(
            "the range '{}' is not valid: use A1 notation like Sheet1!A1:F500 and check the tab's name{google}",
            sheet.range.as_deref().unwrap_or("(whole first tab)")
        ),
        400 if reasons.contains(&"API_KEY_INVALID") => format!("the API key is not valid{google}"),
        401 => format!("Google did not accept the credentials: the key may be wrong or revoked{google}"),
        404 => format!(
            "no spreadsheet with id {}: check the link (and that it is a Google Sheet, not an uploaded Excel file){google}",
            sheet.id
        ),
        429 => format!("Google's rate limit was reached: wait a minute and try again{google}"),
        _ => format!("the Sheets API answered HTTP {status}{google}"),
    };
    SheetsError::Refused(text)
}
