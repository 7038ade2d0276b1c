//! One Realtime conversation after the handshake: caller audio and key presses out, model audio,
//! transcripts and barge-ins in, usage and cost counted, a supervisor's overrides passed on (`live`), until
//! the bridge hangs up or the session fails (an `error` event that is not a known benign race, a close, a
//! dropped socket), when the end reason is recorded and the policy's fallback transfer runs. The same pump
//! runs a bridged call, the control socket of a Realtime SIP call (OpenAI carries the audio and truncates
//! on its own; the socket carries events, tools and control) and a console test conversation (no call row:
//! nothing is recorded and no tool reaches a person or the store). Server events are read leniently (`type`
//! dispatch over `serde_json::Value`). Tools, the safety rules and the session limit are in `tools`.

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
    live::{Steer, steer_item},
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

/// What the conversation is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A carrier call through our media bridge: audio on this socket, barge-in is ours to do.
    Bridged,
    /// The control socket of a Realtime SIP call: OpenAI carries the audio and truncates on barge-in.
    Sip,
    /// "Talk to agent" from the console: no call row, nothing recorded, no tool carried out for real.
    Test,
}

/// Why a SIP call's control socket ended normally (the call is over); anything else is a failure.
pub const CALL_OVER: &str = "the call ended";

/// The end of the call the model asked for (`end_call`) or the session limit forced: why, and the id of
/// the tool call that asked.
pub(super) type EndRequest = (String, String);

pub(super) struct Conversation {
    pub(super) app: Arc<App>,
    pub(super) kind: Kind,
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
    pub(super) end_pending: Option<EndRequest>,
    /// SIP: the end waits for OpenAI's output buffer to finish playing the goodbye.
    pub(super) end_after_playout: Option<EndRequest>,
    /// SIP: OpenAI is playing the model's audio to the caller (`output_audio_buffer.started`…`stopped`).
    pub(super) audio_playing: bool,
    pub(super) response_had_audio: bool,
    /// A transfer was started: never a second one for the same call.
    pub(super) transferred: bool,
    pub(super) outbox: Vec<Value>,
}

/// The next supervisor override; never resolves without an inbox.
async fn next_steer(inbox: &mut Option<mpsc::Receiver<Steer>>) -> Option<Steer> {
    match inbox {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
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
        let (registration, mut inbox) = match self.kind {
            Kind::Test => (None, None),
            Kind::Bridged | Kind::Sip => {
                let (registration, inbox) = self.app.realtime_live.join(call_id);
                (Some(registration), Some(inbox))
            }
        };
        let reason = loop {
            tokio::select! {
                next = input.recv() => match next {
                    Some(i) => self.input(i),
                    None => {
                        // The bridge hung up: close normally.
                        let _ = ws.close(None).await;
                        if let Some(r) = &registration {
                            self.app.realtime_live.leave(r);
                        }
                        self.record_end(CALL_OVER).await;
                        return;
                    }
                },
                steered = next_steer(&mut inbox) => match steered {
                    Some(steer) => self.steer(steer),
                    None => inbox = None,
                },
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(fatal) = self.server(&text).await {
                            break fatal;
                        }
                    }
                    // A SIP call's control socket closes when the call is over.
                    Some(Ok(Message::Close(_))) if self.kind == Kind::Sip => break CALL_OVER.into(),
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
        if let Some(r) = &registration {
            self.app.realtime_live.leave(r);
        }
        if reason == CALL_OVER {
            tracing::info!(call_id, "Realtime session over with the call");
        } else {
            tracing::warn!(call_id, %reason, "Realtime session over");
        }
        let _ = ws.close(None).await;
        self.record_end(&reason).await;
        // A SIP call lives on at OpenAI without its control socket; a test call has nobody to transfer.
        if let Some(number) = self
            .setup
            .escalation
            .transfer_number()
            .filter(|_| !self.transferred && self.kind == Kind::Bridged)
        {
            // The policy prefers a person to a dead line.
            if let Err(e) = actions::transfer(&self.app, &self.call, number).await {
                tracing::warn!(call_id, error = %e, "fallback transfer failed");
            }
        }
        let _ = self.events.send(AgentEvent::Ended(reason)).await;
    }

    /// Whether this conversation keeps per-call records (it has a call row).
    pub(super) fn records(&self) -> bool {
        self.kind != Kind::Test
    }

    async fn record_end(&self, reason: &str) {
        if self.records() {
            actions::ended(&self.app, self.call.call_id, reason).await;
        }
    }

    async fn add_usage(&self, usage: Usage) {
        if self.records() {
            actions::add_usage(&self.app, self.call.call_id, usage, &self.prices).await;
        }
    }

    /// A supervisor's override from the call drawer: tell the model (a system item, and a response when the
    /// caller must hear about it), and keep the conversation's own state in step.
    fn steer(&mut self, steer: Steer) {
        tracing::info!(
            call_id = self.call.call_id,
            ?steer,
            "supervisor override told to the model"
        );
        match &steer {
            Steer::Escalated { transferring, .. } => {
                self.phase = Phase::Escalation;
                self.transferred |= *transferring;
            }
            Steer::Phase { phase, .. } => self.phase = *phase,
        }
        let (item, respond) = steer_item(&steer);
        self.outbox.push(item);
        if respond {
            self.request_response(json!({"type": "response.create"}));
        }
    }

    /// The end the model asked for, once its goodbye is out.
    async fn finish_end(&mut self, (reason, tool_call_id): EndRequest) {
        self.record_end(&reason).await;
        self.emit(AgentEvent::ToolCall {
            id: tool_call_id,
            name: TOOL_END.into(),
            parameters: json!({"reason": reason}),
        })
        .await;
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
            if next != Phase::Escalation && self.records() {
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
                // The model spoke (on SIP its audio never crosses this socket, only its transcript).
                self.response_had_audio = true;
                self.emit(AgentEvent::Transcript {
                    role: "agent",
                    text: s("transcript"),
                })
                .await;
            }
            "conversation.item.input_audio_transcription.completed" => {
                let said = s("transcript");
                self.add_usage(Usage::from_transcription(&v["usage"])).await;
                self.emit(AgentEvent::Transcript {
                    role: "contact",
                    text: said.clone(),
                })
                .await;
                self.move_phase(Signal::ContactSpoke, "the contact spoke", "agent")
                    .await;
                self.apply_rules(&said).await;
            }
            // Over SIP the keypad reaches the socket as an event (bridged calls get it from the carrier); the
            // model hears it the same way in both.
            "input_audio_buffer.dtmf_event_received" => {
                let key = s("event");
                if !key.is_empty() {
                    self.input(AgentInput::Dtmf(key));
                }
            }
            // Over SIP, OpenAI plays the audio, so it stops and truncates it on its own.
            "input_audio_buffer.speech_started" if self.kind == Kind::Sip => {}
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
            "output_audio_buffer.started" => self.audio_playing = true,
            "output_audio_buffer.stopped" | "output_audio_buffer.cleared" => {
                self.audio_playing = false;
                if let Some(end) = self.end_after_playout.take() {
                    self.finish_end(end).await;
                }
            }
            "response.done" => {
                let response = &v["response"];
                self.add_usage(Usage::from_response(&response["usage"])).await;
                self.playback.response_done(response["id"].as_str().unwrap_or(""));
                if let Some(create) = self.pending_create.take() {
                    self.outbox.push(create);
                } else if let Some(end) = self.end_pending.take() {
                    if self.kind == Kind::Sip && self.audio_playing {
                        self.end_after_playout = Some(end);
                    } else {
                        self.finish_end(end).await;
                    }
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
