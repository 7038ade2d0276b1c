//! Provider connection checks against a local mock of all four providers: the right credentials read the
//! account, wrong ones are "rejected", missing ones "not set up", a dead endpoint "unreachable"; and the
//! `provider.test` command over RPC.

use std::collections::HashMap;

use axum::{Json, Router, http::HeaderMap, http::StatusCode, routing::get};
use base64::Engine as _;
use callboard_core::{
    secret_store::{Credentials, EnvOverrides, MemoryStore},
    setup::provider_check::{self, CheckStatus},
};
use callboard_testkit::TestApp;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A stand-in for all four providers: answers 200 only to the right credentials.
async fn mock_providers() -> Result<String, Box<dyn std::error::Error>> {
    fn basic(user: &str, pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    }
    let auth = |h: &HeaderMap, name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let app = Router::new()
        .route(
            "/v1/user",
            get(move |h: HeaderMap| async move {
                if auth(&h, "xi-api-key") == "xi-good" {
                    (
                        StatusCode::OK,
                        Json(json!({ "subscription": { "tier": "creator" } })),
                    )
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        Json(json!({ "detail": "invalid_api_key" })),
                    )
                }
            }),
        )
        .route(
            "/2010-04-01/Accounts/{file}",
            get(
                move |h: HeaderMap, axum::extract::Path(file): axum::extract::Path<String>| async move {
                    if file == "AC123.json" && auth(&h, "authorization") == basic("AC123", "tw-good") {
                        (
                            StatusCode::OK,
                            Json(json!({ "friendly_name": "Dealer One", "status": "active" })),
                        )
                    } else {
                        (StatusCode::UNAUTHORIZED, Json(json!({ "code": 20003 })))
                    }
                },
            ),
        )
        .route(
            "/v1/Accounts/{file}",
            get(
                move |h: HeaderMap, axum::extract::Path(file): axum::extract::Path<String>| async move {
                    if file == "exo1.json" && auth(&h, "authorization") == basic("ek", "et") {
                        (
                            StatusCode::OK,
                            Json(json!({ "Account": { "Name": "Dealer Exo" } })),
                        )
                    } else {
                        (StatusCode::FORBIDDEN, Json(json!({})))
                    }
                },
            ),
        )
        .route(
            "/v1/models",
            get(move |h: HeaderMap| async move {
                if auth(&h, "authorization") == "Bearer sk-good" {
                    (
                        StatusCode::OK,
                        Json(json!({ "data": [{ "id": "gpt-realtime" }] })),
                    )
                } else {
                    (StatusCode::UNAUTHORIZED, Json(json!({})))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

fn creds_for(base: &str, pairs: &[(&str, &str)]) -> Credentials {
    let mut env: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for p in ["ELEVENLABS", "TWILIO", "EXOTEL", "OPENAI"] {
        env.insert(format!("CALLBOARD_{p}_BASE_URL"), base.to_owned());
    }
    Credentials::new(
        MemoryStore::new(),
        EnvOverrides::from_lookup(|k| env.get(k).cloned()),
        None,
    )
}

#[tokio::test]
async fn provider_checks_read_each_account_and_explain_failures() -> TestResult {
    let base = mock_providers().await?;
    let http = reqwest::Client::new();
    let good = creds_for(
        &base,
        &[
            ("CALLBOARD_ELEVENLABS_API_KEY", "xi-good"),
            ("CALLBOARD_TWILIO_ACCOUNT_SID", "AC123"),
            ("CALLBOARD_TWILIO_AUTH_TOKEN", "tw-good"),
            ("CALLBOARD_EXOTEL_ACCOUNT_SID", "exo1"),
            ("CALLBOARD_EXOTEL_API_KEY", "ek"),
            ("CALLBOARD_EXOTEL_API_TOKEN", "et"),
            ("CALLBOARD_OPENAI_API_KEY", "sk-good"),
        ],
    );
    for (p, words) in [
        ("elevenlabs", "creator"),
        ("twilio", "Dealer One"),
        ("exotel", "Dealer Exo"),
        ("openai", "1 models"),
    ] {
        let c = provider_check::check(&http, &good, p).await;
        assert_eq!(c.status, CheckStatus::Ok, "{p}: {}", c.message);
        assert!(c.message.contains(words), "{p}: {}", c.message);
    }

    let wrong = creds_for(
        &base,
        &[
            ("CALLBOARD_TWILIO_ACCOUNT_SID", "AC123"),
            ("CALLBOARD_TWILIO_AUTH_TOKEN", "tw-bad"),
            ("CALLBOARD_OPENAI_API_KEY", "sk-bad"),
        ],
    );
    let c = provider_check::check(&http, &wrong, "twilio").await;
    assert_eq!(c.status, CheckStatus::Rejected, "{}", c.message);
    assert!(!c.message.contains("tw-bad"));
    assert_eq!(
        provider_check::check(&http, &wrong, "openai").await.status,
        CheckStatus::Rejected
    );
    let c = provider_check::check(&http, &wrong, "exotel").await;
    assert_eq!(c.status, CheckStatus::NotConfigured);
    assert!(c.message.contains("Exotel"), "{}", c.message);

    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", l.local_addr()?)
    };
    let unreachable = creds_for(&dead, &[("CALLBOARD_ELEVENLABS_API_KEY", "xi-good")]);
    let c = provider_check::check(&http, &unreachable, "elevenlabs").await;
    assert_eq!(c.status, CheckStatus::Unreachable, "{}", c.message);

    // And through the command table.
    let s = TestApp::new()?.serve().await?;
    s.test
        .app
        .set_credentials(creds_for(&base, &[("CALLBOARD_ELEVENLABS_API_KEY", "xi-good")]));
    let r = s
        .rpc("provider.test", json!({ "provider": "elevenlabs" }))
        .await?;
    assert_eq!(r.body["status"], "ok", "{:?}", r.body);
    let r = s.rpc("provider.test", json!({ "provider": "vonage" })).await?;
    assert_eq!(r.code(), "validation");
    s.stop().await;
    Ok(())
}
