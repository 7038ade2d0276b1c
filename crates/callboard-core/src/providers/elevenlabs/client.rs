//! The ElevenLabs REST client: every request carries `xi-api-key` and goes to the configured (regional or
//! mock) base URL. Errors become [`ElevenLabsError`] with a sentence for the UI: a bad key, a missing
//! resource, a 422 naming the field from FastAPI's `detail`, rate limiting, a server error. What is retried
//! depends on the request: reads on 429/5xx/network errors, calls that place phone calls only on 429 (the
//! request was certainly not processed), so a 5xx after ElevenLabs dialed never dials twice.

use std::{sync::Arc, time::Duration};

use reqwest::{Method, StatusCode, Url};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::{
    config::ElevenLabsConfig,
    retry::{Backoff, Sleeper, parse_retry_after},
};
use crate::{clock::Clock, engine::DialError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElevenLabsError {
    #[error("no ElevenLabs API key is set (CALLBOARD_ELEVENLABS_API_KEY or Settings → Providers)")]
    NoKey,
    #[error("ElevenLabs refused the API key (HTTP {status}): {message}")]
    BadKey { status: u16, message: String },
    #[error("ElevenLabs has no such {what}: {message}")]
    NotFound { what: String, message: String },
    #[error("ElevenLabs rejected the request: {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("ElevenLabs is rate-limiting this account (HTTP 429); tried {attempts} times")]
    RateLimited { attempts: u32 },
    #[error("ElevenLabs had a server error (HTTP {status}) after {attempts} tries: {message}")]
    Server {
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("ElevenLabs answered HTTP {status}: {message}")]
    Other { status: u16, message: String },
    #[error("cannot reach ElevenLabs at {base}: {message}")]
    Network { base: String, message: String },
    #[error("unexpected answer from ElevenLabs to {what}: {message}")]
    Decode { what: String, message: String },
}

impl ElevenLabsError {
    /// Whether the request may have reached ElevenLabs and done something (its fate is unknown).
    pub fn fate_unknown(&self) -> bool {
        matches!(
            self,
            ElevenLabsError::Server { .. } | ElevenLabsError::Network { .. } | ElevenLabsError::Decode { .. }
        )
    }
}

impl From<ElevenLabsError> for DialError {
    fn from(e: ElevenLabsError) -> Self {
        if e.fate_unknown() || matches!(e, ElevenLabsError::RateLimited { .. }) {
            DialError::Unavailable(e.to_string())
        } else {
            DialError::Rejected(e.to_string())
        }
    }
}

impl From<ElevenLabsError> for crate::api::ApiError {
    fn from(e: ElevenLabsError) -> Self {
        use crate::api::ErrorCode;
        let code = match e {
            ElevenLabsError::NoKey | ElevenLabsError::BadKey { .. } => ErrorCode::BadRequest,
            ElevenLabsError::NotFound { .. } => ErrorCode::NotFound,
            ElevenLabsError::Invalid { .. } => ErrorCode::Validation,
            _ => ErrorCode::Upstream,
        };
        crate::api::ApiError::new(code, e.to_string())
    }
}

/// Which failures a request may be repeated after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Reads and idempotent updates: 429, 5xx and network errors.
    Safe,
    /// Requests with effects (placing calls, submitting a batch): only 429, which ElevenLabs answers before
    /// doing anything.
    OnlyThrottled,
}

pub type Result<T> = std::result::Result<T, ElevenLabsError>;

/// The client. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ElevenLabsConfig,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    backoff: Arc<Backoff>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(
        config: ElevenLabsConfig,
        clock: Arc<dyn Clock>,
        sleeper: Arc<dyn Sleeper>,
        backoff: Backoff,
    ) -> Client {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Client {
            http,
            config,
            clock,
            sleeper,
            backoff: Arc::new(backoff),
        }
    }

    pub fn config(&self) -> &ElevenLabsConfig {
        &self.config
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url> {
        let base = self.config.base_url.trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{path}")).map_err(|e| ElevenLabsError::Network {
            base: base.to_owned(),
            message: format!("bad base URL: {e}"),
        })?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// Sends one request (with retries as `repeat` allows) and returns the body of a 2xx answer.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Vec<u8>> {
        let key = self.config.api_key.clone().ok_or(ElevenLabsError::NoKey)?;
        let url = self.url(path, query)?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .header("xi-api-key", key.expose());
            if let Some(b) = body {
                req = req.json(b);
            }
            let outcome = req.send().await;
            let (error, retry_after) = match outcome {
                Ok(resp) if resp.status().is_success() => {
                    let bytes = resp.bytes().await.map_err(|e| ElevenLabsError::Decode {
                        what: path.to_owned(),
                        message: e.to_string(),
                    })?;
                    return Ok(bytes.to_vec());
                }
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, self.clock.now()));
                    let text = resp.text().await.unwrap_or_default();
                    (error_for(status, &text, path, attempt), retry_after)
                }
                Err(e) => (
                    ElevenLabsError::Network {
                        base: self.config.base_url.clone(),
                        message: e.to_string(),
                    },
                    None,
                ),
            };
            let may_repeat = matches!(
                (&error, repeat),
                (ElevenLabsError::RateLimited { .. }, _)
                    | (
                        ElevenLabsError::Server { .. } | ElevenLabsError::Network { .. },
                        Repeat::Safe
                    )
            );
            let delay = if may_repeat {
                self.backoff.delay(attempt, retry_after)
            } else {
                None
            };
            let Some(delay) = delay else {
                return Err(error);
            };
            tracing::info!(%method, path, attempt, delay_ms = delay.as_millis() as u64, error = %error, "retrying an ElevenLabs request");
            self.sleeper.sleep(delay).await;
        }
    }

    /// [`Client::send`] and parse the JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<T> {
        let bytes = self.send(method, path, query, body, repeat).await?;
        let text = if bytes.is_empty() {
            b"{}".as_slice()
        } else {
            &bytes
        };
        serde_json::from_slice(text).map_err(|e| ElevenLabsError::Decode {
            what: path.to_owned(),
            message: e.to_string(),
        })
    }
}

