//! The seam between the bridge and an AI voice agent. A backend connects one conversation per call and
//! hands back a link: a channel of what the contact says (audio in the agent's input format, DTMF, tool
//! results) and a channel of what the agent does (audio in its output format, transcripts, interruptions,
//! tool calls, the end). The bridge converts audio and talks to the carrier; it does not care which agent
//! this is. ElevenLabs' agent WebSocket is the first backend (`elevenlabs_ws`); OpenAI Realtime plugs in here.

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc;

use super::agent_conn::AgentConn;

/// An agent's audio format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentAudio {
    Ulaw8k,
    /// PCM16LE mono at this rate.
    Pcm(u32),
}

impl AgentAudio {
    /// Reads ElevenLabs-style names (`ulaw_8000`, `pcm_16000`); `None` for what the bridge cannot convert.
    pub fn parse(name: &str) -> Option<AgentAudio> {
        match name {
            "ulaw_8000" => Some(AgentAudio::Ulaw8k),
            "pcm_8000" => Some(AgentAudio::Pcm(8_000)),
            "pcm_16000" => Some(AgentAudio::Pcm(16_000)),
            "pcm_24000" => Some(AgentAudio::Pcm(24_000)),
            _ => None,
        }
    }

    pub fn rate(self) -> u32 {
        match self {
            AgentAudio::Ulaw8k => 8_000,
            AgentAudio::Pcm(r) => r,
        }
    }
}

/// What the bridge tells an agent at the start of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentStart {
    pub call_id: i64,
    /// The provider's agent id (`agents.external_id`).
    pub agent_ref: Option<String>,
    /// Dynamic variables (the contact's columns), a flat JSON object.
    pub variables: Value,
    /// A test conversation from the console ("Talk to agent") with this agent (`agents.id`): there is no
    /// call row (`call_id` is 0), so a backend that keeps per-call records keeps none and carries out no
    /// tool that would reach a person or the store.
    pub test_agent: Option<i64>,
}

/// From the bridge to the agent.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentInput {
    /// The contact's audio, already in the agent's input format.
    Audio(Vec<u8>),
    /// The contact pressed a key.
    Dtmf(String),
    ToolResult {
        id: String,
        result: String,
        is_error: bool,
    },
    /// The carrier confirmed (mark echo) that the agent's audio event `event_id` played up to `ms` into
    /// it, and everything before it: backends that truncate on barge-in (OpenAI Realtime) need it.
    Played { event_id: u64, ms: u64 },
}

/// From the agent to the bridge.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// Speech in the agent's output format; `id` orders it against interruptions.
    Audio {
        id: u64,
        bytes: Vec<u8>,
    },
    /// The contact spoke over the agent: drop everything queued up to event `id`.
    Interruption {
        id: u64,
    },
    Transcript {
        role: &'static str,
        text: String,
    },
    ToolCall {
        id: String,
        name: String,
        parameters: Value,
    },
    /// A tool the backend carried out itself (OpenAI Realtime) and what it answered the model: for the
    /// record and the Talk panel; the bridge has nothing to do.
    ToolDone {
        id: String,
        name: String,
        parameters: Value,
        ok: bool,
        output: String,
    },
    /// The agent's side is over (closed, error, …), with a reason for the log.
    Ended(String),
}

/// A connected conversation.
#[derive(Debug)]
pub struct AgentLink {
    pub input_format: AgentAudio,
    pub output_format: AgentAudio,
    pub conversation_id: Option<String>,
    /// Dropping it ends the conversation (the backend closes its socket after sending what is queued).
    pub input: mpsc::Sender<AgentInput>,
    pub events: mpsc::Receiver<AgentEvent>,
}

/// Why an agent could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    #[error("the agent is not configured: {0}")]
    NotConfigured(String),
    #[error("cannot reach the agent: {0}")]
    Unreachable(String),
    #[error("the agent refused the conversation: {0}")]
    Refused(String),
}

/// Starts conversations with one kind of agent.
pub trait AgentBackend: Send + Sync + 'static {
    fn connect(&self, start: AgentStart) -> BoxFuture<'static, Result<AgentLink, AgentError>>;

    /// What the bridge calls: a backend that can hand over its socket (see `agent_conn`) overrides this so
    /// the call's session drives it directly; others run behind channels.
    fn connect_conn(&self, start: AgentStart) -> BoxFuture<'static, Result<AgentConn, AgentError>> {
        let link = self.connect(start);
        Box::pin(async move { link.await.map(AgentConn::Channels) })
    }
}

/// Queue depth between the bridge and a backend: two seconds of 20 ms frames.
pub const LINK_CAPACITY: usize = 100;
