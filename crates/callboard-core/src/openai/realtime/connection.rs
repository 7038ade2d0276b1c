//! Opening one call's Realtime session: connect with `Authorization: Bearer` (no beta header), send
//! `session.update`, wait for `session.updated` to confirm µ-law both ways, greet, and hand the socket to
//! the [`Conversation`](super::conversation) pump. An `error` answering the update is fatal.

use std::{collections::HashSet, sync::Arc};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, protocol::WebSocketConfig};

use super::{
    RealtimeConfig, RealtimeProfiles,
    actions::{self, CallInfo},
    conversation::Conversation,
    cost::Prices,
    intake::IntakeSchema,
    phase::Phase,
    playback::Playback,
    rules::{Rules, RulesState},
    session_config,
};
use crate::{
    app::App,
    media::agent::{AgentAudio, AgentError, AgentLink, AgentStart, LINK_CAPACITY},
    store::call_realtime,
};

pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Largest frame accepted or sent (an append may be 15 MiB).
const MAX_FRAME: usize = 32 << 20;

fn unreachable(e: impl std::fmt::Display) -> AgentError {
    AgentError::Unreachable(format!("OpenAI Realtime socket: {e}"))
}

pub(super) async fn connect(
    app: Arc<App>,
    config: RealtimeConfig,
    profiles: Arc<dyn RealtimeProfiles>,
    start: AgentStart,
) -> Result<AgentLink, AgentError> {
    let call_id = start.call_id;
    let call_realtime::CallContext {
        agent_id,
        campaign_id,
        provider,
    } = app
        .store
        .read(move |c| call_realtime::call_context(c, call_id))
        .await
        .map_err(|e| AgentError::Unreachable(format!("cannot read call #{call_id}: {e}")))?
        .ok_or_else(|| AgentError::NotConfigured(format!("call #{call_id} does not exist")))?;
    let agent_id =
        agent_id.ok_or_else(|| AgentError::NotConfigured(format!("call #{call_id} has no agent")))?;
    let setup = profiles.setup(agent_id).await?;
    let schema = setup
        .intake_schema
        .as_ref()
        .map(IntakeSchema::compile)
        .transpose()
        .map_err(AgentError::NotConfigured)?;
    let mut request = config
        .socket_url(&setup.model)
        .into_client_request()
        .map_err(unreachable)?;
    let bearer = format!("Bearer {}", config.api_key.expose())
        .parse()
        .map_err(|_| AgentError::NotConfigured("the OpenAI API key is not a valid header value".into()))?;
    request.headers_mut().insert("authorization", bearer);
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(ws_config), true)
        .await
        .map_err(unreachable)?;
    ws.send(Message::text(session_config::session_update(&setup).to_string()))
        .await
        .map_err(unreachable)?;
    let session = confirmed_session(&mut ws).await?;
    // The prices in Settings (editable), unless the config fixes them (tests).
    let prices = match config.prices {
        Some(p) => p,
        None => {
            let model = setup.model.clone();
            app.store
                .read(move |c| crate::openai::settings::prices(c).map(|p| p.for_call(&model)))
                .await
                .unwrap_or_else(|_| Prices::for_model(&setup.model))
        }
    };
    actions::start_session(&app, call_id, &setup.model, setup.prompt_version).await;
    actions::set_phase(
        &app,
        call_id,
        Phase::Greeting,
        "the agent greets the contact",
        "agent",
    )
    .await;
    let greet = match setup.first_message.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => json!({"type": "response.create", "event_id": "cb_greeting",
            "response": {"instructions": format!("Greet the caller by saying: {m}")}}),
        None => json!({"type": "response.create", "event_id": "cb_greeting"}),
    };
    ws.send(Message::text(greet.to_string()))
        .await
        .map_err(unreachable)?;
    let (input_tx, input_rx) = mpsc::channel(LINK_CAPACITY);
    let (events_tx, events_rx) = mpsc::channel(LINK_CAPACITY);
    let conversation = Conversation {
        app,
        call: CallInfo {
            call_id,
            campaign_id,
            provider,
        },
        server_interrupts: session_config::server_interrupts(&session),
        setup,
        schema,
        prices,
        events: events_tx,
        playback: Playback::default(),
        rules: Rules::default(),
        rules_state: RulesState::default(),
        phase: Phase::Greeting,
        handled: HashSet::new(),
        pending_create: None,
        end_pending: None,
        response_had_audio: false,
        transferred: false,
        outbox: Vec::new(),
    };
    let limit = config.session_limit;
    tokio::spawn(conversation.run(ws, input_rx, limit));
    Ok(AgentLink {
        input_format: AgentAudio::Ulaw8k,
        output_format: AgentAudio::Ulaw8k,
        conversation_id: session["id"].as_str().map(str::to_owned),
        input: input_tx,
        events: events_rx,
    })
}

/// Reads until `session.updated`; an `error` answering the update is fatal (the session would run on
/// server defaults: wrong prompt, no tools, PCM 24 kHz).
async fn confirmed_session(ws: &mut Socket) -> Result<Value, AgentError> {
    loop {
        let text = match ws.next().await {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(frame))) => {
                let why = frame.map_or_else(String::new, |f| format!(" ({} {})", f.code, f.reason));
                return Err(AgentError::Refused(format!("OpenAI closed the session{why}")));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(unreachable(e)),
            None => return Err(AgentError::Refused("OpenAI closed the session".into())),
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match v["type"].as_str() {
            Some("session.updated") => {
                let session = v["session"].clone();
                if !session_config::formats_confirmed(&session) {
                    return Err(AgentError::Refused(format!(
                        "OpenAI did not take audio/pcmu (input {}, output {})",
                        session["audio"]["input"]["format"], session["audio"]["output"]["format"]
                    )));
                }
                return Ok(session);
            }
            Some("error") => return Err(AgentError::Refused(describe_error(&v))),
            _ => {}
        }
    }
}

pub(super) fn describe_error(v: &Value) -> String {
    let e = &v["error"];
    format!(
        "OpenAI error {}: {}",
        e["code"].as_str().or(e["type"].as_str()).unwrap_or("unknown"),
        e["message"].as_str().unwrap_or("(no message)")
    )
}

/// Errors that are part of normal racing and never end a call (pitfalls P3, P5, P7).
pub(super) fn benign(v: &Value) -> bool {
    let e = &v["error"];
    matches!(
        e["code"].as_str(),
        Some("response_cancel_not_active" | "conversation_already_has_active_response")
    ) || e["message"]
        .as_str()
        .is_some_and(|m| m.contains("already shorter than"))
}
