//! The control WebSocket of an accepted Realtime SIP call (`wss://…/v1/realtime?call_id=…`, GA, no beta
//! header). It asks the agent to greet the caller, turns the caller's input transcriptions and the agent's
//! spoken transcripts into live transcript lines (`Event::CallTranscript`, stored by the live recorder), and
//! when the socket ends (caller hung up, console hang-up, session expiry) ends the call row as answered.
//! Tool execution over this socket is the Realtime backend's job, not this module's.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::{
    app::App,
    clock::to_db,
    engine::{outcome, retry::Outcome},
    events::Event,
    secret::Secret,
    store::calls,
};

/// How long to wait for the socket to open before giving up on the live view (the call itself goes on).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

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

/// What one server event means for the live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Line {
        role: &'static str,
        text: String,
    },
    /// The session is over on OpenAI's side (an error that ends it).
    Fatal(String),
    Other,
}

/// Reads one server event (GA names; the beta transcript name is accepted for old servers).
pub fn classify(frame: &str) -> Seen {
    let v: Value = serde_json::from_str(frame).unwrap_or(Value::Null);
    let text = |k: &str| v[k].as_str().unwrap_or("").trim().to_owned();
    match v["type"].as_str().unwrap_or("") {
        "conversation.item.input_audio_transcription.completed" if !text("transcript").is_empty() => {
            Seen::Line {
                role: "contact",
                text: text("transcript"),
            }
        }
        "response.output_audio_transcript.done" | "response.audio_transcript.done"
            if !text("transcript").is_empty() =>
        {
            Seen::Line {
                role: "agent",
                text: text("transcript"),
            }
        }
        "error" if v["error"]["code"] == "session_expired" => {
            Seen::Fatal("the Realtime session expired".into())
        }
        "error" => {
            tracing::warn!(code = %v["error"]["code"], message = %v["error"]["message"], "Realtime error on a SIP call");
            Seen::Other
        }
        _ => Seen::Other,
    }
}

/// Follows the accepted call `openai_call_id` (our row `call_id`) until its socket ends.
pub async fn follow(app: Arc<App>, base_url: String, api_key: Secret, openai_call_id: String, call_id: i64) {
    let why = match run(&app, &base_url, &api_key, &openai_call_id, call_id).await {
        Ok(why) => why,
        Err(e) => {
            tracing::warn!(call_id, error = %e, "no live view for a SIP call");
            return;
        }
    };
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

/// The socket loop; `Ok(reason)` when it ended (`None`: a normal close).
async fn run(
    app: &App,
    base_url: &str,
    api_key: &Secret,
    openai_call_id: &str,
    call_id: i64,
) -> Result<Option<String>, String> {
    let mut req = control_url(base_url, openai_call_id)
        .into_client_request()
        .map_err(|e| e.to_string())?;
    let auth = HeaderValue::from_str(&format!("Bearer {}", api_key.expose()))
        .map_err(|_| "bad API key".to_owned())?;
    req.headers_mut().insert("authorization", auth);
    let (mut ws, _) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(req))
        .await
        .map_err(|_| "the control socket did not open in time".to_owned())?
        .map_err(|e| format!("control socket: {e}"))?;
    // The first message is in the instructions; this asks the agent to speak first.
    ws.send(Message::text(json!({ "type": "response.create" }).to_string()))
        .await
        .map_err(|e| e.to_string())?;
    while let Some(frame) = ws.next().await {
        let text = match frame {
            Ok(Message::Text(t)) => t,
            Ok(Message::Close(_)) => return Ok(None),
            Ok(_) => continue,
            Err(e) => return Ok(Some(format!("control socket dropped: {e}"))),
        };
        match classify(&text) {
            Seen::Line { role, text } => app.events.emit(Event::CallTranscript {
                call_id,
                role: role.to_owned(),
                text,
                at: to_db(app.clock.now()),
            }),
            Seen::Fatal(why) => return Ok(Some(why)),
            Seen::Other => {}
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_events() {
        assert_eq!(
            control_url("https://api.openai.com/", "rtc_1"),
            "wss://api.openai.com/v1/realtime?call_id=rtc_1"
        );
        assert_eq!(
            control_url("http://127.0.0.1:9", "rtc_1"),
            "ws://127.0.0.1:9/v1/realtime?call_id=rtc_1"
        );
        let said = r#"{"type":"conversation.item.input_audio_transcription.completed","item_id":"i","content_index":0,"transcript":" I need help. "}"#;
        assert_eq!(
            classify(said),
            Seen::Line {
                role: "contact",
                text: "I need help.".into()
            }
        );
        let reply = r#"{"type":"response.output_audio_transcript.done","transcript":"Of course."}"#;
        assert_eq!(
            classify(reply),
            Seen::Line {
                role: "agent",
                text: "Of course.".into()
            }
        );
        assert_eq!(
            classify(r#"{"type":"error","error":{"code":"session_expired"}}"#),
            Seen::Fatal("the Realtime session expired".into())
        );
        assert_eq!(classify("not json"), Seen::Other);
        assert_eq!(
            classify(r#"{"type":"response.output_audio_transcript.done","transcript":""}"#),
            Seen::Other
        );
    }
}
