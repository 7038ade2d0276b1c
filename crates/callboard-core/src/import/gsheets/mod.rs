//! Google Sheets as an import source: a sheet link or id (and optionally an A1 range) is read through the
//! Sheets API v4 `spreadsheets.values.get`, with a service-account key (an RS256 JWT exchanged for an
//! access token at the OAuth token endpoint) or an API key for sheets anyone with the link can view. The
//! rows are written as a CSV upload, so the rest of the import (header, mapping, preview, commit) is the
//! same as for a file. Keys are secrets: they never reach a log, an error message or the database.
//!
//! Base URLs can be pointed at a local mock server: `CALLBOARD_GOOGLE_SHEETS_BASE_URL`,
//! `CALLBOARD_GOOGLE_OAUTH_TOKEN_URL`.

mod auth;
mod errors;

use serde::Deserialize;
use serde_json::Value;

pub use auth::{Credentials, ServiceAccountKey};
pub use errors::SheetsError;

pub const ENV_BASE_URL: &str = "CALLBOARD_GOOGLE_SHEETS_BASE_URL";
pub const ENV_TOKEN_URL: &str = "CALLBOARD_GOOGLE_OAUTH_TOKEN_URL";
pub const ENV_SERVICE_ACCOUNT_JSON: &str = "CALLBOARD_GOOGLE_SERVICE_ACCOUNT_JSON";
pub const ENV_API_KEY: &str = "CALLBOARD_GOOGLE_API_KEY";
const DEFAULT_BASE_URL: &str = "https://sheets.googleapis.com";
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Which sheet: the spreadsheet id, the tab (`gid` from a link) and the A1 range, if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRef {
    pub id: String,
    pub gid: Option<i64>,
    pub range: Option<String>,
}

/// Reads `https://docs.google.com/spreadsheets/d/<id>/edit#gid=<gid>` or a bare id.
pub fn parse_ref(input: &str, range: Option<&str>) -> Result<SheetRef, SheetsError> {
    let t = input.trim();
    let id_ok = |s: &str| {
        s.len() >= 20
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let (id, gid) = match t.split_once("/spreadsheets/d/") {
        Some((_, rest)) => {
            let id = rest.split(['/', '?', '#']).next().unwrap_or("");
            let gid = rest
                .split(['#', '?', '&'])
                .find_map(|p| p.strip_prefix("gid="))
                .and_then(|g| g.parse().ok());
            (id, gid)
        }
        None => (t, None),
    };
    if !id_ok(id) {
        return Err(SheetsError::BadLink(input.chars().take(200).collect()));
    }
    Ok(SheetRef {
        id: id.to_owned(),
        gid,
        range: range.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned),
    })
}

/// Reads sheets over HTTP.
#[derive(Debug, Clone)]
pub struct SheetsClient {
    http: reqwest::Client,
    base_url: String,
    /// Overrides the key file's `token_uri`.
    token_url: Option<String>,
}

/// What was read: the tab's title and its rows as text.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetValues {
    pub title: String,
    pub rows: Vec<Vec<String>>,
}

