//! "Talk to agent" through the real UI listener: a WebSocket client plays the browser (PCM16 16 kHz frames
//! out, agent audio and JSON frames back) against the mock ElevenLabs agent and against the scripted sim
//! agent; refusals come back as `{code, message}` frames; every conversation leaves one audit row.

use std::time::Duration;

use base64::Engine as _;
use callboard_core::media::audio;
use callboard_testkit::{Served, TestApp};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::media_mock::{self, Seen};

type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn open(s: &Served, agent_id: i64) -> Result<Socket, Box<dyn std::error::Error>> {
    let url = format!(
        "ws://{}/api/agents/{agent_id}/talk?token={}",
        s.ui_addr(),
        s.token()
    );
    Ok(tokio_tungstenite::connect_async(url).await?.0)
}

pub async fn add_agent(
    s: &Served,
    provider: &str,
    external_id: Option<&str>,
) -> Result<i64, Box<dyn std::error::Error>> {
    let (provider, external) = (provider.to_owned(), external_id.map(str::to_owned));
    Ok(s.test
        .app
        .store
        .with_tx(move |tx| {
            tx.execute(
                "INSERT INTO agents(name, provider, external_id, language, first_message, created_at, updated_at) \
                 VALUES ('Tester', ?1, ?2, 'en', 'Hello, this is the test agent.', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z')",
                rusqlite::params![provider, external],
            )?;
            Ok::<_, callboard_core::store::StoreError>(tx.last_insert_rowid())
        })
        .await?)
}

/// What the browser got: JSON frames and the bytes of agent audio.
#[derive(Debug, Default)]
pub struct Got {
    pub json: Vec<Value>,
    pub audio_bytes: usize,
}

impl Got {
    pub fn of_type(&self, t: &str) -> Vec<&Value> {
        self.json.iter().filter(|v| v["type"] == t).collect()
    }
}

/// Reads until `until` holds for a JSON frame (or the socket ends / 10 s pass).
pub async fn read_until(ws: &mut Socket, got: &mut Got, until: impl Fn(&Value) -> bool) -> bool {
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next()).await;
        match next {
            Ok(Some(Ok(Message::Text(t)))) => {
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                let done = until(&v);
                got.json.push(v);
                if done {
                    return true;
                }
            }
            Ok(Some(Ok(Message::Binary(b)))) => got.audio_bytes += b.len(),
            Ok(Some(Ok(_))) => {}
            _ => return false,
        }
    }
}

/// `ms` of 16 kHz PCM16LE: a loud square wave, or silence.
pub fn pcm16k(ms: usize, loud: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let samples: Vec<i16> = (0..ms * 16)
        .map(|i| {
            if !loud {
                0
            } else if i % 32 < 16 {
                6000
            } else {
                -6000
            }
        })
        .collect();
    audio::pcm_to_le_bytes(&samples, &mut out);
    out
}

pub async fn audit_details(s: &Served, agent_id: i64) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let rows = s
        .test
        .app
        .store
        .read(move |c| callboard_core::store::audit::for_subject(c, "agent", &agent_id.to_string()))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.action == "agent.talk")
        .map(|r| r.details)
        .collect())
}

