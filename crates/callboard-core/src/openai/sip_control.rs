//! The control WebSocket of an accepted Realtime SIP call (`wss://…/v1/realtime?call_id=…`, GA, no beta
//! header). It runs the same Realtime conversation as a bridged call ([`attach_sip`]): the model's tools are
//! carried out and answered on this socket, the safety rules, phases, cost and a supervisor's overrides
//! apply; here the caller's and the agent's transcript lines go on the bus (`Event::CallTranscript`, stored
//! by the live recorder), the model's `end_call` hangs up through REST once its goodbye has played, and when
//! the socket ends (caller hung up, console hang-up, session expiry) the call row ends as answered.

use std::sync::Arc;

use super::{realtime::connection::attach_sip, rest::CallsClient};
use crate::{
    app::App,
    clock::to_db,
    engine::{outcome, retry::Outcome},
    events::Event,
    media::agent::AgentEvent,
    openai::realtime::{conversation::CALL_OVER, session_config::TOOL_END},
    secret::Secret,
    store::calls,
};

/// The control socket URL for `call_id` on the API at `base_url` (`https` → `wss`, `http` → `ws`).
pub fn control_url(base_url: &str, call_id: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let ws = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_owned()
    };
    format!("{ws}/v1/realtime?call_id={call_id}")
}

/// Follows the accepted call `openai_call_id` (our row `call_id`) until its socket ends.
pub async fn follow(app: Arc<App>, base_url: String, api_key: Secret, openai_call_id: String, call_id: i64) {
    let link = match attach_sip(app.clone(), &base_url, &api_key, &openai_call_id, call_id).await {
        Ok(link) => link,
        Err(e) => {
            tracing::warn!(call_id, error = %e, "no live view for a SIP call");
            return;
        }
    };
    // Held until the end: dropping it would close the session.
    let input = link.input;
    let mut events = link.events;
    let mut why = None;
    while let Some(ev) = events.recv().await {
        match ev {
            AgentEvent::Transcript { role, text } if !text.trim().is_empty() => {
                app.events.emit(Event::CallTranscript {
                    call_id,
                    role: role.to_owned(),
                    text: text.trim().to_owned(),
                    at: to_db(app.clock.now()),
                })
            }
            AgentEvent::ToolCall { name, .. } if name == TOOL_END => {
                let hangup = CallsClient::new(&base_url, api_key.clone())
                    .hangup(&openai_call_id)
                    .await;
                if let Err(e) = hangup {
                    tracing::warn!(call_id, error = %e, "cannot hang up a SIP call the agent ended");
                }
            }
            AgentEvent::Ended(reason) => {
                why = Some(reason).filter(|r| r != CALL_OVER);
                break;
            }
            _ => {}
        }
    }
    drop(input);
    let at = app.clock.now();
    let ended = app
        .store
        .with_tx(move |tx| -> crate::store::StoreResult<Option<calls::Call>> {
            let ended = outcome::record(tx, call_id, Outcome::Answered, why.as_deref(), at)?;
            Ok(if ended {
                Some(calls::get(tx, call_id)?)
            } else {
                None
            })
        })
        .await;
    match ended {
        Ok(Some(call)) => app.events.emit(Event::CallChanged { call }),
        Ok(None) => {}
        Err(e) => tracing::error!(call_id, error = %e, "cannot end a SIP call"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_urls_follow_the_base() {
        assert_eq!(
            control_url("https://api.openai.com/", "rtc_1"),
            "wss://api.openai.com/v1/realtime?call_id=rtc_1"
        );
        assert_eq!(
            control_url("http://127.0.0.1:9", "rtc_1"),
            "ws://127.0.0.1:9/v1/realtime?call_id=rtc_1"
        );
    }
}
