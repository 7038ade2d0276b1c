//! The public listener: what the providers reach through the tunnel: `/healthz`, the webhook routes
//! (`webhooks::routes`) and a JSON 404 for everything else; and the media WebSockets (`media::routes`). Hardened for the
//! internet: per-route body limits, request timeout, concurrency cap with load shedding, panics turned into
//! 500s, sensitive headers kept out of logs.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    error_handling::HandleErrorLayer,
    extract::Request,
    http::{StatusCode, header},
    response::IntoResponse,
    routing::get,
};
use tower::{BoxError, ServiceBuilder};
use tower_http::{
    catch_panic::CatchPanicLayer, limit::RequestBodyLimitLayer,
    sensitive_headers::SetSensitiveRequestHeadersLayer, timeout::TimeoutLayer, trace::TraceLayer,
};

use crate::app::App;

/// Largest webhook body accepted on ordinary routes.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Requests handled at once before new ones are shed with 503.
pub const CONCURRENCY_LIMIT: usize = 512;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(app: Arc<App>) -> Router {
    let webhooks = crate::webhooks::routes::router(app.clone());
    let app_for_media = app.clone();
    let app_for_sip = app.clone();
    let sensitive = [
        header::AUTHORIZATION,
        header::HeaderName::from_static("x-twilio-signature"),
        header::HeaderName::from_static("elevenlabs-signature"),
        header::HeaderName::from_static("webhook-signature"),
    ];
    // Body limits are per route: the webhook routes set their own (ElevenLabs' audio needs more).
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(|req: Request| async move { super::not_found(req.uri().path()) })
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(webhooks)
        .merge(crate::openai::sip::router(app_for_sip))
        .merge(crate::media::routes::router(app_for_media))
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new(sensitive))
                .layer(TraceLayer::new_for_http())
                .layer(CatchPanicLayer::new())
                .layer(HandleErrorLayer::new(|e: BoxError| async move {
                    tracing::warn!(error = %e, "public request shed");
                    (StatusCode::SERVICE_UNAVAILABLE, "busy, retry later")
                }))
                .load_shed()
                .concurrency_limit(CONCURRENCY_LIMIT)
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                )),
        )
}

/// With `?nonce=N` it also answers `proof = HMAC(instance key, N)`: the reachability self-test's evidence
/// that a request through the public URL arrived here (`setup::selftest`).
async fn healthz(
    axum::extract::State(app): axum::extract::State<Arc<App>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> impl IntoResponse {
    let mut body = serde_json::json!({ "status": "ok", "listener": "public", "version": crate::VERSION });
    let nonce = query
        .as_deref()
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "nonce"))
        .map(|(_, v)| v.into_owned())
        .filter(|n| !n.is_empty() && n.len() <= crate::setup::selftest::MAX_NONCE_LEN);
    if let Some(nonce) = nonce {
        body["proof"] = crate::setup::selftest::proof(app.setup.selftest_key(), &nonce).into();
        body["nonce"] = nonce.into();
    }
    Json(body)
}
