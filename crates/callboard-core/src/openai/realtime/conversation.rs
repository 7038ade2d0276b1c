//! One call's Realtime conversation after the handshake: caller audio and key presses out, model audio,
//! transcripts and barge-ins in, usage and cost counted, until the bridge hangs up or the session fails
//! (an `error` event that is not a known benign race, a close, a dropped socket), when the end reason is
//! recorded and the policy's fallback transfer runs. Server events are read leniently (`type` dispatch over
//! `serde_json::Value`). Tools, the safety rules and the session limit are in `tools`.

use std::{collections::HashSet, sync::Arc};

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{
    RealtimeSetup,
    actions::{self, CallInfo},
    connection::{Socket, benign, describe_error},
    cost::{Prices, Usage},
    intake::IntakeSchema,
    phase::{self, Phase, Signal},
    playback::Playback,
    rules::{Rules, RulesState},
    session_config::TOOL_END,
};
use crate::{
    app::App,
    media::agent::{AgentEvent, AgentInput},
};

mod tools;

pub(super) struct Conversation {
    pub(super) app: Arc<App>,
    pub(super) call: CallInfo,
    pub(super) setup: RealtimeSetup,
    pub(super) schema: Option<IntakeSchema>,
    pub(super) prices: Prices,
    pub(super) server_interrupts: bool,
    pub(super) events: mpsc::Sender<AgentEvent>,
    pub(super) playback: Playback,
    pub(super) rules: Rules,
    pub(super) rules_state: RulesState,
    pub(super) phase: Phase,
    /// Function call ids already answered (the call arrives twice: arguments.done and output_item.done).
    pub(super) handled: HashSet<String>,
    /// A `response.create` to send once the running response is done.
    pub(super) pending_create: Option<Value>,
    /// End the call (after its audio plays) once the running response is done.
    pub(super) end_pending: Option<String>,
    pub(super) response_had_audio: bool,
    /// A transfer was started: never a second one for the same call.
    pub(super) transferred: bool,
    pub(super) outbox: Vec<Value>,
}

impl Conversation {
    pub(super) async fn run(
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
                    Some(i) => self.input(i),
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
        if let Some(number) = self
            .setup
            .escalation
            .transfer_number()
            .filter(|_| !self.transferred)
        {
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

    fn input(&mut self, input: AgentInput) {
        match input {
            AgentInput::Audio(bytes) => {
                let audio = base64::engine::general_purpose::STANDARD.encode(bytes);
                self.outbox
                    .push(json!({"type": "input_audio_buffer.append", "audio": audio}));
            }
            AgentInput::Dtmf(digit) => {
                self.outbox.push(json!({"type": "conversation.item.create",
                    "item": {"type": "message", "role": "user", "content": [{"type": "input_text",
                        "text": format!("(The caller pressed the key {digit} on their keypad.)")}]}}));
                self.request_response(json!({"type": "response.create"}));
            }
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
            "response.output_audio_transcript.done" if !self.playback.is_cancelled(&s("response_id")) => {
                self.emit(AgentEvent::Transcript {
                    role: "agent",
                    text: s("transcript"),
                })
                .await;
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
                    actions::ended(&self.app, self.call.call_id, &reason).await;
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
}
