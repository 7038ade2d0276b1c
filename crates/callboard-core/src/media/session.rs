//! One carrier media socket from `start` to the end of the call. A single task owns the socket, the
//! pipeline, the recording and the agent link, so nothing is locked on the per-frame path and the end runs
//! exactly once, whichever comes first: the carrier's `stop`, the socket closing, the call's terminal
//! status (the registry's bus watcher turns it into a command), an operator command, or the agent hanging
//! up. Bad frames are logged with the call id and skipped; they never end the call or touch another session.

use std::{sync::Arc, time::Duration};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use tokio::{sync::mpsc, time::Instant};

use super::{
    SessionCommand,
    agent::{AgentEvent, AgentInput, AgentStart},
    agent_conn::AgentConn,
    carrier::{self, Carrier, Inbound, StartInfo},
    pipeline::Pipeline,
    wav::StereoWav,
};
use crate::{
    app::App,
    clock::to_db,
    store::call_media::{self, MediaCall},
};

mod agent_events;
mod carrier_frames;

/// Where recordings go, inside the data dir.
pub const RECORDINGS_DIR: &str = "recordings";
/// How long agent audio may wait for more before a padded Exotel chunk goes out.
const TAIL_FLUSH: Duration = Duration::from_millis(120);
/// Key presses kept while the agent connects.
const EARLY_INPUTS: usize = 32;
/// Bad frames logged per session before the log goes quiet.
const BAD_FRAME_LOGS: u32 = 20;

/// What the route established before the upgrade.
#[derive(Debug, Clone, Copy)]
pub struct Admitted {
    pub carrier: Carrier,
    /// A call id whose token was already checked (Exotel's URL query).
    pub call_id: Option<i64>,
}

