//! Local stand-ins for the far ends of the media bridge: a mock ElevenLabs (signed-URL endpoint plus the
//! agent WebSocket, scripted by the test), and helpers to seed a call and open a carrier socket.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::{
        State,
        ws::{Message as AxMessage, WebSocket, WebSocketUpgrade},
    },
    response::IntoResponse,
    routing::get,
};
use base64::Engine as _;
use callboard_core::{
    app::App,
    media::{
        Bridge,
        agent::AgentBackend,
        elevenlabs_ws::{ElevenLabsAgents, ElevenLabsConfig},
    },
    secret::Secret,
};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

/// What the mock agent saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Init(Value),
    Audio(Vec<u8>),
    Message(Value),
    Closed,
}

/// The mock agent's script handle: `seen` reports, `say` sends raw JSON to the bridge.
pub struct MockAgent {
    pub addr: SocketAddr,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    pub say: mpsc::UnboundedSender<String>,
}

#[derive(Clone)]
struct MockState {
    addr: SocketAddr,
    format: &'static str,
    answer: bool,
    seen: mpsc::UnboundedSender<Seen>,
    say: Arc<Mutex<Option<mpsc::UnboundedReceiver<String>>>>,
}

/// Starts a mock ElevenLabs whose agent uses `format` both ways; `answer: false` never sends metadata.
pub async fn start_agent(format: &'static str, answer: bool) -> std::io::Result<MockAgent> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let (say, say_rx) = mpsc::unbounded_channel();
    let state = MockState {
        addr,
        format,
        answer,
        seen: seen_tx,
        say: Arc::new(Mutex::new(Some(say_rx))),
    };
    let router = Router::new()
        .route("/v1/convai/conversation/get-signed-url", get(signed_url))
        .route("/agent-ws", get(agent_ws))
        .with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(MockAgent { addr, seen, say })
}

async fn signed_url(State(s): State<MockState>, headers: axum::http::HeaderMap) -> impl IntoResponse {
    if headers.get("xi-api-key").and_then(|v| v.to_str().ok()) != Some("xi-test-key") {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            Json(json!({"detail": "bad key"})),
        );
    }
    (
        axum::http::StatusCode::OK,
        Json(json!({"signed_url": format!("ws://{}/agent-ws?conversation_signature=abc", s.addr)})),
    )
}

async fn agent_ws(State(s): State<MockState>, ws: WebSocketUpgrade) -> impl IntoResponse {
    ws.on_upgrade(move |socket| conversation(s, socket))
}

async fn conversation(s: MockState, mut socket: WebSocket) {
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
                if let Some(chunk) = v["user_audio_chunk"].as_str() {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(chunk).unwrap_or_default();
                    let _ = s.seen.send(Seen::Audio(bytes));
                } else if v["type"] == "conversation_initiation_client_data" {
                    let _ = s.seen.send(Seen::Init(v));
                    if s.answer {
                        let meta = json!({"type": "conversation_initiation_metadata", "conversation_initiation_metadata_event": {
                            "conversation_id": "conv_test", "agent_output_audio_format": s.format, "user_input_audio_format": s.format}});
                        let _ = socket.send(AxMessage::Text(meta.to_string().into())).await;
                    }
                } else {
                    let _ = s.seen.send(Seen::Message(v));
                }
            }
            line = say.recv() => match line {
                Some(text) => { let _ = socket.send(AxMessage::Text(text.into())).await; }
                None => break,
            },
        }
    }
    let _ = s.seen.send(Seen::Closed);
}

/// Points the app's bridge at the mock agent.
pub fn use_agent(app: &App, agent: &MockAgent, answer_timeout: Duration) {
    let agents: Arc<dyn AgentBackend> = Arc::new(ElevenLabsAgents::new(
        ElevenLabsConfig {
            api_key: Secret::new("xi-test-key"),
            base_url: format!("http://{}", agent.addr),
            default_agent: None,
        },
        answer_timeout,
    ));
    app.media_sessions.configure(Bridge {
        agents: Some(agents),
        answer_timeout,
        ..Bridge::default()
    });
}

/// A contact, an ElevenLabs agent and an in-progress call through `provider`; returns the call id.
pub async fn seed_call(app: &App, provider: &str) -> Result<i64, Box<dyn std::error::Error>> {
    seed_agent_call(
        app,
        provider,
        SeedAgent {
            name: "A",
            provider: "elevenlabs",
            external_id: Some("agent_x"),
            contact_variables: "{\"plan\":\"gold\"}",
            phone_prefix: "+1415555",
        },
    )
    .await
}

/// The agent (and its contact's variables) a seeded call runs with.
pub struct SeedAgent {
    pub name: &'static str,
    pub provider: &'static str,
    pub external_id: Option<&'static str>,
    pub contact_variables: &'static str,
    /// The contact's number is this prefix and the agent's id in four digits.
    pub phone_prefix: &'static str,
}

/// A contact, `agent` and an in-progress call through `provider`; returns the call id.
pub async fn seed_agent_call(
    app: &App,
    provider: &str,
    agent: SeedAgent,
) -> Result<i64, Box<dyn std::error::Error>> {
    let provider = provider.to_owned();
    let id = app
        .store
        .with_tx(move |tx| {
            let now = "2026-01-05T10:00:00Z";
            tx.execute(
                "INSERT INTO agents(name, provider, external_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                rusqlite::params![agent.name, agent.provider, agent.external_id, now],
            )?;
            let agent_id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO contacts(phone_e164, name, variables, created_at, updated_at) VALUES (?1, 'Ana', ?2, ?3, ?3)",
                rusqlite::params![format!("{}{:04}", agent.phone_prefix, agent_id), agent.contact_variables, now],
            )?;
            let contact = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO calls(provider, provider_call_id, status, agent_id, contact_id, created_at, updated_at) VALUES (?1, ?2, 'in_progress', ?3, ?4, ?5, ?5)",
                rusqlite::params![provider, format!("CA{agent_id}"), agent_id, contact, now],
            )?;
            Ok::<_, callboard_core::store::StoreError>(tx.last_insert_rowid())
        })
        .await?;
    Ok(id)
}

/// Next thing the mock agent saw (the test fails rather than hangs if nothing comes).
pub async fn next_seen(agent: &mut MockAgent) -> Seen {
    match tokio::time::timeout(Duration::from_secs(10), agent.seen.recv()).await {
        Ok(Some(s)) => s,
        _ => Seen::Closed,
    }
}

/// Everything the agent hears until the conversation closes, and the non-audio messages.
pub async fn drain_until_closed(agent: &mut MockAgent) -> (Vec<u8>, Vec<Value>) {
    let (mut audio, mut messages) = (Vec::new(), Vec::new());
    loop {
        match next_seen(agent).await {
            Seen::Audio(b) => audio.extend(b),
            Seen::Message(v) => messages.push(v),
            Seen::Init(_) => {}
            Seen::Closed => return (audio, messages),
        }
    }
}
