//! The media bridge: carrier media WebSockets (Twilio `/media/twilio`, Exotel `/media/exotel/{secret}`)
//! bridged in real time to an AI voice agent, with barge-in, DTMF, a stereo recording and a live tap.
//! `audio` and `exotel_chunks` are sample-level rules, `carrier` the wire format, `pipeline` one call's audio
//! path, `session` one socket's life, `routes` the checks before the upgrade, `agent` the backend seam
//! (`elevenlabs_ws` implements it). [`MediaSessions`] (on `App`) knows the live sessions, so a terminal
//! status or a transfer can reach them.

pub mod agent;
pub mod agent_conn;
pub mod audio;
pub mod carrier;
pub mod elevenlabs_socket;
pub mod elevenlabs_ws;
pub mod exotel_chunks;
pub mod latency;
pub mod marks;
pub mod pipeline;
pub mod routes;
pub mod session;
pub mod sim_agent;
pub mod talk;
pub mod talk_audio;
pub mod talk_playout;
pub mod wav;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, RwLock},
    time::Duration,
};

use tokio::sync::mpsc;

use self::agent::AgentBackend;
use crate::providers::twilio::TwilioClient;

/// How the bridge reaches agents and carriers; set at launch (`MediaSessions::configure`).
#[derive(Clone)]
pub struct Bridge {
    /// The agent for calls that have one (every provider but `sim`); `None`: such calls end politely.
    pub agents: Option<Arc<dyn AgentBackend>>,
    /// The agent for calls whose agent's provider is `openai-realtime` (`openai::realtime::backend`);
    /// `None`: such calls end politely.
    pub realtime: Option<Arc<dyn AgentBackend>>,
    /// For transfers on Twilio (a redirect to `<Dial>`).
    pub twilio: Option<Arc<TwilioClient>>,
    /// How long an agent may take to answer before the call is ended politely.
    pub answer_timeout: Duration,
    /// How long a socket may take to send `start` after the upgrade.
    pub start_timeout: Duration,
    /// How long queued agent speech may take to finish playing when the agent hangs up.
    pub goodbye_timeout: Duration,
}

impl Default for Bridge {
    fn default() -> Self {
        Bridge {
            agents: None,
            realtime: None,
            twilio: None,
            answer_timeout: Duration::from_secs(5),
            start_timeout: Duration::from_secs(10),
            goodbye_timeout: Duration::from_secs(10),
        }
    }
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge")
            .field("agents", &self.agents.is_some())
            .field("realtime", &self.realtime.is_some())
            .field("twilio", &self.twilio.is_some())
            .field("answer_timeout", &self.answer_timeout)
            .finish_non_exhaustive()
    }
}

/// Something asked of a live session from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCommand {
    /// End the stream (the call ended elsewhere, or the operator hung up).
    End(String),
    /// Close the stream so the carrier's flow moves on (Exotel: to its Connect applet).
    HandOver,
}

/// The live media sessions, by call id, and the bridge configuration.
#[derive(Debug, Default)]
pub struct MediaSessions {
    bridge: RwLock<Arc<Bridge>>,
    live: Mutex<HashMap<i64, mpsc::Sender<SessionCommand>>>,
    watching: std::sync::atomic::AtomicBool,
    /// What the bridge adds per frame, when a benchmark asks.
    pub latency: latency::LatencyProbe,
}

impl MediaSessions {
    fn live(&self) -> MutexGuard<'_, HashMap<i64, mpsc::Sender<SessionCommand>>> {
        match self.live.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub fn configure(&self, bridge: Bridge) {
        match self.bridge.write() {
            Ok(mut b) => *b = Arc::new(bridge),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(bridge),
        }
    }

    pub fn bridge(&self) -> Arc<Bridge> {
        match self.bridge.read() {
            Ok(b) => b.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Starts (once) the task that ends a call's session when the bus says the call ended: one subscriber
    /// for all sessions, so a busy bus costs the same with one call or a thousand.
    pub(crate) fn watch_call_ends(&self, app: &Arc<crate::app::App>) {
        use std::sync::atomic::Ordering;
        if self.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let weak = Arc::downgrade(app);
        let mut bus = app.events.subscribe();
        tokio::spawn(async move {
            while let Some(batch) = bus.next_batch().await {
                let Some(app) = weak.upgrade() else { return };
                for event in batch {
                    if let crate::events::Event::CallChanged { call } = event
                        && !matches!(
                            call.status.as_str(),
                            "queued" | "dialing" | "ringing" | "in_progress"
                        )
                    {
                        app.media_sessions.command(
                            call.id,
                            SessionCommand::End(format!("the call ended ({})", call.status)),
                        );
                    }
                }
            }
        });
    }

    /// Claims the call for a new session; `None` when another session already carries it.
    pub(crate) fn register(&self, call_id: i64) -> Option<mpsc::Receiver<SessionCommand>> {
        let mut live = self.live();
        if live.get(&call_id).is_some_and(|tx| !tx.is_closed()) {
            return None;
        }
        let (tx, rx) = mpsc::channel(4);
        live.insert(call_id, tx);
        Some(rx)
    }

    pub(crate) fn unregister(&self, call_id: i64) {
        self.live().remove(&call_id);
    }

    /// Sends a command to a call's session; false when it has none.
    pub fn command(&self, call_id: i64, command: SessionCommand) -> bool {
        let tx = self.live().get(&call_id).cloned();
        tx.is_some_and(|tx| tx.try_send(command).is_ok())
    }

    /// Calls with a live session.
    pub fn count(&self) -> usize {
        self.live().len()
    }

    pub fn is_live(&self, call_id: i64) -> bool {
        self.live().contains_key(&call_id)
    }
}