#[tokio::test]
async fn the_browser_talks_to_an_elevenlabs_agent_through_the_bridge() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut agent = media_mock::start_agent("ulaw_8000", true).await?;
    media_mock::use_agent(&s.test.app, &agent, Duration::from_secs(5));
    let agent_id = add_agent(&s, "elevenlabs", Some("agent_x")).await?;
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ready").await);
    let ready = &got.of_type("ready")[0];
    assert_eq!(ready["backend"], "elevenlabs");
    assert_eq!(ready["sample_rate"], 16_000);
    assert_eq!(ready["conversation_id"], "conv_test");
    assert!(matches!(media_mock::next_seen(&mut agent).await, Seen::Init(_)));

    // 200 ms of microphone in 20 ms frames reaches the agent as 200 ms of µ-law at 8 kHz.
    for frame in pcm16k(200, true).chunks(640) {
        ws.send(Message::binary(frame.to_vec())).await?;
    }
    let mut heard = 0;
    while heard < 1_600 {
        match media_mock::next_seen(&mut agent).await {
            Seen::Audio(b) => heard += b.len(),
            Seen::Closed => panic!("the agent socket closed after {heard} bytes"),
            _ => {}
        }
    }
    assert_eq!(heard, 1_600);

    // The agent speaks (µ-law 8 kHz → PCM16 16 kHz: twice the samples, two bytes each), says its line, is
    // interrupted (its late audio is dropped), and ends the conversation with a tool.
    let b64 = |n: usize| base64::engine::general_purpose::STANDARD.encode(vec![0x7Fu8; n]);
    let say = |v: Value| agent.say.send(v.to_string());
    say(json!({"type": "audio", "audio_event": {"audio_base_64": b64(160), "event_id": 1}}))?;
    say(json!({"type": "agent_response", "agent_response_event": {"agent_response": "How can I help?"}}))?;
    say(
        json!({"type": "user_transcript", "user_transcription_event": {"user_transcript": "Just testing."}}),
    )?;
    say(json!({"type": "interruption", "interruption_event": {"event_id": 2}}))?;
    say(json!({"type": "audio", "audio_event": {"audio_base_64": b64(160), "event_id": 2}}))?;
    say(json!({"type": "audio", "audio_event": {"audio_base_64": b64(160), "event_id": 3}}))?;
    say(
        json!({"type": "client_tool_call", "client_tool_call": {"tool_call_id": "t1", "tool_name": "end_call", "parameters": {"reason": "done"}}}),
    )?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ended").await);
    assert_eq!(
        got.audio_bytes,
        2 * 640,
        "event 2 came after the interruption and was dropped"
    );
    let transcript: Vec<(String, String)> = got
        .of_type("transcript")
        .iter()
        .map(|v| {
            (
                v["role"].as_str().unwrap_or("").to_owned(),
                v["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        transcript,
        [
            ("agent".to_owned(), "How can I help?".to_owned()),
            ("contact".to_owned(), "Just testing.".to_owned())
        ]
    );
    assert_eq!(got.of_type("interruption").len(), 1);
    let tool = got.of_type("tool_call")[0];
    assert_eq!(tool["name"], "end_call");
    assert_eq!(tool["parameters"]["reason"], "done");
    let ended = got.of_type("ended")[0];
    assert!(
        ended["reason"].as_str().unwrap_or("").contains("end_call"),
        "{ended}"
    );

    // The agent got the tool result, then its socket was closed.
    let (_, messages) = media_mock::drain_until_closed(&mut agent).await;
    assert!(
        messages
            .iter()
            .any(|m| m["type"] == "client_tool_result" && m["tool_call_id"] == "t1"),
        "{messages:?}"
    );
    let audit = audit_details(&s, agent_id).await?;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["backend"], "elevenlabs");
    assert_eq!(audit[0]["transcript"].as_array().map(Vec::len), Some(2));
    assert_eq!(audit[0]["tool_calls"][0]["name"], "end_call");
    assert_eq!(audit[0]["frames_in"], 10);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_sim_agent_greets_hears_a_turn_and_answers() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let agent_id = add_agent(&s, "sim", None).await?;
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "transcript").await);
    assert_eq!(got.of_type("ready")[0]["backend"], "sim");
    assert_eq!(
        got.of_type("transcript")[0]["text"],
        "Hello, this is the test agent."
    );
    // A 300 ms turn and 600 ms of silence, sent as fast as the socket takes them.
    let mut speech = pcm16k(300, true);
    speech.extend(pcm16k(600, false));
    for frame in speech.chunks(640) {
        ws.send(Message::binary(frame.to_vec())).await?;
    }
    assert!(
        read_until(&mut ws, &mut got, |v| v["type"] == "transcript"
            && v["role"] == "contact")
        .await
    );
    assert!(
        read_until(&mut ws, &mut got, |v| v["type"] == "transcript"
            && v["role"] == "agent")
        .await
    );
    // The greeting's audio came back as 16 kHz PCM: at least the one second a short line lasts.
    assert!(got.audio_bytes >= 32_000, "{} bytes", got.audio_bytes);
    let contact = got
        .json
        .iter()
        .find(|v| v["role"] == "contact")
        .cloned()
        .unwrap_or_default();
    assert_eq!(contact["text"], "(you spoke for 0.3 s)");
    ws.send(Message::text(json!({"type": "stop"}).to_string()))
        .await?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ended").await);
    assert_eq!(got.of_type("ended")[0]["reason"], "you ended the conversation");
    let audit = audit_details(&s, agent_id).await?;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["backend"], "sim");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn refusals_come_back_as_code_and_message() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    // No such agent.
    let mut ws = open(&s, 999).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "error").await);
    assert_eq!(got.json[0]["code"], "not_found");
    // An ElevenLabs agent with no key outside demo mode.
    let agent_id = add_agent(&s, "elevenlabs", Some("agent_x")).await?;
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "error").await);
    assert_eq!(got.json[0]["code"], "validation");
    assert!(
        got.json[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("ElevenLabs API key")
    );
    // The agent's side refuses (the mock wants another key).
    let agent = media_mock::start_agent("ulaw_8000", true).await?;
    let wrong = callboard_core::media::elevenlabs_ws::ElevenLabsAgents::new(
        callboard_core::media::elevenlabs_ws::ElevenLabsConfig {
            api_key: callboard_core::secret::Secret::new("wrong"),
            base_url: format!("http://{}", agent.addr),
            default_agent: None,
        },
        Duration::from_secs(5),
    );
    s.test
        .app
        .media_sessions
        .configure(callboard_core::media::Bridge {
            agents: Some(std::sync::Arc::new(wrong)),
            ..Default::default()
        });
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "error").await);
    assert_eq!(got.json[0]["code"], "upstream");
    // No token: refused before the upgrade.
    let url = format!("ws://{}/api/agents/{agent_id}/talk", s.ui_addr());
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
    assert!(audit_details(&s, agent_id).await?.is_empty());
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_desktop_window_learns_the_listener_address_and_token() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let answer = s.rpc("ui.endpoint", json!({})).await?;
    assert_eq!(answer.body["ws_url"], format!("ws://{}", s.ui_addr()));
    assert_eq!(answer.body["base_url"], format!("http://{}", s.ui_addr()));
    assert_eq!(answer.body["token"], s.token());
    s.stop().await;
    Ok(())
}
