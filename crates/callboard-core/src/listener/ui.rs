//! The UI listener, loopback only: the built UI as static files, the command table at `POST /api/rpc` and
//! the event stream at `GET /api/events` (WebSocket). Every `/api` route needs the per-launch token
//! (`Authorization: Bearer …`, or `?token=` where a browser cannot set headers, i.e. WebSockets). A Host
//! check refuses DNS-rebinding pages; the token in a header also keeps other sites' forms out (CSRF).

use std::{path::PathBuf, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        Path, Query, Request, State,
        ws::{Message, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    limit::RequestBodyLimitLayer,
    services::{ServeDir, ServeFile},
    trace::TraceLayer,
};

use super::error_response;
use crate::{
    api::{self, Actor, ApiError, ErrorCode, RpcRequest},
    app::App,
    events::EventStream,
};

const BODY_LIMIT: usize = 8 * 1024 * 1024;
const PING_EVERY: Duration = Duration::from_secs(20);

pub fn router(app: Arc<App>, ui_dir: Option<PathBuf>) -> Router {
    let api = Router::new()
        .route("/rpc", post(rpc))
        .route("/events", get(events))
        .route("/calls/{id}/listen", get(listen))
        .route("/agents/{id}/talk", get(talk))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        // Uploads stream to disk under their own, larger limit.
        .merge(super::ui_files::routes())
        .fallback(|req: Request| async move { super::not_found(req.uri().path()) })
        .route_layer(middleware::from_fn_with_state(app.clone(), require_token));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .nest("/api", api)
        .with_state(app);
    let router = match ui_dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => {
            let index = dir.join("index.html");
            router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        }
        None => router.fallback(|| async { Html(UI_MISSING) }),
    };
    router.layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new_for_http())
            .layer(CatchPanicLayer::new())
            .layer(middleware::from_fn(require_loopback_host)),
    )
}

const UI_MISSING: &str = "<!doctype html><title>Callboard</title><body style=\"font-family:sans-serif;padding:3em\">\
<h1>Callboard is running</h1><p>The UI files were not found. Build them with <code>npm --prefix ui run build</code> \
or point <code>--ui-dir</code> / <code>CALLBOARD_UI_DIR</code> at a built <code>ui/dist</code>.</p>";

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok", "listener": "ui", "version": crate::VERSION }))
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn require_token(
    State(app): State<Arc<App>>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let offered = bearer.or(q.token.as_deref());
    match offered {
        Some(token) if app.ui_token().matches(token) => next.run(req).await,
        _ => error_response(ApiError::new(
            ErrorCode::Unauthorized,
            "missing or wrong token: open the URL that `callboard serve` printed",
        )),
    }
}

/// Only `localhost`-style Host headers: a page on another site that rebinds its DNS name to 127.0.0.1
/// still sends its own name.
async fn require_loopback_host(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let ok = name.is_empty()
        || name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if ok {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, "the UI listener only answers to localhost").into_response()
    }
}

async fn rpc(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: RpcRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(ApiError::new(
                ErrorCode::BadRequest,
                format!("the body must be JSON like {{\"cmd\": \"health\", \"args\": {{}}}}: {e}"),
            ));
        }
    };
    match api::dispatch(&app, Actor::Ui, req).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => error_response(e),
    }
}

async fn events(State(app): State<Arc<App>>, ws: WebSocketUpgrade) -> Response {
    // Subscribe before answering the upgrade: whatever happens after the client sees 101 reaches it.
    let stream = app.events.subscribe();
    ws.on_upgrade(move |socket| forward_events(stream, socket))
}

/// Live listen (see `live::listen`): 404 when the call has no live media.
async fn listen(State(app): State<Arc<App>>, Path(id): Path<i64>, ws: WebSocketUpgrade) -> Response {
    match app.media_taps.subscribe(id) {
        Some(frames) => ws.on_upgrade(move |socket| crate::live::listen::forward(frames, socket)),
        None => error_response(ApiError::new(
            ErrorCode::NotFound,
            format!("call {id} has no live audio (it has ended, or its provider sends no media stream)"),
        )),
    }
}

/// "Talk to agent" (see `media::talk`): always upgrades, so the browser can read why a session could not
/// start (an `error` frame with `{code, message}`; a refused upgrade shows a browser nothing).
async fn talk(State(app): State<Arc<App>>, Path(id): Path<i64>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(crate::media::routes::MAX_MESSAGE)
        .on_upgrade(move |socket| crate::media::talk::run(app, socket, id))
}

/// Pushes event batches to one UI until it goes away.
async fn forward_events(mut stream: EventStream, mut socket: WebSocket) {
    let mut ping = tokio::time::interval(PING_EVERY);
    loop {
        tokio::select! {
            batch = stream.next_batch() => {
                let Some(batch) = batch else { break };
                let text = match serde_json::to_string(&batch) {
                    Ok(t) => t,
                    Err(e) => { tracing::error!(error = %e, "cannot serialise events"); continue; }
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                // The UI sends nothing we act on; a close or an error ends the stream.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            }
        }
    }
}
