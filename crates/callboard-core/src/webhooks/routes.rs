//! The webhook routes on the public listener: `/webhooks/elevenlabs`, `/webhooks/twilio/{status,amd,
//! recording,stream}` and `/webhooks/exotel/{secret}/{status,passthru}`. Each handler verifies the raw bytes,
//! appends the event to the delivery spool, and only then answers 200 (a duplicate gets 200 too); the journal
//! writer and the applier do the rest. A failed check answers 401 (Exotel's path secret: 403), is recorded as `rejected` without its
//! body, and counts towards the spike alert; past the per-route budget for rejections it gets 429.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{any, post},
};
use serde_json::{Value, json};

use super::{
    Provider, SignatureError, extract, hub::Accepted, sig_elevenlabs, sig_exotel, sig_twilio, source_ip,
};
use crate::{
    app::App,
    clock::to_db,
    events::Event,
    store::call_events::{self, NewEvent},
};

/// Body limit for ordinary webhooks.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// ElevenLabs' route also receives `post_call_audio` (base64 MP3, several MB per call).
pub const AUDIO_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Bodies above this are kept in a file next to the database instead of in the journal row.
const INLINE_BODY_MAX: usize = 256 * 1024;
pub(crate) const INBOX_DIR: &str = "webhooks/inbox";
const TWILIO_KINDS: [&str; 4] = ["status", "amd", "recording", "stream"];
const EXOTEL_KINDS: [&str; 2] = ["status", "passthru"];

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/webhooks/elevenlabs",
            post(elevenlabs).layer(DefaultBodyLimit::max(AUDIO_BODY_LIMIT)),
        )
        .route(
            "/webhooks/twilio/{kind}",
            any(twilio).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(
            "/webhooks/exotel/{secret}/{kind}",
            any(exotel).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .with_state(app)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The headers worth keeping; never a signature or anything secret.
fn kept_headers(headers: &HeaderMap, route: &str) -> Value {
    let mut map = serde_json::Map::new();
    map.insert("route".into(), route.into());
    for name in [
        "content-type",
        "content-length",
        "user-agent",
        "i-twilio-idempotency-token",
        "x-forwarded-for",
        "x-home-region",
    ] {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            map.insert(name.into(), v.into());
        }
    }
    Value::Object(map)
}

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

async fn elevenlabs(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let secret = app.webhooks.secrets().elevenlabs_webhook;
    let verdict = sig_elevenlabs::verify(
        secret.as_ref().map_or("", |s| s.expose()),
        header_str(&headers, "elevenlabs-signature"),
        &body,
        app.clock.now(),
        app.webhooks.future_skew(),
    );
    accept(
        &app,
        Provider::Elevenlabs,
        "elevenlabs",
        "",
        verdict,
        &headers,
        body,
    )
    .await
}

async fn twilio(
    State(app): State<Arc<App>>,
    Path(kind): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(kind) = TWILIO_KINDS.into_iter().find(|k| *k == kind) else {
        return answer(StatusCode::NOT_FOUND, "not_found", "no such Twilio webhook");
    };
    let route = match kind {
        "status" => "twilio/status",
        "amd" => "twilio/amd",
        "recording" => "twilio/recording",
        _ => "twilio/stream",
    };
    // The URL Twilio called: the configured public base (a tunnel rewrites scheme, host and port), else
    // what this request says about itself.
    let base = app
        .info()
        .public_base_url
        .unwrap_or_else(|| format!("http://{}", header_str(&headers, "host")));
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let url = format!("{}{path_and_query}", base.trim_end_matches('/'));
    let token = app.webhooks.secrets().twilio_auth_token;
    let token = token.as_ref().map_or("", |s| s.expose());
    let signature = header_str(&headers, "x-twilio-signature");
    let algorithm = sig_twilio::Algorithm::from_settings_header(
        headers
            .get("x-twilio-webhooks-signature-settings")
            .and_then(|v| v.to_str().ok()),
    );
    let has_body_hash = uri.query().is_some_and(|q| q.contains("bodySHA256="));
    let form = if method == Method::GET || has_body_hash {
        Vec::new()
    } else {
        sig_twilio::parse_form(&body)
    };
    let payload = if has_body_hash {
        sig_twilio::Payload::Body(&body)
    } else {
        sig_twilio::Payload::Form(&form)
    };
    let verdict = sig_twilio::validate(token, &url, payload, signature, algorithm);
    // A GET carries its parameters in the query: journal those as the body.
    let body = if method == Method::GET {
        Bytes::from(uri.query().unwrap_or("").to_owned())
    } else {
        body
    };
    accept(&app, Provider::Twilio, route, kind, verdict, &headers, body).await
}

async fn exotel(
    State(app): State<Arc<App>>,
    extensions: axum::http::Extensions,
    Path((secret, kind)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let verdict =
        sig_exotel::verify(app.webhooks.secrets().exotel_webhook.as_ref(), &secret).and_then(|()| {
            let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
            exotel_source_allowed(&app, peer, &headers)
        });
    let Some(kind) = EXOTEL_KINDS.into_iter().find(|k| *k == kind) else {
        return answer(StatusCode::NOT_FOUND, "not_found", "no such Exotel webhook");
    };
    let route = if kind == "status" {
        "exotel/status"
    } else {
        "exotel/passthru"
    };
    let mut headers = headers;
    let body = if method == Method::GET {
        // Passthru GETs carry everything in the query string.
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        Bytes::from(uri.query().unwrap_or("").to_owned())
    } else {
        body
    };
    accept(&app, Provider::Exotel, route, kind, verdict, &headers, body).await
}

/// Checks the optional allow-list (after the path secret, so a wrong secret is reported as such).
fn exotel_source_allowed(
    app: &App,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), SignatureError> {
    let Some(allowed) = app.webhooks.exotel_allowed() else {
        return Ok(());
    };
    match source_ip::client_ip(peer, headers) {
        Some(ip) if allowed.allows(ip) => Ok(()),
        Some(ip) => Err(SignatureError::SourceNotAllowed(ip)),
        None => Err(SignatureError::SourceUnknown),
    }
}

/// Spool first, then answer.
// At debug: an info span per delivery cost the fmt layers an allocation and a formatted field set each.
#[tracing::instrument(level = "debug", skip_all, fields(provider = provider.as_str(), route))]
async fn accept(
    app: &Arc<App>,
    provider: Provider,
    route: &'static str,
    kind: &str,
    verdict: Result<(), SignatureError>,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let now = to_db(app.clock.now());
    let kept = kept_headers(headers, route);
    if let Err(e) = verdict {
        return reject(app, provider, route, e, kept, now).await;
    }
    let c = extract::classify(provider, kind, header_str(headers, "content-type"), &body);
    let (inline, body_path) = if body.len() > INLINE_BODY_MAX {
        let rel = format!("{INBOX_DIR}/{}.body", uuid::Uuid::now_v7());
        let path = app.data_dir().join(&rel);
        let written = match tokio::fs::create_dir_all(app.data_dir().join(INBOX_DIR)).await {
            Ok(()) => tokio::fs::write(&path, &body).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, "cannot keep a webhook body; asking the provider to retry");
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "cannot store the event; retry",
            );
        }
        (None, Some(rel))
    } else {
        (Some(body.to_vec()), None)
    };
    let event = NewEvent {
        provider: provider.as_str(),
        kind: c.kind.clone(),
        idempotency_key: c.idempotency_key,
        headers: kept,
        body: inline,
        body_path: body_path.clone(),
        received_at: now,
        occurred_at: c.occurred_at,
        sequence: c.sequence,
    };
    // In the spool, the delivery is safe: the journal writer commits it and the applier applies it.
    match app.webhooks.accept(&app.store, event).await {
        Ok(Accepted::New) => (StatusCode::OK, Json(json!({ "status": "accepted" }))).into_response(),
        Ok(Accepted::Duplicate) => {
            tracing::debug!(kind = %c.kind, "duplicate webhook");
            (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response()
        }
        Err(e) => {
            if let Some(p) = body_path {
                let _ = tokio::fs::remove_file(app.data_dir().join(p)).await;
            }
            tracing::error!(error = %e, "cannot take in a webhook; asking the provider to retry");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "cannot store the event; retry",
            )
        }
    }
}

