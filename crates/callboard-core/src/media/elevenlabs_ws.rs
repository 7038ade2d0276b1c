//! The ElevenLabs agent WebSocket as an [`AgentBackend`]: fetch a signed URL with the API key, connect,
//! send `conversation_initiation_client_data` with the contact's dynamic variables, wait for
//! `conversation_initiation_metadata` (it names the audio formats), then hand the socket to the call's
//! session (`elevenlabs_socket`): `user_audio_chunk` out, `audio`, transcripts, `interruption` and
//! `client_tool_call` in, every `ping` answered at once. The message shapes live here.

use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt, future::BoxFuture};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};

use super::{
    agent::{AgentAudio, AgentBackend, AgentError, AgentEvent, AgentInput, AgentLink, AgentStart},
    agent_conn::{self, AgentConn, InlineLink},
    elevenlabs_socket::{ElevenLabsSocket, MAX_BACKLOG},
};
use crate::secret::Secret;

/// Where and how to reach ElevenLabs.
#[derive(Debug, Clone)]
pub struct ElevenLabsConfig {
    pub api_key: Secret,
    /// `https://api.elevenlabs.io` unless overridden (`CALLBOARD_ELEVENLABS_BASE_URL`).
    pub base_url: String,
    /// The agent used when a call's agent has no `external_id`.
    pub default_agent: Option<String>,
}

impl ElevenLabsConfig {
    /// From `CALLBOARD_ELEVENLABS_API_KEY`, `CALLBOARD_ELEVENLABS_BASE_URL`, `CALLBOARD_ELEVENLABS_AGENT_ID`.
    pub fn from_env() -> Option<ElevenLabsConfig> {
        let get = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        Some(ElevenLabsConfig {
            api_key: Secret::new(get("CALLBOARD_ELEVENLABS_API_KEY")?),
            base_url: get("CALLBOARD_ELEVENLABS_BASE_URL")
                .unwrap_or_else(|| "https://api.elevenlabs.io".into()),
            default_agent: get("CALLBOARD_ELEVENLABS_AGENT_ID"),
        })
    }
}

pub struct ElevenLabsAgents {
    config: ElevenLabsConfig,
    http: reqwest::Client,
    handshake_timeout: Duration,
}

impl ElevenLabsAgents {
    pub fn new(config: ElevenLabsConfig, handshake_timeout: Duration) -> ElevenLabsAgents {
        ElevenLabsAgents {
            config,
            http: reqwest::Client::new(),
            handshake_timeout,
        }
    }
}

impl AgentBackend for ElevenLabsAgents {
    fn connect(&self, start: AgentStart) -> BoxFuture<'static, Result<AgentLink, AgentError>> {
        let conn = self.connect_conn(start);
        Box::pin(async move {
            match conn.await? {
                AgentConn::Inline(link) => Ok(agent_conn::into_link(link)),
                AgentConn::Channels(link) => Ok(link),
            }
        })
    }

    /// The call's session drives the socket itself: no task or channel per frame.
    fn connect_conn(&self, start: AgentStart) -> BoxFuture<'static, Result<AgentConn, AgentError>> {
        let config = self.config.clone();
        let http = self.http.clone();
        let timeout = self.handshake_timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connect(config, http, start)).await {
                Ok(r) => r.map(AgentConn::Inline),
                Err(_) => Err(AgentError::Unreachable(format!(
                    "no conversation metadata within {} ms",
                    timeout.as_millis()
                ))),
            }
        })
    }
}

async fn signed_url(
    config: &ElevenLabsConfig,
    http: &reqwest::Client,
    agent: &str,
) -> Result<String, AgentError> {
    let url = format!(
        "{}/v1/convai/conversation/get-signed-url?{}",
        config.base_url.trim_end_matches('/'),
        form_urlencoded::Serializer::new(String::new())
            .append_pair("agent_id", agent)
            .finish()
    );
    let resp = http
        .get(url)
        .header("xi-api-key", config.api_key.expose())
        .send()
        .await
        .map_err(|e| AgentError::Unreachable(e.without_url().to_string()))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(AgentError::Refused(format!(
            "signed URL request answered {status}"
        )));
    }
    let body: Value = resp
        .json()
        .await
        .map_err(|e| AgentError::Unreachable(format!("signed URL response: {}", e.without_url())))?;
    body["signed_url"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| AgentError::Refused("no signed_url in the response".into()))
}

/// Only scalar values may be dynamic variables; anything else is sent as its JSON text.
fn dynamic_variables(vars: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Value::Object(map) = vars {
        for (k, v) in map {
            let v = match v {
                Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
                other => other.clone(),
            };
            out.insert(k.clone(), v);
        }
    }
    Value::Object(out)
}

