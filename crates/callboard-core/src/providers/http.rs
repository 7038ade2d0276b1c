//! The little HTTP the carrier clients share: form posts and JSON gets with Basic auth, and one error type
//! that tells a refusal (4xx: the attempt failed) from an outage (network, 5xx, 429: fate unknown).

use std::time::Duration;

use serde_json::Value;

use crate::engine::DialError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("cannot reach the provider: {0}")]
    Network(String),
    #[error("the provider answered {0}: {1}")]
    Status(u16, String),
    #[error("unexpected answer: {0}")]
    Shape(&'static str),
}

impl HttpError {
    pub fn into_dial(self) -> DialError {
        match self {
            HttpError::Status(s, m) if (400..500).contains(&s) && s != 429 => {
                DialError::Rejected(format!("{s}: {m}"))
            }
            other => DialError::Unavailable(other.to_string()),
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

/// The provider's own words from an error body (`message`, `Message`, `RestException.Message`), cut short.
fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let m = v["message"]
        .as_str()
        .or_else(|| v["Message"].as_str())
        .or_else(|| v["RestException"]["Message"].as_str())
        .unwrap_or("");
    m.chars().take(200).collect()
}

async fn answer(resp: Result<reqwest::Response, reqwest::Error>) -> Result<Value, HttpError> {
    let resp = resp.map_err(|e| HttpError::Network(e.without_url().to_string()))?;
    let status = resp.status().as_u16();
    let body = resp
        .text()
        .await
        .map_err(|e| HttpError::Network(e.without_url().to_string()))?;
    if !(200..300).contains(&status) {
        return Err(HttpError::Status(status, message_of(&body)));
    }
    serde_json::from_str(&body).map_err(|_| HttpError::Shape("the body is not JSON"))
}

pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    auth: (&str, &str),
    form: &[(String, String)],
) -> Result<Value, HttpError> {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    answer(
        http.post(url)
            .basic_auth(auth.0, Some(auth.1))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await,
    )
    .await
}

pub async fn get_json(http: &reqwest::Client, url: &str, auth: (&str, &str)) -> Result<Value, HttpError> {
    answer(
        http.get(url)
            .basic_auth(auth.0, Some(auth.1))
            .header("accept", "application/json")
            .send()
            .await,
    )
    .await
}
