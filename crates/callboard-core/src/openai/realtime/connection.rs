//! Opening one call's Realtime session: connect with `Authorization: Bearer` (no beta header), send
//! `session.update`, wait for `session.updated` to confirm µ-law both ways, greet, and hand the socket to
//! the [`Conversation`](super::conversation) pump. An `error` answering the update is fatal. A console test
//! conversation (`AgentStart::test_agent`) opens the same session without a call row; a Realtime SIP call's
//! control socket ([`attach_sip`]) runs the same pump on a session the accept already configured.

use std::{collections::HashSet, sync::Arc};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, protocol::WebSocketConfig};

use super::{
    RealtimeConfig, RealtimeProfiles, RealtimeSetup,
    actions::{self, CallInfo},
    conversation::{Conversation, Kind},
    cost::Prices,
    intake::IntakeSchema,
    phase::Phase,
    playback::Playback,
    rules::{Rules, RulesState},
    session_config,
};
use crate::{
    app::App,
    media::agent::{AgentAudio, AgentError, AgentEvent, AgentInput, AgentLink, AgentStart, LINK_CAPACITY},
    secret::Secret,
    store::call_realtime,
};

pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Largest frame accepted or sent (an append may be 15 MiB).
const MAX_FRAME: usize = 32 << 20;

/// How long a SIP call's control socket may take to open (the call itself goes on without it).
const SIP_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

fn unreachable(e: impl std::fmt::Display) -> AgentError {
    AgentError::Unreachable(format!("OpenAI Realtime socket: {e}"))
}

/// The call (or the test conversation) a session runs for, and the agent's setup.
struct Target {
    kind: Kind,
    call: CallInfo,
    setup: RealtimeSetup,
    schema: Option<IntakeSchema>,
}

async fn target(
    app: &App,
    profiles: &dyn RealtimeProfiles,
    call_id: i64,
    test_agent: Option<i64>,
) -> Result<Target, AgentError> {
    let (kind, call, agent_id) = match test_agent {
        // A console test conversation: no call row to read or write.
        Some(agent_id) => (
            Kind::Test,
            CallInfo {
                call_id: 0,
                campaign_id: None,
                provider: String::new(),
            },
            agent_id,
        ),
        None => {
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
            let kind = if provider == crate::openai::sip::CALL_PROVIDER {
                Kind::Sip
            } else {
                Kind::Bridged
            };
            (
                kind,
                CallInfo {
                    call_id,
                    campaign_id,
                    provider,
                },
                agent_id,
            )
        }
    };
    let setup = profiles.setup(agent_id).await?;
    let schema = setup
        .intake_schema
        .as_ref()
        .map(IntakeSchema::compile)
        .transpose()
        .map_err(AgentError::NotConfigured)?;
    Ok(Target {
        kind,
        call,
        setup,
        schema,
    })
}

/// Opens a GA socket (`Authorization: Bearer`, no beta header) to `url`.
async fn open(url: &str, api_key: &Secret) -> Result<Socket, AgentError> {
    let mut request = url.into_client_request().map_err(unreachable)?;
    let bearer = format!("Bearer {}", api_key.expose())
        .parse()
        .map_err(|_| AgentError::NotConfigured("the OpenAI API key is not a valid header value".into()))?;
    request.headers_mut().insert("authorization", bearer);
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME))
        .max_frame_size(Some(MAX_FRAME));
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(ws_config), true)
        .await
        .map_err(unreachable)?;
    Ok(ws)
}

/// The prices in Settings (editable), unless the config fixes them (tests), for the model and the session's
/// input transcription model.
async fn prices(app: &App, fixed: Option<Prices>, setup: &RealtimeSetup) -> Prices {
    if let Some(p) = fixed {
        return p;
    }
    let model = setup.model.clone();
    let transcription = session_config::transcription_model(&setup.session);
    app.store
        .read(move |c| crate::openai::settings::prices(c).map(|p| p.for_session(&model, &transcription)))
        .await
        .unwrap_or_else(|_| Prices::for_model(&setup.model))
}

