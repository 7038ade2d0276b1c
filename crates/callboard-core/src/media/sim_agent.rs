//! A scripted agent behind the [`AgentBackend`] seam, so "Talk to agent" works with no account (the demo,
//! `./dev run`): it speaks the agent lines of a simulator script (the agent's own first message first) as
//! stretches of the simulator's speech clip, listens with a plain energy detector, answers each finished
//! user turn with its next line, yields when talked over (an `Interruption`, as a real agent does), and at the
//! end of its script calls `complete_intake` (when the script collects data) and `end_call`, so tool calls
//! show too. It cannot understand speech: the user's turns come back as "(you spoke for 1.4 s)".
//!
//! Turn taking runs on the audio itself (samples counted), not on wall time, so a test that sends a second
//! of tone and half a second of silence as fast as it likes gets the same answer every time. Only "is the
//! agent still talking" (for barge-in) uses the clock: speech goes out faster than real time, as real agents
//! send it, and plays for as long as it lasts.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tokio::{sync::mpsc, time::Instant};

use super::agent::{
    AgentAudio, AgentBackend, AgentError, AgentEvent, AgentInput, AgentLink, AgentStart, LINK_CAPACITY,
};
use crate::providers::sim::script::{SCRIPTS, Script, Speaker};

/// The simulator's speech clip (6 s of G.711 µ-law, 8 kHz): what the scripted agent "says".
const CLIP: &[u8] = include_bytes!("../../assets/sim/clip_8k_mulaw.raw");
/// Bytes (= samples) in one 20 ms frame at 8 kHz.
const FRAME: usize = 160;
/// Loudness (mean absolute sample) above which a frame counts as speech.
const VOICE_LEVEL: i32 = 600;
/// Speech needed before a turn counts (shorter blips are noise) and to talk over the agent.
const MIN_SPEECH_MS: u32 = 160;
/// Silence that ends a user turn.
const END_OF_TURN_MS: u32 = 500;

/// Who the scripted agent plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimPersona {
    pub language: String,
    /// Said first instead of the script's opening line, when not empty.
    pub first_message: String,
}

/// Starts scripted conversations.
#[derive(Debug, Clone)]
pub struct SimAgents {
    persona: SimPersona,
}

impl SimAgents {
    pub fn new(persona: SimPersona) -> SimAgents {
        SimAgents { persona }
    }
}

/// The script for a language: the first in that language (`hi-IN` matches `hi`), else the first English one.
pub fn script_for(language: &str) -> &'static Script {
    let lang = language.split('-').next().unwrap_or("").to_ascii_lowercase();
    SCRIPTS
        .iter()
        .find(|s| s.language == lang)
        .or_else(|| SCRIPTS.iter().find(|s| s.language == "en"))
        .unwrap_or(&SCRIPTS[0])
}

/// The agent's lines, the persona's first message replacing the script's opening.
pub fn lines_for(persona: &SimPersona) -> Vec<String> {
    let mut lines: Vec<String> = script_for(&persona.language)
        .turns
        .iter()
        .filter(|t| t.1 == Speaker::Agent)
        .map(|t| t.2.to_owned())
        .collect();
    let first = persona.first_message.trim();
    if !first.is_empty() {
        match lines.first_mut() {
            Some(l) => *l = first.to_owned(),
            None => lines.push(first.to_owned()),
        }
    }
    lines
}

/// How long a line takes to say: about 60 ms a character, between one and five seconds, whole frames.
pub fn speech_frames(text: &str) -> usize {
    let ms = (text.chars().count() as u64 * 60).clamp(1_000, 5_000);
    (ms / 20) as usize
}

impl AgentBackend for SimAgents {
    fn connect(&self, _start: AgentStart) -> BoxFuture<'static, Result<AgentLink, AgentError>> {
        let persona = self.persona.clone();
        Box::pin(async move {
            let (input_tx, input_rx) = mpsc::channel(LINK_CAPACITY);
            let (events_tx, events_rx) = mpsc::channel(LINK_CAPACITY);
            tokio::spawn(converse(persona, input_rx, events_tx));
            Ok(AgentLink {
                input_format: AgentAudio::Ulaw8k,
                output_format: AgentAudio::Ulaw8k,
                conversation_id: None,
                input: input_tx,
                events: events_rx,
            })
        })
    }
}

/// Turn taking by the loudness of 20 ms frames.
#[derive(Debug, Default)]
pub struct TurnDetector {
    speech_ms: u32,
    silence_ms: u32,
    /// Unconsumed µ-law samples (input may come in any size).
    pending: Vec<u8>,
}

/// What a piece of input audio meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// The user has been speaking long enough to count (sent once per turn).
    Speaking,
    /// The user spoke and then fell silent: their turn is over, after this much speech.
    TurnEnded { speech_ms: u32 },
}

