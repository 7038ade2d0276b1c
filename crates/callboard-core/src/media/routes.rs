//! The media WebSocket routes on the public listener. Every check happens before the upgrade, so a socket
//! that is not the carrier's never opens: `/media/twilio` needs a valid `X-Twilio-Signature` over the `wss://`
//! URL (our public base, scheme swapped; with and without a trailing slash and port), `/media/exotel/{secret}`
//! the install's path secret and, when the URL carries them, a `call_id` and its media token. Twilio's call id
//! and token arrive inside `start` (`<Parameter>`s; query strings do not survive Twilio) and are checked there.

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{
        Path, Query, State,
        ws::{WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    carrier::Carrier,
    session::{self, Admitted},
};
use crate::{
    app::App,
    webhooks::{sig_exotel, sig_twilio},
};

/// Largest WebSocket message accepted from a carrier.
pub const MAX_MESSAGE: usize = 256 * 1024;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/media/twilio", get(twilio))
        .route("/media/twilio/", get(twilio))
        .route("/media/exotel/{secret}", get(exotel))
        .with_state(app)
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The URLs Twilio may have signed for this request: the public base with its scheme made `wss`/`ws`, or,
/// without a configured base, this request's host under both schemes; each with and without a trailing `/`.
pub fn signed_url_candidates(public_base: Option<&str>, host: &str, path_and_query: &str) -> Vec<String> {
    let bases: Vec<String> = match public_base {
        Some(base) => {
            let base = base.trim_end_matches('/');
            let swapped = if let Some(rest) = base.strip_prefix("https://") {
                format!("wss://{rest}")
            } else if let Some(rest) = base.strip_prefix("http://") {
                format!("ws://{rest}")
            } else {
                base.to_owned()
            };
            vec![swapped]
        }
        None => vec![format!("wss://{host}"), format!("ws://{host}")],
    };
    let trimmed = path_and_query.trim_end_matches('/');
    let mut out = Vec::new();
    for b in bases {
        out.push(format!("{b}{trimmed}"));
        out.push(format!("{b}{trimmed}/"));
    }
    out
}

async fn twilio(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let token = app.webhooks.secrets().twilio_auth_token;
    let token = token.as_ref().map_or("", |s| s.expose());
    let signature = header_str(&headers, "x-twilio-signature");
    let algorithm = sig_twilio::Algorithm::from_settings_header(
        headers
            .get("x-twilio-webhooks-signature-settings")
            .and_then(|v| v.to_str().ok()),
    );
    let public = app.info().public_base_url;
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let candidates = signed_url_candidates(public.as_deref(), header_str(&headers, "host"), path_and_query);
    let mut verdict = Err(crate::webhooks::SignatureError::Missing);
    for url in &candidates {
        verdict = sig_twilio::validate(token, url, sig_twilio::Payload::Form(&[]), signature, algorithm);
        if verdict.is_ok() {
            break;
        }
    }
    if let Err(e) = verdict {
        tracing::warn!(reason = %e, "Twilio media stream refused before the upgrade");
        return refuse(StatusCode::UNAUTHORIZED, "bad_signature", &e.to_string());
    }
    match upgrade {
        Ok(ws) => ws.max_message_size(MAX_MESSAGE).on_upgrade(move |socket| {
            session::run(
                app,
                socket,
                Admitted {
                    carrier: Carrier::Twilio,
                    call_id: None,
                },
            )
        }),
        Err(e) => refuse(StatusCode::BAD_REQUEST, "not_websocket", &e.body_text()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExotelQuery {
    call_id: Option<String>,
    token: Option<String>,
}

async fn exotel(
    State(app): State<Arc<App>>,
    Path(secret): Path<String>,
    Query(q): Query<ExotelQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if let Err(e) = sig_exotel::verify(app.webhooks.secrets().exotel_webhook.as_ref(), &secret) {
        tracing::warn!(reason = %e, "Exotel media stream refused before the upgrade");
        return refuse(StatusCode::FORBIDDEN, "forbidden", "unknown media secret");
    }
    let call_id = match (q.call_id, q.token) {
        (None, None) => None,
        (Some(id), Some(token)) => match id.trim().parse::<i64>() {
            Ok(id) if app.check_media_token(id, &token) => Some(id),
            _ => {
                tracing::warn!("Exotel media stream refused: wrong call token");
                return refuse(StatusCode::FORBIDDEN, "forbidden", "wrong call token");
            }
        },
        _ => {
            return refuse(
                StatusCode::FORBIDDEN,
                "forbidden",
                "call_id and token go together",
            );
        }
    };
    match upgrade {
        Ok(ws) => ws.max_message_size(MAX_MESSAGE).on_upgrade(move |socket| {
            session::run(
                app,
                socket,
                Admitted {
                    carrier: Carrier::Exotel,
                    call_id,
                },
            )
        }),
        Err(e) => refuse(StatusCode::BAD_REQUEST, "not_websocket", &e.body_text()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_url_is_the_public_base_as_wss() {
        let c = signed_url_candidates(
            Some("https://calm-otter-42.ngrok-free.app/"),
            "127.0.0.1:9",
            "/media/twilio",
        );
        assert_eq!(
            c,
            [
                "wss://calm-otter-42.ngrok-free.app/media/twilio",
                "wss://calm-otter-42.ngrok-free.app/media/twilio/"
            ]
        );
        let c = signed_url_candidates(None, "127.0.0.1:9", "/media/twilio");
        assert!(c.contains(&"ws://127.0.0.1:9/media/twilio".to_owned()));
        assert!(c.contains(&"wss://127.0.0.1:9/media/twilio".to_owned()));
    }
}