/// Records the session's start and greeting phase (calls only). Done before the greeting is sent, so the
/// link is handed back as soon as the model is asked to speak (the bridge holds the caller's audio until then).
async fn record_start(app: &App, target: &Target) {
    if target.kind != Kind::Test {
        let call_id = target.call.call_id;
        actions::start_session(app, call_id, &target.setup.model, target.setup.prompt_version).await;
        actions::set_phase(
            app,
            call_id,
            Phase::Greeting,
            "the agent greets the contact",
            "agent",
        )
        .await;
    }
}

/// Runs the conversation on `ws`.
fn start(
    app: Arc<App>,
    target: Target,
    ws: Socket,
    server_interrupts: bool,
    prices: Prices,
    limit: std::time::Duration,
) -> (mpsc::Sender<AgentInput>, mpsc::Receiver<AgentEvent>) {
    let Target {
        kind,
        call,
        setup,
        schema,
    } = target;
    let (input_tx, input_rx) = mpsc::channel(LINK_CAPACITY);
    let (events_tx, events_rx) = mpsc::channel(LINK_CAPACITY);
    let conversation = Conversation {
        app,
        kind,
        call,
        server_interrupts,
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
        end_after_playout: None,
        audio_playing: false,
        response_had_audio: false,
        transferred: false,
        outbox: Vec::new(),
    };
    tokio::spawn(conversation.run(ws, input_rx, limit));
    (input_tx, events_rx)
}

pub(super) async fn connect(
    app: Arc<App>,
    config: RealtimeConfig,
    profiles: Arc<dyn RealtimeProfiles>,
    start_with: AgentStart,
) -> Result<AgentLink, AgentError> {
    let target = target(&app, profiles.as_ref(), start_with.call_id, start_with.test_agent).await?;
    let mut ws = open(&config.socket_url(&target.setup.model), &config.api_key).await?;
    ws.send(Message::text(
        session_config::session_update(&target.setup).to_string(),
    ))
    .await
    .map_err(unreachable)?;
    let session = confirmed_session(&mut ws).await?;
    let prices = prices(&app, config.prices, &target.setup).await;
    record_start(&app, &target).await;
    let greet = match target
        .setup
        .first_message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        Some(m) => json!({"type": "response.create", "event_id": "cb_greeting",
            "response": {"instructions": format!("Greet the caller by saying: {m}")}}),
        None => json!({"type": "response.create", "event_id": "cb_greeting"}),
    };
    ws.send(Message::text(greet.to_string()))
        .await
        .map_err(unreachable)?;
    let (input, events) = start(
        app,
        target,
        ws,
        session_config::server_interrupts(&session),
        prices,
        config.session_limit,
    );
    Ok(AgentLink {
        input_format: AgentAudio::Ulaw8k,
        output_format: AgentAudio::Ulaw8k,
        conversation_id: session["id"].as_str().map(str::to_owned),
        input,
        events,
    })
}

/// Attaches to the control socket of the accepted Realtime SIP call `openai_call_id` (our row `call_id`):
/// the session was configured by the accept, so this only asks the agent to greet, then runs the same
/// conversation as a bridged call (tools, rules, phases, cost, overrides). The link carries no audio: its
/// input only keeps the session open (drop it to close), its events are transcripts, tool results, the
/// model's `end_call` (hang up through REST) and the end.
pub async fn attach_sip(
    app: Arc<App>,
    base_url: &str,
    api_key: &Secret,
    openai_call_id: &str,
    call_id: i64,
) -> Result<AgentLink, AgentError> {
    let profiles = super::StoredProfiles(app.clone());
    let target = target(&app, &profiles, call_id, None).await?;
    let url = crate::openai::sip_control::control_url(base_url, openai_call_id);
    let mut ws = tokio::time::timeout(SIP_CONNECT_TIMEOUT, open(&url, api_key))
        .await
        .map_err(|_| AgentError::Unreachable("the control socket did not open in time".into()))??;
    let prices = prices(&app, None, &target.setup).await;
    record_start(&app, &target).await;
    // The first message is in the instructions; this asks the agent to speak first.
    ws.send(Message::text(json!({ "type": "response.create" }).to_string()))
        .await
        .map_err(unreachable)?;
    let (input, events) = start(app, target, ws, true, prices, super::SESSION_LIMIT);
    Ok(AgentLink {
        input_format: AgentAudio::Ulaw8k,
        output_format: AgentAudio::Ulaw8k,
        conversation_id: Some(openai_call_id.to_owned()),
        input,
        events,
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