impl TurnDetector {
    /// Feeds µ-law audio; returns what it heard, in order (usually nothing).
    pub fn feed(&mut self, ulaw: &[u8]) -> Vec<Heard> {
        self.pending.extend_from_slice(ulaw);
        let mut heard = Vec::new();
        let whole = self.pending.len() / FRAME * FRAME;
        let frames: Vec<u8> = self.pending.drain(..whole).collect();
        for frame in frames.chunks_exact(FRAME) {
            let loud = frame
                .iter()
                .map(|&b| i32::from(super::audio::ulaw_decode(b)).abs())
                .sum::<i32>()
                / FRAME as i32;
            if loud >= VOICE_LEVEL {
                let before = self.speech_ms;
                self.speech_ms += 20;
                self.silence_ms = 0;
                if before < MIN_SPEECH_MS && self.speech_ms >= MIN_SPEECH_MS {
                    heard.push(Heard::Speaking);
                }
            } else if self.speech_ms > 0 {
                self.silence_ms += 20;
                if self.silence_ms >= END_OF_TURN_MS {
                    let speech_ms = self.speech_ms;
                    self.speech_ms = 0;
                    self.silence_ms = 0;
                    if speech_ms >= MIN_SPEECH_MS {
                        heard.push(Heard::TurnEnded { speech_ms });
                    }
                }
            }
        }
        heard
    }
}

struct Conversation {
    events: mpsc::Sender<AgentEvent>,
    lines: Vec<String>,
    next_line: usize,
    next_id: u64,
    clip_at: usize,
    speaking_until: Option<Instant>,
}

impl Conversation {
    /// Says the next line (transcript, then its audio); false when the script is over or the link closed.
    async fn say_next(&mut self) -> bool {
        let Some(text) = self.lines.get(self.next_line).cloned() else {
            return false;
        };
        self.next_line += 1;
        let frames = speech_frames(&text);
        let sent = self
            .events
            .send(AgentEvent::Transcript { role: "agent", text })
            .await;
        if sent.is_err() {
            return false;
        }
        for _ in 0..frames {
            let start = self.clip_at % (CLIP.len() / FRAME) * FRAME;
            self.clip_at += 1;
            self.next_id += 1;
            let bytes = CLIP[start..start + FRAME].to_vec();
            if self
                .events
                .send(AgentEvent::Audio {
                    id: self.next_id,
                    bytes,
                })
                .await
                .is_err()
            {
                return false;
            }
        }
        self.speaking_until = Some(Instant::now() + Duration::from_millis(frames as u64 * 20));
        true
    }

    fn is_speaking(&self) -> bool {
        self.speaking_until.is_some_and(|t| Instant::now() < t)
    }

    /// The script is over: the closing tools, like a real agent would call them.
    async fn finish(&mut self, persona: &SimPersona) {
        let script = script_for(&persona.language);
        if !script.data.is_empty() {
            let data: serde_json::Map<String, Value> = script
                .data
                .iter()
                .map(|(k, v, _)| {
                    let value = serde_json::from_str(v).unwrap_or_else(|_| Value::String((*v).to_owned()));
                    ((*k).to_owned(), value)
                })
                .collect();
            let _ = self
                .events
                .send(AgentEvent::ToolCall {
                    id: "sim_tool_1".into(),
                    name: "complete_intake".into(),
                    parameters: json!({ "data": data }),
                })
                .await;
        }
        let _ = self
            .events
            .send(AgentEvent::ToolCall {
                id: "sim_tool_2".into(),
                name: "end_call".into(),
                parameters: json!({ "reason": "the script is finished" }),
            })
            .await;
    }
}

async fn converse(
    persona: SimPersona,
    mut input: mpsc::Receiver<AgentInput>,
    events: mpsc::Sender<AgentEvent>,
) {
    let mut talk = Conversation {
        events,
        lines: lines_for(&persona),
        next_line: 0,
        next_id: 0,
        clip_at: 0,
        speaking_until: None,
    };
    let mut ears = TurnDetector::default();
    if !talk.say_next().await {
        return;
    }
    while let Some(msg) = input.recv().await {
        let AgentInput::Audio(bytes) = msg else { continue };
        for heard in ears.feed(&bytes) {
            if !talk.hear(heard).await {
                talk.finish(&persona).await;
                // Wait for the far side to hang up; the talk session ends on `end_call`.
                while input.recv().await.is_some() {}
                return;
            }
        }
    }
}

impl Conversation {
    /// Reacts to the user; false when the conversation is over (script done, or the link closed).
    async fn hear(&mut self, heard: Heard) -> bool {
        match heard {
            Heard::Speaking => {
                if self.is_speaking() {
                    self.speaking_until = None;
                    let id = self.next_id;
                    return self.events.send(AgentEvent::Interruption { id }).await.is_ok();
                }
                true
            }
            Heard::TurnEnded { speech_ms } => {
                let said = format!("(you spoke for {:.1} s)", f64::from(speech_ms) / 1000.0);
                let heard = AgentEvent::Transcript {
                    role: "contact",
                    text: said,
                };
                self.events.send(heard).await.is_ok() && self.say_next().await
            }
        }
    }
}

#[cfg(test)]
#[path = "sim_agent_tests.rs"]
mod tests;