impl SheetsClient {
    pub fn new(base_url: impl Into<String>, token_url: Option<String>) -> Result<SheetsClient, SheetsError> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| SheetsError::Network(e.without_url().to_string()))?;
        Ok(SheetsClient {
            http,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            token_url,
        })
    }

    /// Google's endpoints, or the ones the environment names.
    pub fn from_env() -> Result<SheetsClient, SheetsError> {
        let base = std::env::var(ENV_BASE_URL).unwrap_or_else(|_| DEFAULT_BASE_URL.into());
        SheetsClient::new(base, std::env::var(ENV_TOKEN_URL).ok())
    }

    /// The rows of a sheet. `now` (Unix seconds) dates the service-account assertion.
    #[tracing::instrument(skip_all, fields(sheet = %sheet.id))]
    pub async fn values(
        &self,
        sheet: &SheetRef,
        creds: &Credentials,
        now: i64,
    ) -> Result<SheetValues, SheetsError> {
        let auth = match creds {
            Credentials::ServiceAccount(key) => {
                Auth::Bearer(auth::access_token(&self.http, key, self.token_url.as_deref(), now).await?)
            }
            Credentials::ApiKey(k) => Auth::Key(k.expose().to_owned()),
        };
        let (title, range) = match &sheet.range {
            Some(r) => (
                r.split('!').next().unwrap_or(r).trim_matches('\'').to_owned(),
                r.clone(),
            ),
            None => {
                let title = self.tab_title(sheet, creds, &auth).await?;
                let range = format!("'{}'", title.replace('\'', "''"));
                (title, range)
            }
        };
        let url = format!(
            "{}/v4/spreadsheets/{}/values/{}?majorDimension=ROWS",
            self.base_url,
            sheet.id,
            path_segment(&range)
        );
        let body: ValueRange = self.get(&url, &auth, creds, sheet).await?;
        let rows = body
            .values
            .into_iter()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        tracing::info!("sheet read");
        Ok(SheetValues { title, rows })
    }

    /// The title of the tab the link's `gid` names, else of the first tab.
    async fn tab_title(
        &self,
        sheet: &SheetRef,
        creds: &Credentials,
        auth: &Auth,
    ) -> Result<String, SheetsError> {
        let url = format!(
            "{}/v4/spreadsheets/{}?fields=sheets.properties(sheetId%2Ctitle)",
            self.base_url, sheet.id
        );
        let meta: Spreadsheet = self.get(&url, auth, creds, sheet).await?;
        let tabs: Vec<TabProperties> = meta.sheets.into_iter().map(|s| s.properties).collect();
        let tab = match sheet.gid {
            Some(gid) => tabs.iter().find(|t| t.sheet_id == gid),
            None => tabs.first(),
        };
        tab.map(|t| t.title.clone())
            .ok_or_else(|| SheetsError::NoSuchTab(sheet.gid.map_or_else(|| "any".into(), |g| g.to_string())))
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        auth: &Auth,
        creds: &Credentials,
        sheet: &SheetRef,
    ) -> Result<T, SheetsError> {
        let req = match auth {
            Auth::Bearer(token) => self.http.get(url).bearer_auth(token.expose()),
            Auth::Key(key) => self.http.get(format!("{url}&key={}", path_segment(key))),
        };
        // Errors without their URL: an API key travels in the query.
        let resp = req
            .send()
            .await
            .map_err(|e| SheetsError::Network(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .text()
            .await
            .map_err(|e| SheetsError::Network(e.without_url().to_string()))?;
        if !(200..300).contains(&status) {
            return Err(errors::explain(status, &text, creds, sheet));
        }
        serde_json::from_str(&text)
            .map_err(|e| SheetsError::Unexpected(format!("unreadable answer from the Sheets API: {e}")))
    }
}

enum Auth {
    Bearer(crate::secret::Secret),
    Key(String),
}

#[derive(Debug, Deserialize)]
struct ValueRange {
    #[serde(default)]
    values: Vec<Vec<Value>>,
}

#[derive(Debug, Deserialize)]
struct Spreadsheet {
    #[serde(default)]
    sheets: Vec<Tab>,
}

#[derive(Debug, Deserialize)]
struct Tab {
    properties: TabProperties,
}

#[derive(Debug, Deserialize)]
struct TabProperties {
    #[serde(rename = "sheetId", default)]
    sheet_id: i64,
    #[serde(default)]
    title: String,
}

/// A cell as text: numbers without a spurious `.0` (phone numbers), booleans as a spreadsheet shows them.
fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Percent-encodes a URL path segment (everything but unreserved characters).
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rows as CSV bytes (UTF-8), for storing as an upload.
pub fn to_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, SheetsError> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for r in rows {
        w.write_record(r)
            .map_err(|e| SheetsError::Unexpected(e.to_string()))?;
    }
    w.into_inner().map_err(|e| SheetsError::Unexpected(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_ids_are_understood() -> Result<(), SheetsError> {
        let id = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";
        let r = parse_ref(
            &format!("https://docs.google.com/spreadsheets/d/{id}/edit#gid=123"),
            None,
        )?;
        assert_eq!((r.id.as_str(), r.gid, r.range), (id, Some(123), None));
        let r = parse_ref(&format!(" {id} "), Some(" Leads!A1:F "))?;
        assert_eq!((r.id.as_str(), r.range.as_deref()), (id, Some("Leads!A1:F")));
        assert!(parse_ref("https://example.com/leads.csv", None).is_err());
        assert!(parse_ref("short", None).is_err());
        Ok(())
    }

    #[test]
    fn cells_become_text_like_the_sheet_shows() {
        assert_eq!(cell_text(&serde_json::json!(96555123456.0)), "96555123456");
        assert_eq!(cell_text(&serde_json::json!(1.5)), "1.5");
        assert_eq!(cell_text(&serde_json::json!(true)), "TRUE");
        assert_eq!(cell_text(&serde_json::json!("+965 5512 3456")), "+965 5512 3456");
        assert_eq!(path_segment("'My Leads'!A1:F"), "%27My%20Leads%27%21A1%3AF");
    }
}
