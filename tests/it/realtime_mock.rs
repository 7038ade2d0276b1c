//! A local stand-in for OpenAI Realtime (GA WebSocket at `/v1/realtime`), scripted by the test: it checks
//! the bearer key and the absence of the beta header, answers `session.update` with `session.updated`
//! echoing the formats it was given, reports everything the bridge sends, and sends what the test says
//! (`CLOSE` drops the socket without a close frame). Plus the carrier-side helpers the Realtime tests share.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{
        State,
        ws::{Message as AxMessage, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use callboard_core::{
    app::App,
    engine::{CallRef, DialError, DialRequest, Dialed, Dialer, Reconciled, dialer::Capabilities},
    media::agent::AgentError,
    openai::realtime::{self, EscalationPolicy, RealtimeConfig, RealtimeProfiles, RealtimeSetup},
    secret::Secret,
};
use callboard_testkit::{PUBLIC_BASE_URL, Served, TWILIO_TOKEN};
use futures_util::{SinkExt, StreamExt, future::BoxFuture};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

pub const API_KEY: &str = "sk-test-realtime";
pub const CLOSE: &str = "CLOSE";
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/openai-realtime");

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// What the mock saw: each JSON the bridge sent, or `None` once the socket closed.
pub struct MockRealtime {
    pub addr: SocketAddr,
    pub seen: mpsc::UnboundedReceiver<Option<Value>>,
    pub say: mpsc::UnboundedSender<String>,
}

#[derive(Clone)]
struct MockState {
    seen: mpsc::UnboundedSender<Option<Value>>,
    say: Arc<Mutex<Option<mpsc::UnboundedReceiver<String>>>>,
}

pub async fn start() -> std::io::Result<MockRealtime> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let (say, say_rx) = mpsc::unbounded_channel();
    let state = MockState {
        seen: seen_tx,
        say: Arc::new(Mutex::new(Some(say_rx))),
    };
    let router = Router::new()
        .route("/v1/realtime", get(upgrade))
        .with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(MockRealtime { addr, seen, say })
}

async fn upgrade(State(s): State<MockState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {API_KEY}")) || headers.contains_key("openai-beta") {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ws.on_upgrade(move |socket| session(s, socket))
}

async fn session(s: MockState, mut socket: WebSocket) {
    let Some(mut say) = s.say.lock().await.take() else {
        return;
    };
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(AxMessage::Text(t))) => t.to_string(),
                    Some(Ok(AxMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if v["type"] == "session.update" {
                    let mut session = v["session"].clone();
                    session["id"] = json!("sess_mock");
                    session["object"] = json!("realtime.session");
                    let updated = json!({"type": "session.updated", "event_id": "event_mock_1", "session": session});
                    let _ = socket.send(AxMessage::Text(updated.to_string().into())).await;
                }
                let _ = s.seen.send(Some(v));
            }
            line = say.recv() => match line.as_deref() {
                Some(CLOSE) | None => {
                    drop(socket);
                    return;
                }
                Some(text) => { let _ = socket.send(AxMessage::Text(text.to_owned().into())).await; }
            },
        }
    }
    let _ = s.seen.send(None);
}

/// Next thing the bridge sent to the mock that is not caller audio (`None`: closed or 10 s of silence).
pub async fn next_event(mock: &mut MockRealtime) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), mock.seen.recv()).await {
            Ok(Some(Some(v))) if v["type"] == "input_audio_buffer.append" => continue,
            Ok(Some(v)) => return v,
            _ => return None,
        }
    }
}

/// Next message of any kind, audio included.
pub async fn next_any(mock: &mut MockRealtime) -> Option<Value> {
    match tokio::time::timeout(Duration::from_secs(10), mock.seen.recv()).await {
        Ok(Some(v)) => v,
        _ => None,
    }
}

/// Profiles built from a fixture setup.
pub struct FixtureProfiles(pub RealtimeSetup);

impl RealtimeProfiles for FixtureProfiles {
    fn setup(&self, _agent_id: i64) -> BoxFuture<'static, Result<RealtimeSetup, AgentError>> {
        let setup = self.0.clone();
        Box::pin(async move { Ok(setup) })
    }
}

pub fn fixture(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{path}")).unwrap_or_default())
        .unwrap_or(Value::Null)
}

