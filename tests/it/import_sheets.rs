//! Google Sheets import against a local mock of the two Google endpoints it uses: the OAuth token endpoint
//! (which checks the JWT-bearer grant: RS256 signature with the key's public half, issuer, scope, audience,
//! lifetime) and Sheets API v4 `spreadsheets.get` / `values.get` (which check the bearer token or API key
//! and answer Google's documented error shapes). The rows then import like an uploaded file.

use std::{collections::HashMap, path::Path, sync::Arc};

use axum::{
    Json, Router,
    extract::{Path as UrlPath, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use callboard_core::{
    api::sheets::fetch_into_upload,
    import::{
        gsheets::{Credentials, SheetsClient, parse_ref},
        uploads::Uploads,
    },
};
use callboard_testkit::TestApp;
use serde_json::{Value, json};

use super::import_api::finished;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SHEET: &str = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";
const UNSHARED: &str = "1UnsharedUnsharedUnsharedUnsharedUnshared00";
const DISABLED: &str = "1DisabledDisabledDisabledDisabledDisabled00";
const ACCESS_TOKEN: &str = "ya29.mock-access-token";
const API_KEY: &str = "AIza-mock-key";
const EMAIL: &str = "importer@callboard-tests.iam.gserviceaccount.com";
const NOW: i64 = 1_795_000_000;

fn fixture(name: &str) -> Result<String, std::io::Error> {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/import")
            .join(name),
    )
}

struct Mock {
    public_pem: String,
    /// Token requests seen, and whether each was a valid grant.
    grants: std::sync::Mutex<Vec<bool>>,
}

fn google_error(status: StatusCode, message: &str, google_status: &str, reason: Option<&str>) -> Response {
    let details: Vec<Value> = reason
        .map(|r| vec![json!({"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": r, "domain": "googleapis.com"})])
        .unwrap_or_default();
    let body = json!({"error": {"code": status.as_u16(), "message": message, "status": google_status, "details": details}});
    (status, Json(body)).into_response()
}

#[derive(serde::Deserialize)]
struct Claims {
    iss: String,
    scope: String,
    aud: String,
    iat: i64,
    exp: i64,
}

async fn token(State(m): State<Arc<Mock>>, body: String) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let grant_ok =
        form.get("grant_type").map(String::as_str) == Some("urn:ietf:params:oauth:grant-type:jwt-bearer");
    let claims = jsonwebtoken::DecodingKey::from_rsa_pem(m.public_pem.as_bytes())
        .ok()
        .and_then(|key| {
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            v.set_audience(&["https://oauth2.googleapis.com/token"]);
            // The assertion is dated by the app's clock, not this machine's.
            v.validate_exp = false;
            jsonwebtoken::decode::<Claims>(form.get("assertion")?, &key, &v).ok()
        });
    let valid = grant_ok
        && claims.as_ref().is_some_and(|c| {
            let c = &c.claims;
            c.iss == EMAIL
                && c.scope == "https://www.googleapis.com/auth/spreadsheets.readonly"
                && c.aud == "https://oauth2.googleapis.com/token"
                && c.iat == NOW
                && c.exp - c.iat <= 3600
        });
    if let Ok(mut g) = m.grants.lock() {
        g.push(valid);
    }
    if !valid {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})),
        )
            .into_response();
    }
    Json(json!({"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

fn authorized(headers: &HeaderMap, q: &HashMap<String, String>) -> bool {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    bearer == Some(&format!("Bearer {ACCESS_TOKEN}")) || q.get("key").map(String::as_str) == Some(API_KEY)
}

async fn spreadsheet(
    UrlPath(id): UrlPath<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&headers, &q) {
        return google_error(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials.",
            "UNAUTHENTICATED",
            None,
        );
    }
    if id != SHEET {
        return google_error(
            StatusCode::NOT_FOUND,
            "Requested entity was not found.",
            "NOT_FOUND",
            None,
        );
    }
    Json(json!({"sheets": [
        {"properties": {"sheetId": 0, "title": "Notes"}},
        {"properties": {"sheetId": 777, "title": "Leads"}}
    ]}))
    .into_response()
}

async fn values(
    UrlPath((id, range)): UrlPath<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if !authorized(&headers, &q) {
        return google_error(
            StatusCode::UNAUTHORIZED,
            "Request had invalid authentication credentials.",
            "UNAUTHENTICATED",
            None,
        );
    }
    match id.as_str() {
        UNSHARED => {
            return google_error(
                StatusCode::FORBIDDEN,
                "The caller does not have permission",
                "PERMISSION_DENIED",
                None,
            );
        }
        DISABLED => {
            return google_error(
                StatusCode::FORBIDDEN,
                "Google Sheets API has not been used in project 1234 before or it is disabled.",
                "PERMISSION_DENIED",
                Some("SERVICE_DISABLED"),
            );
        }
        SHEET => {}
        _ => {
            return google_error(
                StatusCode::NOT_FOUND,
                "Requested entity was not found.",
                "NOT_FOUND",
                None,
            );
        }
    }
    if range != "'Leads'" && range != "Leads!A1:C" {
        return google_error(
            StatusCode::BAD_REQUEST,
            &format!("Unable to parse range: {range}"),
            "INVALID_ARGUMENT",
            None,
        );
    }
    Json(
        json!({"range": "Leads!A1:C4", "majorDimension": "ROWS", "values": [
            ["Export of leads"],
            ["Name", "Mobile", "Car Interest"],
            ["Huda", 96555100001.0, "SUV"],
            ["Bad", "123", "Sedan"],
            ["Karim", "+965 5510 0002"]
        ]}),
    )
    .into_response()
}

async fn mock() -> Result<(String, Arc<Mock>), Box<dyn std::error::Error>> {
    let state = Arc::new(Mock {
        public_pem: fixture("google_test_service_account.pub.pem")?,
        grants: Default::default(),
    });
    let app = Router::new()
        .route("/token", post(token))
        .route("/v4/spreadsheets/{id}", get(spreadsheet))
        .route("/v4/spreadsheets/{id}/values/{range}", get(values))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((base, state))
}

#[tokio::test]
async fn a_shared_sheet_imports_through_a_service_account_and_errors_are_explained() -> TestResult {
    let (base, state) = mock().await?;
    let client = SheetsClient::new(base.clone(), Some(format!("{base}/token")))?;
    let key_json = fixture("google_test_service_account.json")?;
    let sa = Credentials::service_account(&key_json)?;
    // The key never shows in Debug output.
    assert!(!format!("{sa:?}").contains("PRIVATE KEY"));

    let s = TestApp::new()?.serve().await?;
    let uploads = Uploads::new(s.test.app.data_dir());
    let link = format!("https://docs.google.com/spreadsheets/d/{SHEET}/edit#gid=777");
    let fetched = fetch_into_upload(&client, &uploads, &parse_ref(&link, None)?, &sa, NOW).await?;
    assert_eq!(fetched.name, "Leads.csv");
    assert_eq!(fetched.rows, 5);
    assert_eq!(
        state.grants.lock().map(|g| g.clone()).unwrap_or_default(),
        vec![true]
    );

    // From here it is an upload like any other: header below a title row, numbers as digits.
    let id = s.rpc("campaign.create", json!({"name": "Sheets"})).await?.body["id"].clone();
    let p = s
        .rpc(
            "import.preview",
            json!({"upload_id": fetched.upload_id, "campaign_id": id}),
        )
        .await?;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(p.body["summary"]["header_row"], 2);
    assert_eq!(p.body["rows"][0]["phone_e164"], "+96555100001");
    assert_eq!(p.body["rows"][1]["code"], "INVALID_PHONE");
    let mut events = s.test.app.events.subscribe();
    s.rpc(
        "import.commit",
        json!({"upload_id": fetched.upload_id, "campaign_id": id}),
    )
    .await?;
    assert_eq!(finished(&mut events).await?["summary"]["imported"], 2);

    // An API key reaches a public sheet with an explicit range.
    let key = Credentials::choose(None, Some(API_KEY), None)?;
    let by_key = fetch_into_upload(
        &client,
        &uploads,
        &parse_ref(SHEET, Some("Leads!A1:C"))?,
        &key,
        NOW,
    )
    .await?;
    assert_eq!(by_key.rows, 5);

    // Failures, in plain words.
    let cases: Vec<(&str, Option<&str>, &Credentials, &str)> = vec![
        (
            UNSHARED,
            Some("Leads!A1:C"),
            &sa,
            "not shared with the service account",
        ),
        (UNSHARED, Some("Leads!A1:C"), &key, "not public"),
        (DISABLED, Some("Leads!A1:C"), &sa, "Sheets API is not enabled"),
        (SHEET, Some("Leads!!A1"), &sa, "range 'Leads!!A1' is not valid"),
        (
            "1NoSuchSheetNoSuchSheetNoSuchSheet000000",
            None,
            &sa,
            "no spreadsheet with id",
        ),
    ];
    for (sheet, range, creds, want) in cases {
        let err = fetch_into_upload(&client, &uploads, &parse_ref(sheet, range)?, creds, NOW)
            .await
            .err()
            .ok_or("expected an error")?;
        assert!(err.message.contains(want), "{sheet} {range:?}: {}", err.message);
        assert!(!err.message.contains(API_KEY), "the key leaked: {}", err.message);
    }
    let unshared = fetch_into_upload(
        &client,
        &uploads,
        &parse_ref(UNSHARED, Some("Leads!A1:C"))?,
        &sa,
        NOW,
    )
    .await
    .err()
    .ok_or("expected an error")?;
    assert!(
        unshared.message.contains(EMAIL),
        "says which address to share with: {}",
        unshared.message
    );

    // A wrong key is refused at the token endpoint, and the message says so.
    let wrong: Value = serde_json::from_str(&key_json)?;
    let mut wrong = wrong;
    wrong["client_email"] = json!("someone-else@callboard-tests.iam.gserviceaccount.com");
    let wrong = Credentials::service_account(&wrong.to_string())?;
    let err = fetch_into_upload(&client, &uploads, &parse_ref(SHEET, None)?, &wrong, NOW)
        .await
        .err()
        .ok_or("expected an error")?;
    assert!(
        err.message.contains("refused the service-account key"),
        "{}",
        err.message
    );

    // Bad input never echoes the key.
    let bad = Credentials::service_account("{\"private_key\": \"-----BEGIN PRIVATE KEY----- secret\"}")
        .err()
        .ok_or("expected an error")?;
    assert!(!bad.to_string().contains("secret"), "{bad}");
    let no_creds = s
        .rpc("import.fetch_sheet", json!({"sheet": "not a link"}))
        .await?;
    assert_eq!(no_creds.code(), "validation");
    s.stop().await;
    Ok(())
}

/// The service-account key saved once in Settings is what later imports use, and the UI learns which
/// address to share sheets with; a value that is not a key file is refused before anything is stored.
#[tokio::test]
async fn a_saved_service_account_key_is_checked_and_named() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let none = s.rpc("import.sheets_account", json!({})).await?;
    assert_eq!(none.status, 200, "{:?}", none.body);
    assert_eq!(none.body["client_email"], Value::Null);

    let garbage = s
        .rpc(
            "secret.set",
            json!({"name": "google.service_account_json", "value": "{\"type\": \"service_account\"}"}),
        )
        .await?;
    assert_eq!(garbage.code(), "validation", "{:?}", garbage.body);
    assert!(
        garbage.body["message"]
            .as_str()
            .unwrap_or("")
            .contains("client_email"),
        "{:?}",
        garbage.body
    );
    let status = s.rpc("secret.status", json!({})).await?;
    let google = status.body["secrets"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["name"] == "google.service_account_json"))
        .ok_or("no status for the Google key")?;
    assert_eq!(google["set"], false, "a refused key is not stored");

    let key_json = fixture("google_test_service_account.json")?;
    let saved = s
        .rpc(
            "secret.set",
            json!({"name": "google.service_account_json", "value": key_json}),
        )
        .await?;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let account = s.rpc("import.sheets_account", json!({})).await?;
    assert_eq!(account.body["client_email"], EMAIL);
    // The test app keeps secrets in memory; the desktop app says "keychain" or "file".
    assert_eq!(account.body["source"], "memory");
    assert_eq!(account.body["problem"], Value::Null);

    // With nothing in the request, the saved key is the one used; a key in the request still wins.
    match Credentials::choose(None, None, Some(&key_json))? {
        Credentials::ServiceAccount(k) => assert_eq!(k.client_email, EMAIL),
        Credentials::ApiKey(_) => return Err("the saved key was not chosen".into()),
    }
    assert!(matches!(
        Credentials::choose(None, Some(API_KEY), Some(&key_json))?,
        Credentials::ApiKey(_)
    ));
    s.stop().await;
    Ok(())
}
