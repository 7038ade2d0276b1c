//! Sending the simulator's webhooks over HTTP to our own public listener, signed like the real providers
//! sign them (Twilio's `X-Twilio-Signature` over the public URL and the form, ElevenLabs' timestamped
//! HMAC), and counting what the listener answered: the figures `callboard demo` reconciles.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use serde::Serialize;

use super::wire::Body;
use crate::{
    app::App,
    webhooks::{sig_elevenlabs, sig_twilio},
};

/// Counters of what was sent and how the listener answered.
#[derive(Debug, Default)]
pub struct Counters {
    pub planned: AtomicU64,
    pub dropped: AtomicU64,
    pub sent: AtomicU64,
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected: AtomicU64,
    pub errors: AtomicU64,
    pub bad_signatures: AtomicU64,
    pub media_streams: AtomicU64,
    pub transcript_lines: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// Webhooks the plans called for (before drops and duplicates).
    pub planned: u64,
    /// Left unsent on purpose.
    pub dropped: u64,
    /// Requests made (duplicates included).
    pub sent: u64,
    /// Answered 200 `accepted` (journaled as new).
    pub received: u64,
    /// Answered 200 `duplicate` (journaled before; ignored).
    pub duplicates_ignored: u64,
    /// Answered 401/403/429.
    pub rejected: u64,
    /// Network errors or other answers.
    pub errors: u64,
    /// Requests sent with a wrong signature on purpose.
    pub bad_signatures: u64,
    pub media_streams: u64,
    pub transcript_lines: u64,
}

impl Counters {
    pub fn snapshot(&self) -> Sent {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Sent {
            planned: g(&self.planned),
            dropped: g(&self.dropped),
            sent: g(&self.sent),
            received: g(&self.accepted),
            duplicates_ignored: g(&self.duplicates),
            rejected: g(&self.rejected),
            errors: g(&self.errors),
            bad_signatures: g(&self.bad_signatures),
            media_streams: g(&self.media_streams),
            transcript_lines: g(&self.transcript_lines),
        }
    }
}

/// Sends one webhook; never fails (the outcome is counted).
pub async fn send(
    app: &Arc<App>,
    http: &reqwest::Client,
    counters: &Counters,
    body: Body,
    bad_signature: bool,
) {
    let info = app.info();
    let Some(listener) = info.public_listener.clone() else {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("simulator: the public listener is not running; webhook not sent");
        return;
    };
    // What the provider would call: the public URL (a tunnel) if configured, else the listener itself.
    let public = info.public_base_url.clone().unwrap_or_else(|| listener.clone());
    let secrets = app.webhooks.secrets();
    if bad_signature {
        counters.bad_signatures.fetch_add(1, Ordering::Relaxed);
    }
    let request = match body {
        Body::Twilio { path, form } => {
            let token = secrets.twilio_auth_token.as_ref().map_or("", |s| s.expose());
            let token = if bad_signature {
                "not-the-auth-token"
            } else {
                token
            };
            let url = format!("{}{path}", public.trim_end_matches('/'));
            let signature = sig_twilio::sign(token, &url, &form, sig_twilio::Algorithm::Sha1);
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&form)
                .finish();
            http.post(format!("{}{path}", listener.trim_end_matches('/')))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-twilio-signature", signature)
                .header("user-agent", "TwilioProxy/1.1 (callboard simulator)")
                .body(encoded)
        }
        Body::ElevenLabs(json) => {
            let secret = secrets.elevenlabs_webhook.as_ref().map_or("", |s| s.expose());
            let secret = if bad_signature { "not-the-secret" } else { secret };
            let signature = sig_elevenlabs::sign(secret, app.clock.now().as_second(), &json);
            http.post(format!("{}/webhooks/elevenlabs", listener.trim_end_matches('/')))
                .header("content-type", "application/json")
                .header("elevenlabs-signature", signature)
                .body(json)
        }
    };
    counters.sent.fetch_add(1, Ordering::Relaxed);
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(error = %e, "simulator: webhook not delivered");
            return;
        }
    };
    let status = response.status();
    if status.is_success() {
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        if answer["status"] == "duplicate" {
            counters.duplicates.fetch_add(1, Ordering::Relaxed);
        } else {
            counters.accepted.fetch_add(1, Ordering::Relaxed);
        }
    } else if matches!(status.as_u16(), 401 | 403 | 429) {
        counters.rejected.fetch_add(1, Ordering::Relaxed);
    } else {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(%status, "simulator: webhook answered with an error");
    }
}
