//! Google credentials: a service-account key (JSON as downloaded from the Cloud console) or an API key, and
//! the OAuth 2.0 JWT-bearer exchange that turns the key into an access token (RFC 7523; Google's
//! "Using OAuth 2.0 for Server to Server Applications"). Nothing here is `Debug`-printable in the clear.

use serde::Deserialize;

use super::{ENV_API_KEY, ENV_SERVICE_ACCOUNT_JSON, SheetsError};
use crate::secret::Secret;

const SCOPE: &str = "https://www.googleapis.com/auth/spreadsheets.readonly";
const DEFAULT_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The parts of a service-account key file that are used.
#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    #[serde(deserialize_with = "secret")]
    private_key: Secret,
    #[serde(default)]
    pub token_uri: Option<String>,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key", &self.private_key)
            .finish_non_exhaustive()
    }
}

/// How to reach a sheet.
#[derive(Debug, Clone)]
pub enum Credentials {
    ServiceAccount(ServiceAccountKey),
    /// For sheets anyone with the link can view.
    ApiKey(Secret),
}

impl Credentials {
    /// A service-account key file's JSON. The error never quotes the JSON (it holds the private key).
    pub fn service_account(json: &str) -> Result<Credentials, SheetsError> {
        let key: ServiceAccountKey = serde_json::from_str(json).map_err(|e| {
            SheetsError::BadKey(format!(
                "not a service-account key file (expected JSON with client_email and private_key; {} at line {} column {})",
                match e.classify() {
                    serde_json::error::Category::Data => "a field is missing or has the wrong type",
                    _ => "malformed JSON",
                },
                e.line(),
                e.column()
            ))
        })?;
        if !key.private_key.expose().contains("PRIVATE KEY") {
            return Err(SheetsError::BadKey("private_key is not a PEM private key".into()));
        }
        Ok(Credentials::ServiceAccount(key))
    }

    /// From the request (service-account JSON wins over an API key), else the saved service-account key
    /// (`saved`: the secret store's, which the environment overrides), else an API key from the environment.
    pub fn choose(
        service_account_json: Option<&str>,
        api_key: Option<&str>,
        saved: Option<&str>,
    ) -> Result<Credentials, SheetsError> {
        let nonempty = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(json) = nonempty(service_account_json) {
            return Credentials::service_account(&json);
        }
        if let Some(key) = nonempty(api_key) {
            return Ok(Credentials::ApiKey(Secret::new(key)));
        }
        let env_json = std::env::var(ENV_SERVICE_ACCOUNT_JSON).ok();
        if let Some(json) = nonempty(saved).or_else(|| nonempty(env_json.as_deref())) {
            return Credentials::service_account(&json);
        }
        if let Some(key) = nonempty(std::env::var(ENV_API_KEY).ok().as_deref()) {
            return Ok(Credentials::ApiKey(Secret::new(key)));
        }
        Err(SheetsError::NoCredentials)
    }
}

#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Signs the assertion and exchanges it for an access token.
pub(super) async fn access_token(
    http: &reqwest::Client,
    key: &ServiceAccountKey,
    token_url: Option<&str>,
    now: i64,
) -> Result<Secret, SheetsError> {
    let url = token_url
        .map(str::to_owned)
        .or_else(|| key.token_uri.clone())
        .unwrap_or_else(|| DEFAULT_TOKEN_URL.into());
    // The audience is the key's own token URI (what Google checks), even when a test sends it elsewhere.
    let aud = key.token_uri.clone().unwrap_or_else(|| DEFAULT_TOKEN_URL.into());
    let claims = Claims {
        iss: &key.client_email,
        scope: SCOPE,
        aud: &aud,
        iat: now,
        exp: now + 3600,
    };
    let signing_key = jsonwebtoken::EncodingKey::from_rsa_pem(key.private_key.expose().as_bytes())
        .map_err(|_| SheetsError::BadKey("private_key is not a valid RSA key in PEM form".into()))?;
    let assertion = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &signing_key,
    )
    .map_err(|e| SheetsError::BadKey(format!("cannot sign with the key: {e}")))?;
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", JWT_GRANT)
        .append_pair("assertion", &assertion)
        .finish();
    let resp = http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| SheetsError::Network(e.without_url().to_string()))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| SheetsError::Network(e.without_url().to_string()))?;
    if !status.is_success() {
        let e: TokenError = serde_json::from_str(&text).unwrap_or_default();
        return Err(SheetsError::TokenRefused {
            email: key.client_email.clone(),
            reason: if e.error_description.is_empty() {
                e.error
            } else {
                e.error_description
            },
        });
    }
    let answer: TokenAnswer = serde_json::from_str(&text)
        .map_err(|_| SheetsError::Unexpected("the token endpoint answered without an access_token".into()))?;
    Ok(Secret::new(answer.access_token))
}
