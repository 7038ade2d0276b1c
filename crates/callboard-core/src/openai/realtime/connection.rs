//! One call's Realtime session: connect with `Authorization: Bearer` (no beta header), `session.update`,
//! wait for `session.updated` to confirm µ-law both ways, greet, then pump until the bridge hangs up or the
//! session fails. Server events are read leniently (`type` dispatch over `serde_json::Value`); audio never
//! waits behind bookkeeping longer than one store write. A `response.create` after a tool result waits for
//! the running response to finish (one active response at a time).

use std::{collections::HashSet, sync::Arc};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, protocol::WebSocketConfig};

use super::{
    RealtimeConfig, RealtimeProfiles, RealtimeSetup,
    actions::{self, CallInfo},
    cost::{Prices, Usage},
    intake::{IntakeSchema, intake_data},
    phase::{self, Phase, Signal},
    playback::Playback,
    rules::{Rules, RulesState},
    session_config::{self, TOOL_END, TOOL_ESCALATE, TOOL_INTAKE},
};
use crate::{
    app::App,
    media::agent::{AgentAudio, AgentError, AgentEvent, AgentInput, AgentLink, AgentStart, LINK_CAPACITY},
    store::{call_realtime, call_tool_calls::ToolCall},
};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

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
    let (agent_id, campaign_id, provider) = app
        .store
        .read(move |c| call_realtime::call_context(c, call_id))
        .await
        .map_err(|e| AgentError::Unreachable(format!("cannot read call #{call_id}: {e}")))?
        .ok_or_else(|| AgentError::NotConfigured(format!("call #{call_id} does not exist")))?;
    let agent_id =
        agent_id.ok_or_else(|| AgentError::NotConfigured(format!("call #{call_id} has no agent")))?;
    let setup = profiles.setup(agent_id)?;
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
    let prices = config.prices.unwrap_or_else(|| Prices::for_model(&setup.model));
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

fn describe_error(v: &Value) -> String {
    let e = &v["error"];
    format!(
        "OpenAI error {}: {}",
        e["code"].as_str().or(e["type"].as_str()).unwrap_or("unknown"),
        e["message"].as_str().unwrap_or("(no message)")
    )
}

/// Errors that are part of normal racing and never end a call (pitfalls P3, P5, P7).
fn benign(v: &Value) -> bool {
    let e = &v["error"];
    matches!(
        e["code"].as_str(),
        Some("response_cancel_not_active" | "conversation_already_has_active_response")
    ) || e["message"]
        .as_str()
        .is_some_and(|m| m.contains("already shorter than"))
}

struct Conversation {
    app: Arc<App>,
    call: CallInfo,
    setup: RealtimeSetup,
    schema: Option<IntakeSchema>,
    prices: Prices,
    server_interrupts: bool,
    events: mpsc::Sender<AgentEvent>,
    playback: Playback,
    rules: Rules,
    rules_state: RulesState,
    phase: Phase,
    /// Function call ids already answered (the call arrives twice: arguments.done and output_item.done).
    handled: HashSet<String>,
    /// A `response.create` to send once the running response is done.
    pending_create: Option<Value>,
    /// End the call (after its audio plays) once the running response is done.
    end_pending: Option<String>,
    response_had_audio: bool,
    outbox: Vec<Value>,
}

impl Conversation {
    async fn run(
        mut self,
        mut ws: Socket,
        mut input: mpsc::Receiver<AgentInput>,
        limit: std::time::Duration,
    ) {
        let call_id = self.call.call_id;
        let deadline = tokio::time::Instant::now() + limit;
        let mut wound_down = false;
        let reason = loop {
            tokio::select! {
                next = input.recv() => match next {
                    Some(i) => self.input(i, &mut ws).await,
                    None => {
                        // The bridge hung up: close normally.
                        let _ = ws.close(None).await;
                        actions::ended(&self.app, call_id, "the call ended").await;
                        return;
                    }
                },
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(fatal) = self.server(&text).await {
                            break fatal;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        break frame.map_or_else(|| "OpenAI closed the session".into(), |f| format!("OpenAI closed the session ({} {})", f.code, f.reason));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break format!("OpenAI Realtime socket: {e}"),
                    None => break "the OpenAI Realtime socket dropped".into(),
                },
                () = tokio::time::sleep_until(deadline), if !wound_down => {
                    wound_down = true;
                    self.wind_down().await;
                }
            }
            let mut failed = None;
            for v in self.outbox.drain(..) {
                if let Err(e) = ws.send(Message::text(v.to_string())).await {
                    failed = Some(format!("OpenAI Realtime socket: {e}"));
                    break;
                }
            }
            if let Some(why) = failed {
                break why;
            }
        };
        tracing::warn!(call_id, %reason, "Realtime session over");
        let _ = ws.close(None).await;
        actions::ended(&self.app, call_id, &reason).await;
        if let Some(number) = self.setup.escalation.transfer_number() {
            // The policy prefers a person to a dead line.
            if let Err(e) = actions::transfer(&self.app, &self.call, number).await {
                tracing::warn!(call_id, error = %e, "fallback transfer failed");
            }
        }
        let _ = self.events.send(AgentEvent::Ended(reason)).await;
    }

