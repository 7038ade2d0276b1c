//! OpenAI's Realtime call-control REST API for SIP calls: `POST /v1/realtime/calls/{call_id}/accept` (body:
//! the session object), `/reject` (`{"status_code": 486}`…), `/refer` (`{"target_uri": "tel:+…"}`) and
//! `/hangup` (no body), with `Authorization: Bearer`. The base URL comes from `CALLBOARD_OPENAI_BASE_URL`
//! (tests point it at a local mock).

use serde_json::{Value, json};

use crate::{providers::http::HttpError, secret::Secret};

/// A client for one API key and base URL.
#[derive(Debug, Clone)]
pub struct CallsClient {
    http: reqwest::Client,
    base_url: String,
    api_key: Secret,
}

/// The OpenAI error envelope's message (`{"error":{"message":…}}`), cut short; never the whole body.
fn message_of(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let m = v["error"]["message"]
        .as_str()
        .or(v["message"].as_str())
        .unwrap_or("");
    m.chars().take(200).collect()
}

/// A SIP call id is opaque but goes into a URL path: refuse anything that could change the path.
pub fn valid_call_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl CallsClient {
    pub fn new(base_url: &str, api_key: Secret) -> CallsClient {
        CallsClient {
            http: crate::providers::http::client(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key,
        }
    }

    async fn post(&self, call_id: &str, action: &str, body: Option<&Value>) -> Result<(), HttpError> {
        if !valid_call_id(call_id) {
            return Err(HttpError::Shape("the call id has characters a call id never has"));
        }
        let url = format!("{}/v1/realtime/calls/{call_id}/{action}", self.base_url);
        let mut req = self.http.post(url).bearer_auth(self.api_key.expose());
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| HttpError::Network(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let body = resp.text().await.unwrap_or_default();
        Err(HttpError::Status(status, message_of(&body)))
    }

    /// Answers the call with `session` (the GA session object).
    pub async fn accept(&self, call_id: &str, session: &Value) -> Result<(), HttpError> {
        self.post(call_id, "accept", Some(session)).await
    }

    /// Declines the call with a SIP status (486 busy, 480 unavailable, 603 decline).
    pub async fn reject(&self, call_id: &str, status_code: u16) -> Result<(), HttpError> {
        self.post(call_id, "reject", Some(&json!({ "status_code": status_code })))
            .await
    }

    /// Transfers the call to `target_uri` (`tel:+…` or `sip:…`).
    pub async fn refer(&self, call_id: &str, target_uri: &str) -> Result<(), HttpError> {
        self.post(call_id, "refer", Some(&json!({ "target_uri": target_uri })))
            .await
    }

    /// Ends an accepted call.
    pub async fn hangup(&self, call_id: &str) -> Result<(), HttpError> {
        self.post(call_id, "hangup", None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_ids_that_could_escape_the_path_are_refused() {
        assert!(valid_call_id("rtc_u1_0f0e0d0c0b0a09080706050403020100"));
        for bad in ["", "../secrets", "a/b", "a?b", "a b", &"x".repeat(129)] {
            assert!(!valid_call_id(bad), "{bad}");
        }
        assert_eq!(
            message_of(r#"{"error":{"message":"Incorrect API key provided: sk-FAKE****0000."}}"#),
            "Incorrect API key provided: sk-FAKE****0000."
        );
    }
}
