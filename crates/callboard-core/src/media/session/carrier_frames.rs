//! A carrier frame in a call's session: contact audio is decoded, recorded, tapped and sent to the agent
//! from the socket's own task; DTMF goes to the agent; mark echoes move the played position; `stop` ends
//! the session. Bad frames are counted and skipped.

use super::{
    super::{
        agent::AgentInput,
        agent_conn::SendError,
        carrier::{self, Inbound},
        marks::MarkEcho,
    },
    EARLY_INPUTS, Session,
};

impl Session {
    /// Handles one carrier frame; `Some(reason)` ends the session.
    pub(super) async fn carrier_frame(&mut self, text: &str) -> Option<String> {
        let msg = match carrier::parse(self.carrier, text) {
            Ok(m) => m,
            Err(e) => {
                self.bad_frame(&e);
                return None;
            }
        };
        match msg {
            Inbound::Media { stream_sid, payload } => {
                if stream_sid
                    .as_deref()
                    .is_some_and(|s| !s.is_empty() && s != self.start.stream_sid)
                {
                    self.bad_frame(&"a frame for another stream");
                    return None;
                }
                if let Err(e) = self.pipeline.contact_frame(&payload) {
                    self.bad_frame(&e);
                    return None;
                }
                if let Err(e) =
                    self.pipeline
                        .record_and_tap(self.wav.as_mut(), &self.app.media_taps, self.call.id)
                {
                    tracing::error!(call_id = self.call.id, error = %e, "recording failed; the call goes on without");
                    self.wav = None;
                }
                self.audio_to_agent().await;
            }
            Inbound::Dtmf(digit) => {
                tracing::info!(call_id = self.call.id, %digit, "DTMF");
                self.send_to_agent(AgentInput::Dtmf(digit)).await;
            }
            Inbound::Mark(name) => match self.pipeline.marks.echoed(&name) {
                MarkEcho::Unknown => self.bad_frame(&"a mark we did not send"),
                MarkEcho::Played => {
                    if let Some((event_id, ms)) = self.pipeline.mark_played(&name) {
                        self.send_to_agent(AgentInput::Played { event_id, ms }).await;
                    }
                }
                MarkEcho::Discarded => {}
            },
            Inbound::Stop(reason) => return Some(format!("the carrier stopped the stream ({reason})")),
            Inbound::Start(_) => self.bad_frame(&"a second start"),
            Inbound::Connected | Inbound::OtherTrack => {}
            Inbound::Unknown(event) => self.bad_frame(&format!("unknown event `{event}`")),
        }
        None
    }

    /// Sends `input` to the agent, or keeps it until the agent answers.
    pub(super) async fn send_to_agent(&mut self, input: AgentInput) {
        match &mut self.link {
            Some(link) => {
                let sent = link.send(input).await;
                self.agent_sent(sent);
            }
            None if self.early.len() < EARLY_INPUTS => self.early.push(input),
            None => {}
        }
    }

    /// Sends the frame just decoded to the agent (before it answers the pipeline keeps the audio itself:
    /// the formats are not known yet).
    async fn audio_to_agent(&mut self) {
        let Some(bytes) = self.pipeline.for_agent() else {
            return;
        };
        let Some(link) = self.link.as_mut() else {
            return;
        };
        let sent = link.send_audio(bytes).await;
        self.sent_audio = sent.is_ok();
        self.agent_sent(sent);
    }

    fn agent_sent(&mut self, sent: Result<(), SendError>) {
        // An agent that stalls loses audio, not the call; one that is gone ends through its events.
        if sent == Err(SendError::Full) {
            self.bad_frame(&SendError::Full);
        }
    }
}