    async fn emit(&self, ev: AgentEvent) {
        // A bridge that went away drops the link, which ends this session through `input`.
        let _ = self.events.send(ev).await;
    }

    async fn input(&mut self, input: AgentInput, _ws: &mut Socket) {
        match input {
            AgentInput::Audio(bytes) => {
                let audio = base64::engine::general_purpose::STANDARD.encode(bytes);
                self.outbox
                    .push(json!({"type": "input_audio_buffer.append", "audio": audio}));
            }
            AgentInput::Dtmf(digit) => self.outbox.push(json!({"type": "conversation.item.create",
                "item": {"type": "message", "role": "user", "content": [{"type": "input_text",
                    "text": format!("(The caller pressed the key {digit} on their keypad.)")}]}})),
            AgentInput::Played { event_id, ms } => self.playback.played(event_id, ms, self.app.clock.now()),
            // The bridge answers the end-of-call request it was given; nothing goes back to the model.
            AgentInput::ToolResult { .. } => {}
        }
    }

    fn request_response(&mut self, create: Value) {
        if self.playback.response_active() {
            self.pending_create = Some(create);
        } else {
            self.outbox.push(create);
        }
    }

    async fn move_phase(&mut self, signal: Signal, reason: &str, source: &str) {
        if let Some(next) = phase::advance(self.phase, signal) {
            self.phase = next;
            if next != Phase::Escalation {
                actions::set_phase(&self.app, self.call.call_id, next, reason, source).await;
            }
        }
    }

