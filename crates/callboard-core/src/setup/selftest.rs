//! Reachability self-test: can the providers reach *this* process through the public URL? We call
//! `GET {public_url}/healthz?nonce=N` with a fresh random nonce; the public listener answers with
//! `proof = HMAC-SHA256(instance key, N)`, a key that never leaves the process. A matching proof shows the
//! request went out through the URL (tunnel, proxy) and arrived at this listener — not at a stale tunnel,
//! another machine, or a captive portal that answers 200 to everything. Runs on start, whenever the URL
//! changes, and on demand; a failure raises an `Alert` event.

use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};

use crate::{app::App, clock::to_db, events::Event, secret::Secret};

const TIMEOUT: Duration = Duration::from_secs(10);
/// Longest nonce the listener will sign (ours are 64 hex characters).
pub const MAX_NONCE_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfTestResult {
    pub ok: bool,
    /// The base URL tested; `None` when no public URL is configured.
    pub url: Option<String>,
    pub latency_ms: Option<u64>,
    /// Plain words: what happened and what to do.
    pub message: String,
    pub checked_at: String,
}

/// What the listener answers for `nonce`.
pub fn proof(key: &Secret, nonce: &str) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Deserialize)]
struct Healthz {
    #[serde(default)]
    proof: Option<String>,
}

/// Tests `base_url` (no state touched). `key` is the instance key the listener signs with.
pub async fn check(http: &reqwest::Client, key: &Secret, base_url: &str) -> (bool, Option<u64>, String) {
    let nonce = Secret::random();
    let url = format!(
        "{}/healthz?nonce={}",
        base_url.trim_end_matches('/'),
        nonce.expose()
    );
    let started = Instant::now();
    let response = match http.get(&url).timeout(TIMEOUT).send().await {
        Ok(r) => r,
        Err(e) => {
            let why = if e.is_timeout() {
                "no answer within 10 s".to_owned()
            } else if e.is_connect() {
                "could not connect (is the tunnel running and the address right?)".to_owned()
            } else {
                format!("request failed: {e}")
            };
            return (false, None, format!("{base_url} is not reachable: {why}"));
        }
    };
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status = response.status();
    if !status.is_success() {
        return (
            false,
            Some(latency),
            format!(
                "{base_url}/healthz answered HTTP {status}: the URL does not lead to this app's listener"
            ),
        );
    }
    let body: Option<Healthz> = response.json().await.ok();
    match body.and_then(|b| b.proof) {
        Some(p) if Secret::new(proof(key, nonce.expose())).matches(&p) => (
            true,
            Some(latency),
            format!("{base_url} reaches this app ({latency} ms round trip)"),
        ),
        Some(_) => (
            false,
            Some(latency),
            format!(
                "{base_url} answers, but from another Callboard (the proof does not match): the tunnel or \
                 proxy points at a different machine or an older run"
            ),
        ),
        None => (
            false,
            Some(latency),
            format!("{base_url} answers, but not as a Callboard listener: check where the URL forwards to"),
        ),
    }
}

/// Tests the app's effective public URL, remembers the result, and raises an alert when it fails.
pub async fn run(app: &App) -> SelfTestResult {
    let url = app.setup.public_url().map(|(u, _)| u);
    let (ok, latency_ms, message) = match &url {
        None => (
            false,
            None,
            "No public URL is configured: providers cannot send webhooks. Set one in Settings or start a tunnel."
                .to_owned(),
        ),
        Some(u) => check(&app.setup.http, app.setup.selftest_key(), u).await,
    };
    let result = SelfTestResult {
        ok,
        url: url.clone(),
        latency_ms,
        message,
        checked_at: to_db(app.clock.now()),
    };
    if ok {
        tracing::info!(latency_ms, "reachability self-test passed");
    } else {
        tracing::warn!(message = %result.message, "reachability self-test failed");
        if url.is_some() {
            app.events.emit(Event::Alert {
                kind: "reachability".into(),
                campaign_id: None,
                message: result.message.clone(),
            });
        }
    }
    app.setup.set_last_selftest(result.clone());
    result
}