fn emit(app: &App, id: i64, provider: Provider, kind: &str, status: &str) {
    app.events.emit(Event::WebhookReceived {
        id,
        provider: provider.as_str().to_owned(),
        kind: kind.to_owned(),
        status: status.to_owned(),
    });
}

async fn reject(
    app: &Arc<App>,
    provider: Provider,
    route: &'static str,
    e: SignatureError,
    kept: Value,
    now: String,
) -> Response {
    if !app.webhooks.guard.admit_rejected(route) {
        return answer(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many rejected deliveries",
        );
    }
    tracing::warn!(provider = provider.as_str(), route, reason = %e, "webhook rejected");
    let error = e.to_string();
    let (p, r) = (provider.as_str(), route);
    match app
        .store
        .with_tx(move |tx| call_events::reject(tx, p, r, &kept, &error, &now))
        .await
    {
        Ok(id) => emit(app, id, provider, route, "rejected"),
        Err(err) => tracing::error!(error = %err, "cannot record a rejected webhook"),
    }
    if let Some(n) = app.webhooks.guard.note_rejection(app.clock.now()) {
        tracing::warn!(rejected = n, "webhook signature failures spiking");
        app.events.emit(Event::WebhookAlert {
            provider: provider.as_str().to_owned(),
            route: route.to_owned(),
            rejected: n,
            message: format!(
                "{n} webhooks failed their signature check within a minute: webhook secret mismatch?"
            ),
        });
    }
    match provider {
        Provider::Exotel => answer(StatusCode::FORBIDDEN, "forbidden", "unknown webhook secret"),
        _ => answer(StatusCode::UNAUTHORIZED, "bad_signature", &e.to_string()),
    }
}
