//! What the bridge does with the agent's side of the conversation: its speech goes to the carrier, an
//! interruption becomes a `clear`, transcripts go on the bus, and its client tools (end the call, transfer)
//! are carried out here.

use tokio::time::Instant;

use super::{
    super::{
        Bridge,
        agent::{AgentEvent, AgentInput},
        agent_conn::AgentConn,
        carrier::Carrier,
    },
    Session,
};
use crate::{clock::to_db, events::Event};

impl Session {
    pub(super) fn agent_event(
        &mut self,
        ev: AgentEvent,
        bridge: &Bridge,
        ending: &mut Option<(String, Instant)>,
    ) -> Option<String> {
        match ev {
            AgentEvent::Audio { id, bytes } => self.pipeline.agent_audio(id, &bytes, &mut self.out),
            AgentEvent::Interruption { id } => {
                tracing::debug!(call_id = self.call.id, id, "barge-in");
                let clear = self.pipeline.interrupt(id);
                self.out.push(clear);
            }
            AgentEvent::Transcript { role, text } => self.app.events.emit(Event::CallTranscript {
                call_id: self.call.id,
                role: role.to_owned(),
                text,
                at: to_db(self.app.clock.now()),
            }),
            AgentEvent::ToolCall { id, name, parameters } => {
                return self.tool_call(id, &name, &parameters, bridge, ending);
            }
            // The backend carried it out and recorded it (`call.agent_state`).
            AgentEvent::ToolDone { .. } => {}
            AgentEvent::Ended(why) => {
                self.link = None;
                ending.get_or_insert_with(|| {
                    (format!("agent: {why}"), Instant::now() + bridge.goodbye_timeout)
                });
            }
        }
        None
    }

    fn tool_call(
        &mut self,
        id: String,
        name: &str,
        params: &serde_json::Value,
        bridge: &Bridge,
        ending: &mut Option<(String, Instant)>,
    ) -> Option<String> {
        let reply = |link: &mut Option<AgentConn>, result: &str, is_error: bool| {
            if let Some(l) = link {
                let _ = l.try_send(AgentInput::ToolResult {
                    id: id.clone(),
                    result: result.to_owned(),
                    is_error,
                });
            }
        };
        match name {
            "end_call" | "end_conversation" | "hang_up" => {
                reply(&mut self.link, "ok", false);
                *ending = Some((
                    "the agent ended the call".into(),
                    Instant::now() + bridge.goodbye_timeout,
                ));
            }
            "transfer" | "transfer_call" | "transfer_to_number" | "transfer_to_human" => {
                let number = ["number", "phone_number", "to", "transfer_number"]
                    .iter()
                    .find_map(|k| params[*k].as_str())
                    .unwrap_or("")
                    .to_owned();
                match self.carrier {
                    Carrier::Exotel => {
                        reply(&mut self.link, "transferring", false);
                        return Some("transferred: handed over to the flow's Connect applet".into());
                    }
                    Carrier::Twilio => match (&bridge.twilio, number.is_empty()) {
                        (Some(twilio), false) => {
                            reply(&mut self.link, "transferring", false);
                            let (twilio, sid, call_id) =
                                (twilio.clone(), self.start.call_sid.clone(), self.call.id);
                            tokio::spawn(async move {
                                if let Err(e) = twilio.redirect_to_dial(&sid, &number).await {
                                    tracing::warn!(call_id, error = %e, "transfer failed");
                                }
                            });
                        }
                        (None, _) => reply(&mut self.link, "transfer is not configured", true),
                        (_, true) => reply(&mut self.link, "no number to transfer to", true),
                    },
                }
            }
            other => {
                tracing::info!(
                    call_id = self.call.id,
                    tool = other,
                    "the agent called a tool the bridge does not know"
                );
                reply(&mut self.link, "unknown tool", true);
            }
        }
        None
    }
}