pub fn session_lines(name: &str) -> Vec<Value> {
    std::fs::read_to_string(format!("{FIXTURES}/sessions/{name}"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub fn intake_schema() -> Value {
    json!({"type": "object", "properties": {
        "name": {"type": "string", "minLength": 1},
        "reason": {"type": "string"},
        "urgency": {"type": "string", "enum": ["low", "normal", "high", "emergency"]}},
        "required": ["name", "urgency"]})
}

/// The Twilio fixture's session object as a profile would give it, with an intake schema.
pub fn setup(escalation: EscalationPolicy) -> RealtimeSetup {
    RealtimeSetup {
        model: "gpt-realtime-2.1".into(),
        session: fixture("ws/client_to_server/session_update_twilio_pcmu.json")["session"].clone(),
        intake_schema: Some(intake_schema()),
        escalation,
        prompt_version: Some(7),
        first_message: Some("Thanks for calling Example Corp, how can I help?".into()),
    }
}

/// Points the app's bridge at the mock for `openai-realtime` agents.
pub fn use_realtime(app: &Arc<App>, mock: &MockRealtime, setup: RealtimeSetup) {
    use_realtime_limited(app, mock, setup, realtime::SESSION_LIMIT);
}

/// As [`use_realtime`], winding sessions down after `limit`.
pub fn use_realtime_limited(app: &Arc<App>, mock: &MockRealtime, setup: RealtimeSetup, limit: Duration) {
    let config = RealtimeConfig {
        api_key: Secret::new(API_KEY),
        base_url: format!("http://{}", mock.addr),
        handshake_timeout: Duration::from_secs(5),
        session_limit: limit,
        prices: None,
    };
    let backend = realtime::backend(app.clone(), config, Arc::new(FixtureProfiles(setup)));
    realtime::install(app, backend);
}

/// A contact, an OpenAI Realtime agent and an in-progress call through `provider`.
pub async fn seed_call(app: &App, provider: &str) -> Result<i64, Box<dyn std::error::Error>> {
    crate::media_mock::seed_agent_call(
        app,
        provider,
        crate::media_mock::SeedAgent {
            name: "Intake",
            provider: "openai-realtime",
            external_id: None,
            contact_variables: "{}",
            phone_prefix: "+1415556",
        },
    )
    .await
}

/// Opens `/media/twilio` signed as Twilio signs it.
pub async fn twilio_socket(s: &Served) -> Result<Socket, tungstenite::Error> {
    let ws_base = PUBLIC_BASE_URL.replace("https://", "wss://");
    let sig = callboard_core::webhooks::sig_twilio::sign(
        TWILIO_TOKEN,
        &format!("{ws_base}/media/twilio"),
        &[],
        callboard_core::webhooks::sig_twilio::Algorithm::Sha1,
    );
    let mut req = format!("ws://{}/media/twilio", s.running.public_addr).into_client_request()?;
    req.headers_mut().insert(
        "x-twilio-signature",
        sig.parse().map_err(|_| tungstenite::Error::Utf8(String::new()))?,
    );
    Ok(tokio_tungstenite::connect_async(req).await?.0)
}

pub async fn send(ws: &mut Socket, v: &Value) -> TestResult {
    ws.send(Message::text(v.to_string())).await?;
    Ok(())
}

/// The next JSON text from the bridge; `None` once it closed the socket.
pub async fn next_json(ws: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => {}
        }
    }
}

pub async fn until_closed(ws: &mut Socket) -> Vec<Value> {
    let mut got = Vec::new();
    while let Some(v) = next_json(ws).await {
        got.push(v);
    }
    got
}

pub fn with_call(mut start: Value, carrier_key: &str, call_id: i64, token: &str) -> Value {
    start["start"][carrier_key]["call_id"] = json!(call_id.to_string());
    start["start"][carrier_key]["token"] = json!(token);
    start
}

/// Call controls that only record transfers.
#[derive(Debug, Default)]
pub struct TransferLog {
    transfers: std::sync::Mutex<Vec<(i64, String)>>,
}

impl TransferLog {
    pub fn transfers(&self) -> Vec<(i64, String)> {
        self.transfers.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Registers a new log as the call controls of `provider`.
    pub fn install(app: &App, provider: &str) -> Arc<TransferLog> {
        let log = Arc::new(TransferLog::default());
        let dialers: std::collections::HashMap<String, Arc<dyn Dialer>> =
            std::collections::HashMap::from([(provider.to_owned(), log.clone() as Arc<dyn Dialer>)]);
        app.call_controls.set(dialers);
        log
    }
}

impl Dialer for TransferLog {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            hang_up: true,
            whisper: false,
            transfer: true,
        }
    }
    fn dial(&self, _r: DialRequest) -> BoxFuture<'static, Result<Dialed, DialError>> {
        Box::pin(async { Err(DialError::Unsupported("not in this test".into())) })
    }
    fn hang_up(&self, _call: CallRef) -> BoxFuture<'static, Result<(), DialError>> {
        Box::pin(async { Ok(()) })
    }
    fn reconcile(&self, _call: CallRef) -> BoxFuture<'static, Result<Reconciled, DialError>> {
        Box::pin(async { Ok(Reconciled::NotFound) })
    }
    fn transfer(&self, call: CallRef, to: String) -> BoxFuture<'static, Result<(), DialError>> {
        self.transfers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((call.call_id, to));
        Box::pin(async { Ok(()) })
    }
}

/// The fixture's messages in one direction, in order.
pub fn from(lines: &[Value], dir: &str) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l["dir"] == dir)
        .map(|l| l["msg"].clone())
        .collect()
}

pub fn say(mock: &MockRealtime, msgs: &[Value]) -> TestResult {
    for m in msgs {
        mock.say.send(m.to_string())?;
    }
    Ok(())
}

/// Sends a caller frame and waits until the mock has it: everything the carrier sent before it has
/// reached the backend (the bridge handles one socket's frames in order).
pub async fn barrier(ws: &mut Socket, mock: &mut MockRealtime, frame: &Value) -> TestResult {
    send(ws, frame).await?;
    loop {
        let v = next_any(mock).await.ok_or("the mock heard nothing")?;
        if v["type"] == "input_audio_buffer.append" {
            return Ok(());
        }
    }
}

pub async fn agent_state(
    s: &callboard_testkit::Served,
    call_id: i64,
) -> Result<Value, Box<dyn std::error::Error>> {
    let a = s.rpc("call.agent_state", json!({"id": call_id})).await?;
    assert_eq!(a.status, 200, "{}", a.body);
    Ok(a.body)
}