    /// One server event; `Some(reason)` ends the session.
    async fn server(&mut self, text: &str) -> Option<String> {
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            tracing::warn!(
                call_id = self.call.call_id,
                "OpenAI sent a frame that is not JSON"
            );
            return None;
        };
        let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
        match v["type"].as_str().unwrap_or("") {
            "response.created" => {
                self.playback
                    .response_created(v["response"]["id"].as_str().unwrap_or(""));
                self.response_had_audio = false;
            }
            "response.output_audio.delta" => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v["delta"].as_str().unwrap_or(""))
                    .unwrap_or_default();
                if let Some(id) = self.playback.delta(&s("response_id"), &s("item_id"), bytes.len()) {
                    self.response_had_audio = true;
                    self.emit(AgentEvent::Audio { id, bytes }).await;
                }
            }
            "response.output_audio_transcript.done" => {
                if !self.playback.is_cancelled(&s("response_id")) {
                    self.emit(AgentEvent::Transcript {
                        role: "agent",
                        text: s("transcript"),
                    })
                    .await;
                }
            }
            "conversation.item.input_audio_transcription.completed" => {
                let said = s("transcript");
                let usage = Usage::from_transcription(&v["usage"]);
                actions::add_usage(&self.app, self.call.call_id, usage, &self.prices).await;
                self.emit(AgentEvent::Transcript {
                    role: "contact",
                    text: said.clone(),
                })
                .await;
                self.move_phase(Signal::ContactSpoke, "the contact spoke", "agent")
                    .await;
                self.apply_rules(&said).await;
            }
            "input_audio_buffer.speech_started" => {
                let active = self.playback.response_active();
                if let Some(barge) = self.playback.speech_started(self.app.clock.now()) {
                    self.emit(AgentEvent::Interruption {
                        id: barge.interrupt_upto,
                    })
                    .await;
                    let (item_id, ms) = barge.truncate;
                    self.outbox.push(
                        json!({"type": "conversation.item.truncate", "event_id": "cb_truncate",
                        "item_id": item_id, "content_index": 0, "audio_end_ms": ms}),
                    );
                }
                if active && !self.server_interrupts {
                    self.outbox.push(json!({"type": "response.cancel"}));
                }
            }
            "response.function_call_arguments.done" => {
                self.tool(s("call_id"), s("name"), s("arguments")).await;
            }
            "response.output_item.done" if v["item"]["type"] == "function_call" => {
                let item = &v["item"];
                let field = |k: &str| item[k].as_str().unwrap_or("").to_owned();
                self.tool(field("call_id"), field("name"), field("arguments"))
                    .await;
            }
            "response.done" => {
                let response = &v["response"];
                let usage = Usage::from_response(&response["usage"]);
                actions::add_usage(&self.app, self.call.call_id, usage, &self.prices).await;
                self.playback.response_done(response["id"].as_str().unwrap_or(""));
                if let Some(create) = self.pending_create.take() {
                    self.outbox.push(create);
                } else if let Some(reason) = self.end_pending.take() {
                    self.emit(AgentEvent::ToolCall {
                        id: "cb-end".into(),
                        name: TOOL_END.into(),
                        parameters: json!({"reason": reason}),
                    })
                    .await;
                }
            }
            "error" if benign(&v) => {
                tracing::info!(call_id = self.call.call_id, error = %describe_error(&v), "benign Realtime error");
            }
            "error" => return Some(describe_error(&v)),
            _ => {}
        }
        None
    }

    async fn apply_rules(&mut self, said: &str) {
        for finding in self.rules.assess(&mut self.rules_state, said) {
            let why = finding.describe();
            if !finding.escalates() {
                actions::flag(&self.app, &self.call, &why).await;
                continue;
            }
            self.phase = Phase::Escalation;
            let (_, line) = actions::escalate(
                &self.app,
                &self.call,
                &self.setup.escalation,
                &why,
                finding.urgency(),
                "rule",
            )
            .await;
            self.outbox.push(json!({"type": "conversation.item.create", "item": {"type": "message",
                "role": "system", "content": [{"type": "input_text",
                "text": format!("Safety rule: {why}. The call has been escalated. {line} Tell the caller so, briefly and calmly.")}]}}));
            self.request_response(json!({"type": "response.create"}));
        }
    }

    async fn tool(&mut self, call_id: String, name: String, arguments: String) {
        if call_id.is_empty() || !self.handled.insert(call_id.clone()) {
            return;
        }
        let (ok, output) = match serde_json::from_str::<Value>(&arguments) {
            Err(e) => (
                false,
                json!({"error": format!("the arguments are not valid JSON ({e}); call {name} again with a JSON object")}),
            ),
            Ok(args) => self.run_tool(&name, &args).await,
        };
        let output = output.to_string();
        actions::record_tool(
            &self.app,
            self.call.call_id,
            ToolCall {
                tool_call_id: call_id.clone(),
                name: name.clone(),
                arguments,
                ok,
                output: output.clone(),
                at: crate::clock::to_db(self.app.clock.now()),
            },
        )
        .await;
        self.outbox
            .push(json!({"type": "conversation.item.create", "item": {
            "type": "function_call_output", "call_id": call_id, "output": output}}));
        if name == TOOL_END && ok {
            if !self.response_had_audio {
                self.request_response(json!({"type": "response.create", "response": {
                    "instructions": "Say a short, friendly goodbye now. The call ends after it."}}));
            }
            return;
        }
        self.request_response(json!({"type": "response.create"}));
    }

    async fn run_tool(&mut self, name: &str, args: &Value) -> (bool, Value) {
        match name {
            TOOL_ESCALATE => {
                let reason = args["reason"].as_str().unwrap_or("the agent escalated the call");
                let urgency = match args["urgency"].as_str() {
                    Some(u @ ("low" | "normal" | "high" | "emergency")) => u,
                    _ => "normal",
                };
                self.phase = Phase::Escalation;
                let (transferring, line) = actions::escalate(
                    &self.app,
                    &self.call,
                    &self.setup.escalation,
                    reason,
                    urgency,
                    "agent",
                )
                .await;
                (
                    true,
                    json!({"ok": true, "transferring": transferring, "message": line}),
                )
            }
            TOOL_INTAKE => {
                let data = intake_data(args).clone();
                if !data.is_object() {
                    return (
                        false,
                        json!({"error": "data must be a JSON object with the intake fields"}),
                    );
                }
                if let Some(schema) = &self.schema
                    && let Err(problems) = schema.validate(&data)
                {
                    self.move_phase(Signal::NeedsClarification, "the intake did not validate", "agent")
                        .await;
                    return (
                        false,
                        json!({"error": "the intake does not match the schema; fix these and call complete_intake again", "problems": problems}),
                    );
                }
                if !actions::store_intake(&self.app, self.call.call_id, data).await {
                    return (
                        false,
                        json!({"error": "the intake could not be saved; try again"}),
                    );
                }
                self.move_phase(Signal::Completed, "the intake is complete", "agent")
                    .await;
                (true, json!({"ok": true, "message": "Intake saved."}))
            }
            TOOL_END => {
                let reason = args["reason"]
                    .as_str()
                    .unwrap_or("the agent ended the call")
                    .to_owned();
                self.move_phase(Signal::Completed, &reason, "agent").await;
                self.end_pending = Some(reason);
                (
                    true,
                    json!({"ok": true, "message": "The call ends after your goodbye has played."}),
                )
            }
            other => (false, json!({"error": format!("unknown tool '{other}'")})),
        }
    }

    /// The session nears OpenAI's cap: transfer when the policy says so, else say goodbye and end.
    async fn wind_down(&mut self) {
        let call_id = self.call.call_id;
        tracing::info!(call_id, "Realtime session near its time limit");
        if let Some(number) = self.setup.escalation.transfer_number() {
            match actions::transfer(&self.app, &self.call, number).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(call_id, error = %e, "transfer at the time limit failed"),
            }
        }
        self.end_pending = Some("the session reached its time limit".into());
        self.request_response(json!({"type": "response.create", "response": {
            "instructions": "The call has reached its time limit. Apologise briefly and say goodbye."}}));
    }
}