/// Serialises a typed request body.
pub fn body<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A non-2xx answer as an error; `attempt` is the try that got it.
fn error_for(status: StatusCode, text: &str, path: &str, attempt: u32) -> ElevenLabsError {
    let message = detail_message(text);
    match status.as_u16() {
        401 | 403 => ElevenLabsError::BadKey {
            status: status.as_u16(),
            message,
        },
        404 => ElevenLabsError::NotFound {
            what: what_of(path),
            message,
        },
        422 | 400 => {
            let (field, msg) = validation_detail(text).unwrap_or_else(|| ("request".into(), message));
            ElevenLabsError::Invalid { field, message: msg }
        }
        429 => ElevenLabsError::RateLimited { attempts: attempt },
        s if s >= 500 => ElevenLabsError::Server {
            status: s,
            attempts: attempt,
            message,
        },
        s => ElevenLabsError::Other { status: s, message },
    }
}

/// "batch", "conversation", … from the path, for a 404's sentence.
fn what_of(path: &str) -> String {
    let p = path.trim_start_matches("/v1/");
    let thing = if p.starts_with("convai/batch-calling") {
        "batch"
    } else if p.starts_with("convai/conversations") {
        "conversation"
    } else if p.starts_with("convai/agents") {
        "agent"
    } else if p.starts_with("convai/phone-numbers") {
        "phone number"
    } else if p.starts_with("workspace/webhooks") {
        "webhook"
    } else {
        "resource"
    };
    format!("{thing} ({path})")
}

/// The first validation error of a FastAPI-style `detail` list: (field path without `body`, message).
pub fn validation_detail(text: &str) -> Option<(String, String)> {
    let v: Value = serde_json::from_str(text).ok()?;
    let first = v.get("detail")?.as_array()?.first()?;
    let loc: Vec<String> = first
        .get("loc")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter(|p| p.as_str() != Some("body"))
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    let field = if loc.is_empty() {
        "request".into()
    } else {
        loc.join(".")
    };
    let msg = first
        .get("msg")
        .and_then(Value::as_str)
        .unwrap_or("invalid")
        .to_owned();
    Some((field, msg))
}

/// A short, safe message from an error body: `detail` as text, `detail.message`, or the start of the body.
fn detail_message(text: &str) -> String {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let from_json = match v.get("detail") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("message").and_then(Value::as_str).map(str::to_owned),
        Some(Value::Array(_)) => validation_detail(text).map(|(f, m)| format!("{f}: {m}")),
        _ => v.get("message").and_then(Value::as_str).map(str::to_owned),
    };
    let s = from_json.unwrap_or_else(|| text.trim().to_owned());
    let mut cut: String = s.chars().take(300).collect();
    if cut.is_empty() {
        cut = "no details".into();
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_of_a_422_is_named() {
        let body = include_str!("../../../../../tests/fixtures/elevenlabs/rest/validation_error_422.json");
        let e = error_for(
            StatusCode::UNPROCESSABLE_ENTITY,
            body,
            "/v1/convai/twilio/outbound-call",
            1,
        );
        assert_eq!(
            e,
            ElevenLabsError::Invalid {
                field: "agent_phone_number_id".into(),
                message: "Field required".into()
            }
        );
        assert!(e.to_string().contains("agent_phone_number_id"));
    }

    #[test]
    fn statuses_become_errors() {
        let bad = error_for(
            StatusCode::UNAUTHORIZED,
            r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#,
            "/v1/convai/agents",
            1,
        );
        assert!(
            matches!(bad, ElevenLabsError::BadKey { status: 401, ref message } if message == "Invalid API key")
        );
        let nf = error_for(StatusCode::NOT_FOUND, "", "/v1/convai/batch-calling/x", 1);
        assert!(nf.to_string().contains("no such batch"));
        assert!(error_for(StatusCode::BAD_GATEWAY, "<html>", "/x", 2).fate_unknown());
        assert!(matches!(
            DialError::from(error_for(StatusCode::FORBIDDEN, "", "/x", 1)),
            DialError::Rejected(_)
        ));
        assert!(matches!(
            DialError::from(error_for(StatusCode::TOO_MANY_REQUESTS, "", "/x", 4)),
            DialError::Unavailable(_)
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_error_body_gives_a_short_message(body in ".{0,2000}", status in 400u16..600) {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let e = error_for(code, &body, "/v1/convai/agents", 1);
            proptest::prop_assert!(e.to_string().chars().count() < 500);
        }

        #[test]
        fn any_detail_list_names_a_field(loc in proptest::collection::vec("[a-z_]{1,8}", 0..4), msg in "[a-zA-Z ]{0,20}") {
            let body = serde_json::json!({"detail": [{"loc": loc, "msg": msg}]}).to_string();
            let (field, m) = validation_detail(&body).unwrap_or_default();
            proptest::prop_assert!(!field.is_empty());
            proptest::prop_assert_eq!(m, msg);
        }
    }
}
