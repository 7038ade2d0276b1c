//! "Talk to agent": a test conversation between this computer's microphone and speakers and an agent
//! profile, through the same [`AgentBackend`] seam the bridge uses for calls. The UI opens
//! `GET /api/agents/{id}/talk` (UI listener, token as for listen) and sends PCM16LE mono 16 kHz binary
//! frames; it gets the agent's speech back the same way, and JSON text frames for everything else:
//! `ready`, `transcript`, `interruption` (stop playback: barge-in), `tool_call`, `error` (`{code, message}`)
//! and `ended`. It sends `{"type":"stop"}` or closes the socket to hang up.
//!
//! Which backend: the agent's provider's (the bridge's ElevenLabs or OpenAI Realtime backend), the scripted
//! [`sim_agent`](super::sim_agent) for `sim` agents, and for any agent in demo mode when its provider has no
//! account, so the demo can be tried with none. The backend is told this is a test conversation
//! (`AgentStart::test_agent`): there is no call row. The browser's playback position is estimated
//! ([`talk_playout`](super::talk_playout)) and reported like a carrier's mark echoes, so a barge-in
//! truncates the agent's turn where the user stopped hearing it.
//!
//! What is kept: one audit row `agent.talk` per conversation (subject: the agent) with the transcript, the
//! tool calls and why it ended. Not a call row: a test conversation dialled nobody, so it must not count in
//! the board, the campaign statistics, exports or costs; the audit log is where "who tried what, when" lives.
//! Tools are not carried out (nobody is transferred, nothing is stored as intake): the agent is told so in
//! the tool result, and `end_call` ends the conversation as it would a call. A backend that runs its tools
//! itself (OpenAI Realtime: the intake is still checked against the org's schema) reports each with what
//! it answered the model, and that answer is what the panel shows.

use std::{sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{
    agent::{AgentBackend, AgentError, AgentEvent, AgentInput, AgentStart},
    sim_agent::{SimAgents, SimPersona},
    talk_audio::{BROWSER_RATE, Converter},
    talk_playout::Playout,
};
use crate::{
    agent::Agent,
    api::{ApiError, ErrorCode},
    app::App,
    clock::to_db,
    store::{
        StoreError, agents,
        audit::{self, AuditEntry},
    },
};

/// How long the agent's last words may take to arrive after it ends the conversation with a tool.
const GOODBYE_GRACE: Duration = Duration::from_millis(1_500);
/// A forgotten session ends on its own.
const MAX_TALK: Duration = Duration::from_secs(30 * 60);
/// Transcript turns and tool calls kept in the audit row.
const KEEP_TURNS: usize = 400;
/// How often the estimated playback position goes to the agent (a carrier's marks come about as often).
const PLAYOUT_TICK: Duration = Duration::from_millis(100);
/// PCM16 bytes per ms of browser audio.
const BROWSER_BYTES_PER_MS: usize = (BROWSER_RATE as usize / 1000) * 2;

/// The backend for an agent and what to call it in the panel. `openai_key`: an OpenAI API key is set (the
/// Realtime backend is always installed and reads the key per conversation, so the demo's fallback to the
/// simulator needs to know).
pub fn backend_for(
    app: &App,
    agent: &Agent,
    openai_key: bool,
) -> Result<(Arc<dyn AgentBackend>, &'static str), ApiError> {
    let sim = || -> Arc<dyn AgentBackend> {
        Arc::new(SimAgents::new(SimPersona {
            language: agent.language.clone(),
            first_message: crate::disclosure::opening(&agent.disclosure, &agent.first_message),
        }))
    };
    if agent.provider == "sim" {
        return Ok((sim(), "sim"));
    }
    let bridge = app.media_sessions.bridge();
    let configured = match agent.provider.as_str() {
        "elevenlabs" => bridge.agents.clone().map(|b| (b, "elevenlabs")),
        "openai-realtime" => bridge
            .realtime
            .clone()
            .filter(|_| openai_key || !app.info().demo)
            .map(|b| (b, "openai-realtime")),
        _ => None,
    };
    match configured {
        Some(found) => Ok(found),
        None if app.info().demo => Ok((sim(), "sim")),
        None if agent.provider == "elevenlabs" => Err(ApiError::new(
            ErrorCode::Validation,
            "no ElevenLabs API key is set: add it in Settings, then try again",
        )),
        None if agent.provider == "openai-realtime" => Err(ApiError::new(
            ErrorCode::Validation,
            "the OpenAI Realtime backend is not set up: add an OpenAI API key in Settings, then try again",
        )),
        None => Err(ApiError::new(
            ErrorCode::Validation,
            format!(
                "talking to {} agents from this computer is not available yet; place a test call instead",
                agent.provider
            ),
        )),
    }
}

fn agent_error(e: AgentError) -> ApiError {
    match e {
        AgentError::NotConfigured(m) => {
            ApiError::new(ErrorCode::Validation, format!("the agent is not configured: {m}"))
        }
        AgentError::Unreachable(m) => {
            ApiError::new(ErrorCode::Upstream, format!("cannot reach the agent: {m}"))
        }
        AgentError::Refused(m) => ApiError::new(
            ErrorCode::Upstream,
            format!("the agent refused the conversation: {m}"),
        ),
    }
}

async fn send_json(socket: &mut WebSocket, v: Value) -> bool {
    socket.send(Message::Text(v.to_string().into())).await.is_ok()
}

async fn fail(mut socket: WebSocket, e: ApiError) {
    tracing::info!(code = ?e.code, message = %e.message, "talk session refused");
    let mut frame = serde_json::to_value(&e).unwrap_or_else(|_| json!({}));
    frame["type"] = "error".into();
    let _ = send_json(&mut socket, frame).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1011,
            reason: "refused".into(),
        })))
        .await;
}

