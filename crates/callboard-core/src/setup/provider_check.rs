//! Provider connection tests: for each provider one cheap authenticated read, turned into a sentence the
//! user can act on. ElevenLabs `GET /v1/user` (`xi-api-key`), Twilio `GET /2010-04-01/Accounts/{sid}.json`
//! (basic auth), Exotel `GET /v1/Accounts/{sid}.json` (basic auth with the API key and token), OpenAI
//! `GET /v1/models` (bearer). Base URLs come from the credential resolver, so tests and regional endpoints
//! point them elsewhere with `CALLBOARD_*_BASE_URL`. Nothing here logs or returns a credential.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::{
    secret::Secret,
    secret_store::{Credentials, SecretStoreError},
};

pub const PROVIDERS: [&str; 4] = ["elevenlabs", "twilio", "exotel", "openai"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    /// A credential this check needs is not set.
    NotConfigured,
    /// The provider answered 401/403: the key is wrong, revoked or lacks permission.
    Rejected,
    /// No answer (DNS, connection, timeout).
    Unreachable,
    /// Any other answer.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCheck {
    pub provider: String,
    pub status: CheckStatus,
    pub message: String,
    pub latency_ms: Option<u64>,
}

enum Auth<'a> {
    Header(&'static str, &'a Secret),
    Basic(&'a Secret, &'a Secret),
    Bearer(&'a Secret),
}

/// Runs the check for `provider` (one of [`PROVIDERS`]).
pub async fn check(http: &reqwest::Client, creds: &Credentials, provider: &str) -> ProviderCheck {
    check_with_base(http, creds, provider, None).await
}

/// [`check`] against `base` instead of the resolver's base URL (Exotel's region from Settings).
pub async fn check_with_base(
    http: &reqwest::Client,
    creds: &Credentials,
    provider: &str,
    base: Option<&str>,
) -> ProviderCheck {
    match check_inner(http, creds, provider, base).await {
        Ok(c) => c,
        Err(e) => result(
            provider,
            CheckStatus::Failed,
            format!("cannot read the credentials: {e}"),
            None,
        ),
    }
}

fn result(provider: &str, status: CheckStatus, message: String, latency_ms: Option<u64>) -> ProviderCheck {
    ProviderCheck {
        provider: provider.to_owned(),
        status,
        message,
        latency_ms,
    }
}

fn missing(provider: &str, what: &str) -> ProviderCheck {
    result(
        provider,
        CheckStatus::NotConfigured,
        format!("Not set up: add the {what} first."),
        None,
    )
}

async fn check_inner(
    http: &reqwest::Client,
    creds: &Credentials,
    provider: &str,
    base: Option<&str>,
) -> Result<ProviderCheck, SecretStoreError> {
    Ok(match provider {
        "elevenlabs" => {
            let c = creds.elevenlabs()?;
            let Some(key) = &c.api_key else {
                return Ok(missing(provider, "ElevenLabs API key"));
            };
            let url = format!("{}/v1/user", c.base_url);
            call(
                http,
                provider,
                "ElevenLabs",
                &url,
                Auth::Header("xi-api-key", key),
                |v| {
                    let tier = v
                        .pointer("/subscription/tier")
                        .and_then(|t| t.as_str())
                        .unwrap_or("unknown");
                    format!("Connected to ElevenLabs (plan: {tier}).")
                },
            )
            .await
        }
        "twilio" => {
            let c = creds.twilio()?;
            let (Some(sid), Some(token)) = (&c.account_sid, &c.auth_token) else {
                return Ok(missing(provider, "Twilio Account SID and Auth Token"));
            };
            let url = format!("{}/2010-04-01/Accounts/{}.json", c.base_url, sid.expose());
            call(http, provider, "Twilio", &url, Auth::Basic(sid, token), |v| {
                let name = v["friendly_name"].as_str().unwrap_or("your account");
                let status = v["status"].as_str().unwrap_or("unknown");
                format!("Connected to Twilio: {name} (status {status}).")
            })
            .await
        }
        "exotel" => {
            let c = creds.exotel()?;
            let (Some(sid), Some(key), Some(token)) = (&c.account_sid, &c.api_key, &c.api_token) else {
                return Ok(missing(provider, "Exotel Account SID, API key and API token"));
            };
            let url = format!(
                "{}/v1/Accounts/{}.json",
                base.unwrap_or(&c.base_url).trim_end_matches('/'),
                sid.expose()
            );
            call(http, provider, "Exotel", &url, Auth::Basic(key, token), |v| {
                let name = v
                    .pointer("/Account/Name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("your account");
                format!("Connected to Exotel: {name}.")
            })
            .await
        }
        "openai" => {
            let c = creds.openai()?;
            let Some(key) = &c.api_key else {
                return Ok(missing(provider, "OpenAI API key"));
            };
            let url = format!("{}/v1/models", c.base_url);
            call(http, provider, "OpenAI", &url, Auth::Bearer(key), |v| {
                let n = v["data"].as_array().map_or(0, Vec::len);
                format!("Connected to OpenAI ({n} models available).")
            })
            .await
        }
        other => result(
            other,
            CheckStatus::Failed,
            format!("unknown provider '{other}'; known: {}", PROVIDERS.join(", ")),
            None,
        ),
    })
}

async fn call(
    http: &reqwest::Client,
    provider: &str,
    label: &str,
    url: &str,
    auth: Auth<'_>,
    describe: impl FnOnce(&serde_json::Value) -> String,
) -> ProviderCheck {
    let request = match auth {
        Auth::Header(name, v) => http.get(url).header(name, v.expose()),
        Auth::Basic(user, pass) => http.get(url).basic_auth(user.expose(), Some(pass.expose())),
        Auth::Bearer(v) => http.get(url).bearer_auth(v.expose()),
    };
    let started = Instant::now();
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            // reqwest's error names the URL; for Twilio and Exotel the URL holds the account SID, not a key.
            let why = if e.is_timeout() {
                "no answer in time".to_owned()
            } else {
                e.without_url().to_string()
            };
            return result(
                provider,
                CheckStatus::Unreachable,
                format!("Could not reach {label}: {why}."),
                None,
            );
        }
    };
    let latency = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return result(
            provider,
            CheckStatus::Rejected,
            format!(
                "{label} rejected the credentials (HTTP {}): check that they are copied whole and not revoked.",
                status.as_u16()
            ),
            latency,
        );
    }
    if !status.is_success() {
        return result(
            provider,
            CheckStatus::Failed,
            format!(
                "{label} answered HTTP {}; try again later or check the account.",
                status.as_u16()
            ),
            latency,
        );
    }
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    result(provider, CheckStatus::Ok, describe(&body), latency)
}