/// Runs a socket to its end.
pub async fn run(app: Arc<App>, mut socket: WebSocket, admitted: Admitted) {
    let bridge = app.media_sessions.bridge();
    let carrier = admitted.carrier;
    let start = match tokio::time::timeout(bridge.start_timeout, wait_for_start(&mut socket, carrier)).await {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(_) => {
            tracing::warn!(carrier = carrier.as_str(), "media socket sent no start in time");
            return close(socket, 1008, "no start").await;
        }
    };
    let mut call_id = admitted.call_id.or_else(|| identify(&app, &start));
    if call_id.is_none() && carrier == Carrier::Exotel && !start.call_sid.is_empty() {
        // A fixed Voicebot URL carries no call id; the path secret was checked, so Exotel's CallSid (which
        // the dialer recorded) identifies the call.
        let sid = start.call_sid.clone();
        call_id = app
            .store
            .read(move |c| crate::store::calls::find_by_ids(c, "exotel", Some(&sid), None))
            .await
            .ok()
            .flatten();
    }
    let call_id = match call_id {
        Some(id) => id,
        None => {
            tracing::warn!(
                carrier = carrier.as_str(),
                "media stream refused: missing or wrong call id / token"
            );
            return close(socket, 1008, "bad token").await;
        }
    };
    let call = match app.store.read(move |c| call_media::lookup(c, call_id)).await {
        Ok(Some(call)) if call.in_flight => call,
        Ok(Some(_)) => {
            tracing::info!(call_id, "media stream for a call that already ended");
            return close(socket, 1000, "call ended").await;
        }
        Ok(None) => {
            tracing::warn!(call_id, "media stream for an unknown call");
            return close(socket, 1008, "unknown call").await;
        }
        Err(e) => {
            tracing::error!(call_id, error = %e, "cannot read the call for its media stream");
            return close(socket, 1011, "store unavailable").await;
        }
    };
    app.media_sessions.watch_call_ends(&app);
    let Some(commands) = app.media_sessions.register(call_id) else {
        tracing::warn!(call_id, "a second media stream for the same call was refused");
        return close(socket, 1008, "duplicate stream").await;
    };
    let session = Session::open(app.clone(), call, start, carrier).await;
    let reason = session.pump(socket, commands).await;
    app.media_sessions.unregister(call_id);
    tracing::info!(call_id, %reason, "media session ended");
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

/// Reads until `start`; `None` if the socket ends first.
async fn wait_for_start(socket: &mut WebSocket, carrier: Carrier) -> Option<StartInfo> {
    while let Some(Ok(msg)) = socket.recv().await {
        let Message::Text(text) = msg else { continue };
        match carrier::parse(carrier, text.as_str()) {
            Ok(Inbound::Start(s)) => return Some(s),
            Ok(_) => {}
            Err(e) => tracing::warn!(carrier = carrier.as_str(), error = %e, "bad frame before start"),
        }
    }
    None
}

/// The call id from `start`'s parameters, if its token checks out.
fn identify(app: &App, start: &StartInfo) -> Option<i64> {
    let id: i64 = start.custom.get("call_id")?.trim().parse().ok()?;
    let token = start.custom.get("token")?;
    app.check_media_token(id, token).then_some(id)
}

struct Session {
    app: Arc<App>,
    call: MediaCall,
    start: StartInfo,
    carrier: Carrier,
    pipeline: Pipeline,
    wav: Option<StereoWav>,
    recording_rel: String,
    link: Option<AgentConn>,
    early: Vec<AgentInput>,
    bad_frames: u32,
    out: Vec<String>,
    /// The frame being handled carried contact audio that went to the agent (for the latency probe).
    sent_audio: bool,
}

impl Session {
    async fn open(app: Arc<App>, call: MediaCall, start: StartInfo, carrier: Carrier) -> Session {
        let pipeline = Pipeline::new(carrier, start.encoding, start.rate, start.stream_sid.clone());
        let recording_rel = format!("{RECORDINGS_DIR}/call-{}.wav", call.id);
        let path = app.data_dir().join(&recording_rel);
        // Settings › Recording, read at each call so switching it off applies to the next call.
        let wanted = app
            .store
            .read(crate::setup::settings::Settings::load)
            .await
            .map_or(true, |s| s.recording_enabled);
        let wav = match wanted.then(|| StereoWav::create(&path, start.rate)) {
            None => None,
            Some(Ok(w)) => Some(w),
            Some(Err(e)) => {
                tracing::error!(call_id = call.id, error = %e, "cannot create the recording; the call goes on without");
                None
            }
        };
        app.media_taps.open(call.id);
        tracing::info!(call_id = call.id, carrier = carrier.as_str(), stream = %start.stream_sid, rate = start.rate, "media session started");
        Session {
            app,
            call,
            start,
            carrier,
            pipeline,
            wav,
            recording_rel,
            link: None,
            early: Vec::new(),
            bad_frames: 0,
            out: Vec::new(),
            sent_audio: false,
        }
    }

    fn bad_frame(&mut self, what: &dyn std::fmt::Display) {
        self.bad_frames += 1;
        if self.bad_frames <= BAD_FRAME_LOGS {
            tracing::warn!(call_id = self.call.id, carrier = self.carrier.as_str(), problem = %what, "media frame skipped");
        }
    }

    /// Writes what is queued for the carrier in one go (one write for a `media` and its `mark`).
    async fn flush_out(&mut self, socket: &mut WebSocket) -> bool {
        if self.out.is_empty() {
            return true;
        }
        for text in self.out.drain(..) {
            if socket.feed(Message::Text(text.into())).await.is_err() {
                return false;
            }
        }
        socket.flush().await.is_ok()
    }

    async fn pump(mut self, mut socket: WebSocket, mut commands: mpsc::Receiver<SessionCommand>) -> String {
        let bridge = self.app.media_sessions.bridge();
        let call_id = self.call.id;
        let wants_agent = self.call.provider != "sim" && self.call.agent_provider.as_deref() != Some("sim");
        // The agent's provider picks the backend: OpenAI Realtime agents have their own.
        let backend = if self.call.agent_provider.as_deref() == Some("openai-realtime") {
            &bridge.realtime
        } else {
            &bridge.agents
        };
        let mut connecting = match (backend, wants_agent) {
            (Some(agents), true) => {
                let connect = agents.connect_conn(AgentStart {
                    call_id,
                    agent_ref: self.call.agent_ref.clone(),
                    variables: self.call.variables.clone(),
                    test_agent: None,
                });
                let timeout = bridge.answer_timeout;
                Some(tokio::spawn(async move {
                    tokio::time::timeout(timeout, connect).await
                }))
            }
            _ => None,
        };
        let mut ending: Option<(String, Instant)> = None;
        if wants_agent && connecting.is_none() {
            ending = Some(("no agent backend is configured".into(), Instant::now()));
        }
        let mut tail_deadline: Option<Instant> = None;
        let app = self.app.clone();
        let probe = &app.media_sessions.latency;
        // When the carrier frame (false) or agent audio (true) being handled was read (probe on).
        let mut read_at: Option<(Instant, bool)> = None;
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let reason = loop {
            if let Some((why, deadline)) = &ending
                && (self.pipeline.marks.drained() || Instant::now() >= *deadline)
            {
                break why.clone();
            }
            let agent_event = async {
                match self.link.as_mut() {
                    Some(l) => l.next_event().await,
                    None => std::future::pending().await,
                }
            };
            let connected = async {
                match connecting.as_mut() {
                    Some(h) => h.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        read_at = probe.enabled().then(|| (Instant::now(), false));
                        if let Some(why) = self.carrier_frame(text.as_str()).await {
                            break why;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => break "the carrier closed the stream".into(),
                    Some(Ok(Message::Binary(_))) => self.bad_frame(&"binary frame"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => break format!("carrier socket error: {e}"),
                },
                ev = agent_event => match ev {
                    Some(ev) => {
                        if probe.enabled() && matches!(ev, AgentEvent::Audio { .. }) {
                            read_at = Some((Instant::now(), true));
                        }
                        if let Some(why) = self.agent_event(ev, &bridge, &mut ending) {
                            break why;
                        }
                        if self.pipeline.has_tail() {
                            tail_deadline = Some(Instant::now() + TAIL_FLUSH);
                        }
                    }
                    None => {
                        self.link = None;
                        ending.get_or_insert_with(|| ("the agent went away".into(), Instant::now() + bridge.goodbye_timeout));
                    }
                },
                joined = connected => {
                    connecting = None;
                    match joined {
                        Ok(Ok(Ok(link))) => {
                            tracing::info!(call_id, conversation = ?link.conversation_id(), "agent answered");
                            self.pipeline.set_agent_formats(link.input_format(), link.output_format());
                            self.link = Some(link);
                            for bytes in self.pipeline.early_for_agent() {
                                self.send_to_agent(AgentInput::Audio(bytes)).await;
                            }
                            for input in std::mem::take(&mut self.early) {
                                self.send_to_agent(input).await;
                            }
                        }
                        Ok(Ok(Err(e))) => ending = Some((format!("agent unavailable: {e}"), Instant::now())),
                        Ok(Err(_)) => ending = Some((format!("the agent did not answer within {} ms", bridge.answer_timeout.as_millis()), Instant::now())),
                        Err(e) => ending = Some((format!("agent connection failed: {e}"), Instant::now())),
                    }
                }
                cmd = commands.recv() => match cmd {
                    Some(SessionCommand::End(why)) => break why,
                    Some(SessionCommand::HandOver) => break "handed over to the carrier's flow".into(),
                    None => {}
                },
                // Guarded, so an idle timer is not registered in the runtime's timer wheel (a shared lock)
                // on every frame of every call.
                () = tokio::time::sleep_until(tail_deadline.unwrap_or(far)), if tail_deadline.is_some() => {
                    tail_deadline = None;
                    self.pipeline.flush_tail(&mut self.out);
                }
                () = tokio::time::sleep_until(ending.as_ref().map_or(far, |e| e.1)), if ending.is_some() => {}
            }
            let to_carrier = !self.out.is_empty();
            if !self.flush_out(&mut socket).await {
                break "the carrier socket failed".into();
            }
            // What went to an inline agent is written now, by this task (a failed write ends the agent
            // through its events).
            if let Some(link) = self.link.as_mut() {
                link.flush().await;
            }
            match read_at.take() {
                Some((at, false)) if std::mem::take(&mut self.sent_audio) => probe.inbound(at.elapsed()),
                Some((at, true)) if to_carrier => probe.outbound(at.elapsed()),
                _ => {}
            }
        };
        if let Some(h) = connecting {
            h.abort();
        }
        self.finish(socket).await;
        reason
    }

    async fn finish(mut self, socket: WebSocket) {
        // The backend sends what is queued and closes its socket.
        if let Some(link) = self.link.take() {
            link.close();
        }
        self.app.media_taps.close(self.call.id);
        let call_id = self.call.id;
        if let Some(wav) = self.wav.take() {
            match tokio::task::spawn_blocking(move || wav.finish()).await {
                Ok(Ok(seconds)) => {
                    let (rel, at) = (self.recording_rel.clone(), to_db(self.app.clock.now()));
                    if let Err(e) = self
                        .app
                        .store
                        .with_tx(move |tx| call_media::set_recording(tx, call_id, &rel, &at))
                        .await
                    {
                        tracing::error!(call_id, error = %e, "cannot link the recording to the call");
                    }
                    tracing::info!(
                        call_id,
                        seconds,
                        played_ms = self.pipeline.played_ms(),
                        "recording closed"
                    );
                }
                Ok(Err(e)) => tracing::error!(call_id, error = %e, "cannot close the recording"),
                Err(e) => tracing::error!(call_id, error = %e, "recording task failed"),
            }
        }
        close(socket, 1000, "bye").await;
    }
}