/// What the tool result tells the agent, and whether the conversation ends after it.
fn tool_reply(name: &str) -> (&'static str, bool) {
    match name {
        "end_call" | "end_conversation" | "hang_up" => ("ok", true),
        _ => (
            "ok: this is a test conversation from the console; nothing was carried out",
            false,
        ),
    }
}

/// What one conversation leaves in the audit log.
#[derive(Debug, Default)]
struct TalkRecord {
    turns: Vec<Value>,
    tools: Vec<Value>,
    frames_in: u64,
    frames_out: u64,
    dropped_in: u64,
}

/// Runs a talk socket to its end.
pub async fn run(app: Arc<App>, mut socket: WebSocket, agent_id: i64) {
    let target = app
        .store
        .read(move |c| agents::with_external_id(c, agent_id))
        .await;
    let (agent, external_id) = match target {
        Ok(t) => t,
        Err(e) => return fail(socket, e.into()).await,
    };
    let openai_key = agent.provider == "openai-realtime" && {
        let app = app.clone();
        // The credentials may sit in the OS keychain: read them off the async threads.
        tokio::task::spawn_blocking(move || crate::openai::realtime::RealtimeConfig::resolve(&app).is_some())
            .await
            .unwrap_or(false)
    };
    let (backend, backend_name) = match backend_for(&app, &agent, openai_key) {
        Ok(b) => b,
        Err(e) => return fail(socket, e).await,
    };
    let timeout = app
        .media_sessions
        .bridge()
        .answer_timeout
        .max(Duration::from_secs(5));
    let connect = backend.connect(AgentStart {
        call_id: 0,
        agent_ref: external_id,
        variables: json!({ "name": "Console test", "test_conversation": true }),
        test_agent: Some(agent_id),
    });
    let mut link = match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(link)) => link,
        Ok(Err(e)) => return fail(socket, agent_error(e)).await,
        Err(_) => {
            let e = AgentError::Unreachable(format!("no answer within {} s", timeout.as_secs()));
            return fail(socket, agent_error(e)).await;
        }
    };
    let started = app.clock.now();
    tracing::info!(agent_id, backend = backend_name, conversation = ?link.conversation_id, "talk session started");
    let ready = json!({
        "type": "ready",
        "agent": { "id": agent.id, "name": agent.name, "provider": agent.provider },
        "backend": backend_name,
        "conversation_id": link.conversation_id,
        "sample_rate": BROWSER_RATE,
    });
    let mut record = TalkRecord::default();
    let mut to_agent = Converter::to_agent(link.input_format);
    let mut to_browser = Converter::to_browser(link.output_format);
    // Audio with an id at or below the last interruption was cut off: drop it if it arrives late.
    let mut cut_through: Option<u64> = None;
    let mut playout = Playout::default();
    let mut tick = tokio::time::interval(PLAYOUT_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut deadline = Instant::now() + MAX_TALK;
    let mut ending: Option<String> = None;
    let reason = if !send_json(&mut socket, ready).await {
        "the browser went away".to_owned()
    } else {
        loop {
            tokio::select! {
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Binary(bytes))) => {
                        record.frames_in += 1;
                        let Some(audio) = to_agent.convert(&bytes) else {
                            record.dropped_in += 1;
                            continue;
                        };
                        match link.input.try_send(AgentInput::Audio(audio)) {
                            Ok(()) => {}
                            // An agent that stalls loses microphone audio, not the conversation.
                            Err(tokio::sync::mpsc::error::TrySendError::Full(_)) => record.dropped_in += 1,
                            Err(tokio::sync::mpsc::error::TrySendError::Closed(_)) => break "the agent went away".to_owned(),
                        }
                    }
                    Some(Ok(Message::Text(text))) => {
                        let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                        if v["type"] == "stop" {
                            break "you ended the conversation".to_owned();
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break "the browser closed the conversation".to_owned(),
                    Some(Ok(_)) => {}
                },
                ev = link.events.recv() => {
                    let Some(ev) = ev else { break ending.take().unwrap_or_else(|| "the agent went away".to_owned()) };
                    let sent = match ev {
                        AgentEvent::Audio { id, bytes } => {
                            if cut_through.is_some_and(|cut| id <= cut) {
                                continue;
                            }
                            match to_browser.convert(&bytes) {
                                Some(pcm) => {
                                    record.frames_out += 1;
                                    playout.sent(id, (pcm.len() / BROWSER_BYTES_PER_MS) as u64, Instant::now());
                                    socket.send(Message::Binary(pcm.into())).await.is_ok()
                                }
                                None => continue,
                            }
                        }
                        AgentEvent::Interruption { id } => {
                            cut_through = Some(id);
                            playout.flush();
                            send_json(&mut socket, json!({ "type": "interruption" })).await
                        }
                        AgentEvent::Transcript { role, text } => {
                            let at = to_db(app.clock.now());
                            let turn = json!({ "role": role, "text": text, "at": at });
                            if record.turns.len() < KEEP_TURNS {
                                record.turns.push(turn.clone());
                            }
                            let mut frame = turn;
                            frame["type"] = "transcript".into();
                            send_json(&mut socket, frame).await
                        }
                        AgentEvent::ToolDone { id, name, parameters, ok, output } => {
                            let call = json!({ "id": id, "name": name, "parameters": parameters, "result": output, "ok": ok });
                            if record.tools.len() < KEEP_TURNS {
                                record.tools.push(call.clone());
                            }
                            let mut frame = call;
                            frame["type"] = "tool_call".into();
                            send_json(&mut socket, frame).await
                        }
                        AgentEvent::ToolCall { id, name, parameters } => {
                            let (result, ends) = tool_reply(&name);
                            let _ = link.input.try_send(AgentInput::ToolResult {
                                id: id.clone(),
                                result: result.to_owned(),
                                is_error: false,
                            });
                            if ends && ending.is_none() {
                                ending = Some(format!("the agent ended the conversation ({name})"));
                                deadline = deadline.min(Instant::now() + GOODBYE_GRACE);
                            }
                            // A backend that ran the tool itself has shown it already (`ToolDone`).
                            if record.tools.iter().any(|t| t["id"] == id.as_str()) {
                                continue;
                            }
                            let call = json!({ "id": id, "name": name, "parameters": parameters, "result": result });
                            if record.tools.len() < KEEP_TURNS {
                                record.tools.push(call.clone());
                            }
                            let mut frame = call;
                            frame["type"] = "tool_call".into();
                            send_json(&mut socket, frame).await
                        }
                        AgentEvent::Ended(why) => break ending.take().unwrap_or_else(|| format!("the agent ended: {why}")),
                    };
                    if !sent {
                        break "the browser went away".to_owned();
                    }
                }
                _ = tick.tick() => {
                    if let Some((event_id, ms)) = playout.position(Instant::now()) {
                        // Like a mark echo: a backend that does not need it ignores it.
                        let _ = link.input.try_send(AgentInput::Played { event_id, ms });
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    break ending.take().unwrap_or_else(|| format!("the {} minute limit for a test conversation was reached", MAX_TALK.as_secs() / 60));
                }
            }
        }
    };
    // Hang up on the agent first (its backend closes its socket once the input side is gone).
    drop(link);
    let ended = app.clock.now();
    let duration_s = (ended.as_millisecond() - started.as_millisecond()) as f64 / 1000.0;
    tracing::info!(agent_id, %reason, duration_s, frames_in = record.frames_in, frames_out = record.frames_out, "talk session ended");
    let details = json!({
        "backend": backend_name,
        "started_at": to_db(started),
        "duration_s": duration_s,
        "reason": reason,
        "frames_in": record.frames_in,
        "frames_out": record.frames_out,
        "frames_dropped": record.dropped_in,
        "transcript": record.turns,
        "tool_calls": record.tools,
    });
    let at = to_db(ended);
    let written = app
        .store
        .with_tx(move |tx| {
            audit::record(
                tx,
                &at,
                &AuditEntry {
                    actor: "ui",
                    action: "agent.talk",
                    subject_type: "agent",
                    subject_id: agent_id.to_string(),
                    details,
                },
            )?;
            Ok::<_, StoreError>(())
        })
        .await;
    if let Err(e) = written {
        tracing::error!(agent_id, error = %e, "cannot record the talk session in the audit log");
    }
    // Told after the record is kept, so "ended" means it is in the audit log.
    let _ = send_json(&mut socket, json!({ "type": "ended", "reason": reason })).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1000,
            reason: "ended".into(),
        })))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ending_tools_end_the_conversation() {
        assert!(tool_reply("end_call").1);
        assert!(!tool_reply("escalate_to_human").1);
        assert!(tool_reply("complete_intake").0.contains("test conversation"));
    }

    #[test]
    fn agent_errors_keep_their_code() {
        assert_eq!(
            agent_error(AgentError::NotConfigured("x".into())).code,
            ErrorCode::Validation
        );
        assert_eq!(
            agent_error(AgentError::Refused("x".into())).code,
            ErrorCode::Upstream
        );
    }
}