async fn connect(
    config: ElevenLabsConfig,
    http: reqwest::Client,
    start: AgentStart,
) -> Result<InlineLink, AgentError> {
    let agent = start
        .agent_ref
        .clone()
        .or_else(|| config.default_agent.clone())
        .ok_or_else(|| AgentError::NotConfigured("the call's agent has no ElevenLabs agent id".into()))?;
    let url = signed_url(&config, &http, &agent).await?;
    let config = WebSocketConfig::default().max_write_buffer_size(MAX_BACKLOG);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true)
        .await
        .map_err(|e| AgentError::Unreachable(format!("agent socket: {e}")))?;
    let init = json!({
        "type": "conversation_initiation_client_data",
        "dynamic_variables": dynamic_variables(&start.variables),
        "user_id": format!("callboard-call-{}", start.call_id),
    });
    ws.send(Message::text(init.to_string()))
        .await
        .map_err(|e| AgentError::Unreachable(format!("agent socket: {e}")))?;
    // Wait for the metadata; answer pings meanwhile.
    let (input_format, output_format, conversation_id) = loop {
        let msg = match ws.next().await {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Err(AgentError::Unreachable(format!("agent socket: {e}"))),
            None => return Err(AgentError::Refused("the agent closed the socket".into())),
        };
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(frame) => {
                let why = frame.map_or_else(String::new, |f| format!("{} {}", f.code, f.reason));
                return Err(AgentError::Refused(format!("the agent closed the socket: {why}")));
            }
            _ => continue,
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match v["type"].as_str() {
            Some("conversation_initiation_metadata") => {
                let m = &v["conversation_initiation_metadata_event"];
                let fmt = |k: &str| AgentAudio::parse(m[k].as_str().unwrap_or("pcm_16000"));
                let (Some(i), Some(o)) = (fmt("user_input_audio_format"), fmt("agent_output_audio_format"))
                else {
                    return Err(AgentError::Refused(format!(
                        "unsupported agent audio formats {} / {}",
                        m["user_input_audio_format"], m["agent_output_audio_format"]
                    )));
                };
                break (i, o, m["conversation_id"].as_str().map(str::to_owned));
            }
            Some("ping") => {
                let pong = json!({"type": "pong", "event_id": v["ping_event"]["event_id"]});
                let _ = ws.send(Message::text(pong.to_string())).await;
            }
            _ => {}
        }
    };
    Ok(InlineLink {
        input_format,
        output_format,
        conversation_id,
        socket: Box::new(ElevenLabsSocket::new(ws, start.call_id)),
    })
}

pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(super) fn outgoing(input: AgentInput) -> Option<String> {
    Some(match input {
        AgentInput::Audio(bytes) => {
            let mut s = String::with_capacity(24 + bytes.len() * 4 / 3);
            s.push_str(r#"{"user_audio_chunk":""#);
            base64::engine::general_purpose::STANDARD.encode_string(&bytes, &mut s);
            s.push_str("\"}");
            s
        }
        AgentInput::Dtmf(digit) => json!({
            "type": "user_message",
            "text": format!("(The caller pressed the key {digit} on their keypad.)"),
        })
        .to_string(),
        AgentInput::ToolResult { id, result, is_error } => json!({
            "type": "client_tool_result", "tool_call_id": id, "result": result, "is_error": is_error,
        })
        .to_string(),
        // ElevenLabs tracks playback itself.
        AgentInput::Played { .. } => return None,
    })
}

/// An `audio` message read straight off its text into borrowed fields (no `Value` tree, no copy of the
/// base64 text); `None` for every other message, which [`incoming`] then reads.
pub(super) fn audio_event(text: &str) -> Option<AgentEvent> {
    #[derive(serde::Deserialize)]
    struct Message<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        audio_event: Option<Audio<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Audio<'a> {
        #[serde(borrow)]
        audio_base_64: std::borrow::Cow<'a, str>,
        #[serde(default)]
        event_id: u64,
    }
    let m: Message<'_> = serde_json::from_str(text).ok()?;
    if m.kind != "audio" {
        return None;
    }
    let audio = m.audio_event?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(audio.audio_base_64.as_bytes())
        .unwrap_or_default();
    Some(AgentEvent::Audio {
        id: audio.event_id,
        bytes,
    })
}

