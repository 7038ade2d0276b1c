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
    Nothing,
    /// The user has been speaking long enough to count (sent once per turn).
    Speaking,
    /// The user spoke and then fell silent: their turn is over, after this much speech.
    TurnEnded {
        speech_ms: u32,
    },
}

impl TurnDetector {
    /// Feeds µ-law audio; returns the most significant thing it heard.
    pub fn feed(&mut self, ulaw: &[u8]) -> Heard {
        self.pending.extend_from_slice(ulaw);
        let mut heard = Heard::Nothing;
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
                    heard = Heard::Speaking;
                }
            } else if self.speech_ms > 0 {
                self.silence_ms += 20;
                if self.silence_ms >= END_OF_TURN_MS {
                    let speech_ms = self.speech_ms;
                    self.speech_ms = 0;
                    self.silence_ms = 0;
                    if speech_ms >= MIN_SPEECH_MS {
                        return Heard::TurnEnded { speech_ms };
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
        match ears.feed(&bytes) {
            Heard::Nothing => {}
            Heard::Speaking => {
                if talk.is_speaking() {
                    talk.speaking_until = None;
                    let id = talk.next_id;
                    if talk.events.send(AgentEvent::Interruption { id }).await.is_err() {
                        return;
                    }
                }
            }
            Heard::TurnEnded { speech_ms } => {
                let said = format!("(you spoke for {:.1} s)", f64::from(speech_ms) / 1000.0);
                let heard = AgentEvent::Transcript {
                    role: "contact",
                    text: said,
                };
                if talk.events.send(heard).await.is_err() {
                    return;
                }
                if !talk.say_next().await {
                    talk.finish(&persona).await;
                    // Wait for the far side to hang up; the talk session ends on `end_call`.
                    while input.recv().await.is_some() {}
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::audio::ulaw_encode;

    fn tone(ms: usize, amplitude: i16) -> Vec<u8> {
        (0..ms * 8)
            .map(|i| ulaw_encode(if i % 16 < 8 { amplitude } else { -amplitude }))
            .collect()
    }

    #[test]
    fn a_turn_is_speech_then_half_a_second_of_silence() {
        let mut d = TurnDetector::default();
        assert_eq!(d.feed(&tone(100, 4000)), Heard::Nothing);
        assert_eq!(d.feed(&tone(100, 4000)), Heard::Speaking);
        assert_eq!(d.feed(&tone(400, 0)), Heard::Nothing);
        assert_eq!(d.feed(&tone(100, 0)), Heard::TurnEnded { speech_ms: 200 });
        // A short click is not a turn.
        assert_eq!(d.feed(&tone(40, 4000)), Heard::Nothing);
        assert_eq!(d.feed(&tone(600, 0)), Heard::Nothing);
    }

    #[test]
    fn input_in_odd_sizes_counts_the_same() {
        let mut d = TurnDetector::default();
        let mut all = tone(300, 4000);
        all.extend(tone(520, 0));
        let mut last = Heard::Nothing;
        for piece in all.chunks(37) {
            let h = d.feed(piece);
            if h != Heard::Nothing {
                last = h;
            }
        }
        assert_eq!(last, Heard::TurnEnded { speech_ms: 300 });
    }

    #[test]
    fn the_first_message_opens_and_the_language_picks_the_script() {
        let persona = SimPersona {
            language: "hi-IN".into(),
            first_message: "Namaste!".into(),
        };
        let lines = lines_for(&persona);
        assert_eq!(lines[0], "Namaste!");
        assert!(lines.len() > 1);
        assert_eq!(script_for("xx").language, "en");
        assert_eq!(speech_frames("hi"), 50);
        assert_eq!(speech_frames(&"a".repeat(500)), 250);
    }

    #[tokio::test]
    async fn it_greets_answers_a_turn_and_yields_when_talked_over() {
        let agents = SimAgents::new(SimPersona {
            language: "en".into(),
            first_message: "Hello from the test.".into(),
        });
        let mut link = agents
            .connect(AgentStart {
                call_id: 0,
                agent_ref: None,
                variables: json!({}),
            })
            .await
            .expect("sim agents always connect");
        let first = link.events.recv().await;
        assert_eq!(
            first,
            Some(AgentEvent::Transcript {
                role: "agent",
                text: "Hello from the test.".into()
            })
        );
        let mut audio = 0;
        while audio < speech_frames("Hello from the test.") {
            match link.events.recv().await {
                Some(AgentEvent::Audio { bytes, .. }) => audio += bytes.len() / FRAME,
                other => panic!("expected audio, got {other:?}"),
            }
        }
        // Talking over the greeting (it is still "playing") interrupts it.
        link.input
            .send(AgentInput::Audio(tone(200, 4000)))
            .await
            .expect("send");
        assert!(matches!(
            link.events.recv().await,
            Some(AgentEvent::Interruption { .. })
        ));
        link.input
            .send(AgentInput::Audio(tone(500, 0)))
            .await
            .expect("send");
        assert_eq!(
            link.events.recv().await,
            Some(AgentEvent::Transcript {
                role: "contact",
                text: "(you spoke for 0.2 s)".into()
            })
        );
        assert!(matches!(
            link.events.recv().await,
            Some(AgentEvent::Transcript { role: "agent", .. })
        ));
    }
}