/// What one server message means for the bridge; `Err` carries a reply to send (pong).
pub(super) fn incoming(v: &Value) -> Result<Option<AgentEvent>, String> {
    let id = |obj: &Value| obj["event_id"].as_u64().unwrap_or(0);
    Ok(match v["type"].as_str().unwrap_or("") {
        "audio" => {
            let e = &v["audio_event"];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(e["audio_base_64"].as_str().unwrap_or(""))
                .unwrap_or_default();
            Some(AgentEvent::Audio { id: id(e), bytes })
        }
        "interruption" => Some(AgentEvent::Interruption {
            id: id(&v["interruption_event"]),
        }),
        "ping" => return Err(json!({"type": "pong", "event_id": v["ping_event"]["event_id"]}).to_string()),
        "user_transcript" => v["user_transcription_event"]["user_transcript"]
            .as_str()
            .map(|t| AgentEvent::Transcript {
                role: "contact",
                text: t.to_owned(),
            }),
        "agent_response" => {
            v["agent_response_event"]["agent_response"]
                .as_str()
                .map(|t| AgentEvent::Transcript {
                    role: "agent",
                    text: t.to_owned(),
                })
        }
        "client_tool_call" => {
            let c = &v["client_tool_call"];
            Some(AgentEvent::ToolCall {
                id: c["tool_call_id"].as_str().unwrap_or("").to_owned(),
                name: c["tool_name"].as_str().unwrap_or("").to_owned(),
                parameters: c["parameters"].clone(),
            })
        }
        "error" => {
            let e = &v["error_event"];
            tracing::warn!(code = %e["code"], error_type = %e["error_type"], "the agent reported an error");
            None
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/../../tests/fixtures/elevenlabs/ws/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default()).unwrap_or(Value::Null)
    }

    #[test]
    fn server_fixtures_become_bridge_events() {
        assert!(
            matches!(incoming(&fixture("server_to_client/audio.json")), Ok(Some(AgentEvent::Audio { id: 3, bytes })) if !bytes.is_empty())
        );
        assert_eq!(
            incoming(&fixture("server_to_client/interruption.json")),
            Ok(Some(AgentEvent::Interruption { id: 5 }))
        );
        assert_eq!(
            incoming(&fixture("server_to_client/ping.json")),
            Err(r#"{"event_id":7,"type":"pong"}"#.into())
        );
        assert!(matches!(
            incoming(&fixture("server_to_client/user_transcript.json")),
            Ok(Some(AgentEvent::Transcript { role: "contact", .. }))
        ));
        assert!(
            matches!(incoming(&fixture("server_to_client/client_tool_call.json")), Ok(Some(AgentEvent::ToolCall { name, .. })) if name == "lookup_policy")
        );
        assert_eq!(incoming(&fixture("server_to_client/vad_score.json")), Ok(None));
    }

    #[test]
    fn the_audio_fast_path_reads_what_the_tree_reads_and_leaves_the_rest() {
        let dir = format!(
            "{}/../../tests/fixtures/elevenlabs/ws/server_to_client",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(format!("{dir}/audio.json")).unwrap_or_default();
        let via_tree = incoming(&serde_json::from_str(&text).unwrap_or(Value::Null));
        assert_eq!(audio_event(&text), via_tree.ok().flatten());
        assert!(matches!(
            audio_event(&text),
            Some(AgentEvent::Audio { id: 3, .. })
        ));
        for other in [
            "interruption.json",
            "ping.json",
            "user_transcript.json",
            "vad_score.json",
        ] {
            let text = std::fs::read_to_string(format!("{dir}/{other}")).unwrap_or_default();
            assert_eq!(audio_event(&text), None, "{other}");
        }
        assert_eq!(audio_event("not json"), None);
        assert_eq!(
            audio_event(r#"{"type":"audio","audio_event":{"audio_base_64":"AA==","event_id":"x"}}"#),
            None
        );
    }

    #[test]
    fn client_messages_match_the_fixture_shapes() {
        let audio: Value =
            serde_json::from_str(&outgoing(AgentInput::Audio(vec![0xFF; 4])).unwrap_or_default())
                .unwrap_or(Value::Null);
        assert_eq!(audio["user_audio_chunk"], "/////w==");
        let want = fixture("client_to_server/client_tool_result.json");
        let got: Value = serde_json::from_str(
            &outgoing(AgentInput::ToolResult {
                id: want["tool_call_id"].as_str().unwrap_or("").into(),
                result: want["result"].as_str().unwrap_or("").into(),
                is_error: false,
            })
            .unwrap_or_default(),
        )
        .unwrap_or(Value::Null);
        assert_eq!(got["type"], want["type"]);
        assert_eq!(got["tool_call_id"], want["tool_call_id"]);
        assert_eq!(
            dynamic_variables(&json!({"a": 1, "b": [1]})),
            json!({"a": 1, "b": "[1]"})
        );
    }
}
