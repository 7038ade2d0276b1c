//! "Talk to agent" with an OpenAI Realtime profile, through the real UI listener against the mock Realtime
//! server: the same backend as a call runs without a call row; the browser gets the agent's speech, both
//! sides of the transcript, each tool call with what the model was told (the intake checked against the
//! org's schema, nothing stored, nobody alerted or transferred) and the barge-in, and the model gets a
//! truncation where the browser had got to. The demo without an OpenAI key still gets the simulator.

use base64::Engine as _;
use callboard_core::openai::realtime::EscalationPolicy;
use callboard_testkit::TestApp;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    realtime_mock::{self, MockRealtime, next_any, next_event, say},
    talk::{Got, add_agent, audit_details, open, pcm16k, read_until},
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The model calls `name` with `arguments` in response `r`, after saying `said` (if any).
fn tool_turn(
    mock: &MockRealtime,
    r: &str,
    call: &str,
    name: &str,
    arguments: &str,
    said: Option<&str>,
) -> TestResult {
    // The same turn as on a SIP call, less `output_audio_buffer.started`: only SIP/WebRTC sessions send it.
    let msgs: Vec<_> = crate::openai_sip_tools::function_call(r, call, name, arguments, said)
        .into_iter()
        .filter(|m| m["type"] != "output_audio_buffer.started")
        .collect();
    say(mock, &msgs)
}

/// The tool output the model got for `call`, then the response it was asked for.
async fn model_got(mock: &mut MockRealtime, call: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let out = next_event(mock).await.ok_or("no tool output")?;
    assert_eq!(out["item"]["type"], "function_call_output", "{out}");
    assert_eq!(out["item"]["call_id"], call);
    assert_eq!(
        next_event(mock).await.ok_or("no response.create")?["type"],
        "response.create"
    );
    Ok(serde_json::from_str(
        out["item"]["output"].as_str().unwrap_or(""),
    )?)
}

#[tokio::test]
async fn the_browser_talks_to_an_openai_realtime_agent_with_tools_and_barge_in() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let transfers = realtime_mock::TransferLog::install(&s.test.app, "twilio");
    let mut mock = realtime_mock::start().await?;
    // A profile that transfers on escalation: a test conversation must still transfer nobody.
    realtime_mock::use_realtime(
        &s.test.app,
        &mock,
        realtime_mock::setup(EscalationPolicy {
            transfer_to: Some("+15550001111".into()),
            transfer_on_escalation: true,
        }),
    );
    let agent_id = add_agent(&s, "openai-realtime", None).await?;
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ready").await);
    assert_eq!(got.of_type("ready")[0]["backend"], "openai-realtime");
    assert_eq!(got.of_type("ready")[0]["conversation_id"], "sess_mock");
    assert_eq!(
        next_event(&mut mock).await.ok_or("no update")?["type"],
        "session.update"
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no greeting")?["type"],
        "response.create"
    );

    // 100 ms of microphone reaches the model as 100 ms of µ-law (800 bytes).
    for frame in pcm16k(100, true).chunks(640) {
        ws.send(Message::binary(frame.to_vec())).await?;
    }
    let mut heard = 0;
    while heard < 800 {
        let v = next_any(&mut mock).await.ok_or("the model heard nothing")?;
        if v["type"] == "input_audio_buffer.append" {
            heard += base64::engine::general_purpose::STANDARD
                .decode(v["audio"].as_str().unwrap_or(""))?
                .len();
        }
    }
    assert_eq!(heard, 800);

    // The agent says 3 s of audio; the browser gets it as 16 kHz PCM16 and the transcript line.
    let speech = base64::engine::general_purpose::STANDARD.encode(vec![0x7Fu8; 24_000]);
    say(
        &mock,
        &[
            json!({"type": "response.created", "response": {"id": "r1"}}),
            json!({"type": "response.output_audio.delta", "response_id": "r1", "item_id": "item_a", "delta": speech}),
            json!({"type": "response.output_audio_transcript.done", "response_id": "r1", "item_id": "item_a", "transcript": "How can I help?"}),
            json!({"type": "response.done", "response": {"id": "r1", "status": "completed"}}),
        ],
    )?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "transcript").await);
    // The user talks over it: the browser is told to stop playing, the model truncates its turn where the
    // browser had got to (well before the 3 s it was sent).
    say(
        &mock,
        &[json!({"type": "input_audio_buffer.speech_started", "audio_start_ms": 900, "item_id": "item_u1"})],
    )?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "interruption").await);
    assert_eq!(got.audio_bytes, 96_000, "3 s of 16 kHz PCM16");
    let truncate = next_event(&mut mock).await.ok_or("no truncate")?;
    assert_eq!(truncate["type"], "conversation.item.truncate", "{truncate}");
    assert_eq!(truncate["item_id"], "item_a");
    let at = truncate["audio_end_ms"].as_u64().ok_or("no audio_end_ms")?;
    assert!(at < 3_000, "truncated at {at} ms");
    say(
        &mock,
        &[
            json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "item_u1", "content_index": 0,
                "transcript": "I'd like to book a visit.", "usage": {"type": "tokens", "input_tokens": 12, "output_tokens": 6}}),
        ],
    )?;
    assert!(
        read_until(&mut ws, &mut got, |v| v["type"] == "transcript"
            && v["role"] == "contact")
        .await
    );

    // An emergency word: the model is told what a real call would do, but nobody is alerted.
    say(
        &mock,
        &[
            json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "item_u2", "content_index": 0,
                "transcript": "Also my neighbour's kitchen is on fire.", "usage": {"type": "duration", "seconds": 1.5}}),
        ],
    )?;
    let told = next_event(&mut mock).await.ok_or("no system item")?;
    assert_eq!(told["item"]["role"], "system", "{told}");
    let text = told["item"]["content"][0]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("emergency keyword") && text.contains("test conversation"),
        "{text}"
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no response.create")?["type"],
        "response.create"
    );

    // An intake that does not match the org's schema goes back to the model with the problems, and the
    // panel shows that answer.
    tool_turn(
        &mock,
        "r2",
        "c1",
        "complete_intake",
        r#"{"data":{"name":"Ana","urgency":"soon"}}"#,
        None,
    )?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "tool_call").await);
    let out = model_got(&mut mock, "c1").await?;
    assert!(out["problems"].is_array(), "{out}");
    // A valid one is checked but not stored; an escalation alerts and transfers nobody.
    tool_turn(
        &mock,
        "r3",
        "c2",
        "complete_intake",
        r#"{"data":{"name":"Ana","urgency":"low"}}"#,
        None,
    )?;
    let out = model_got(&mut mock, "c2").await?;
    assert_eq!(out["ok"], true, "{out}");
    assert!(
        out["message"]
            .as_str()
            .unwrap_or("")
            .contains("test conversation")
    );
    tool_turn(
        &mock,
        "r4",
        "c3",
        "escalate_to_human",
        r#"{"reason":"wants a person","urgency":"high"}"#,
        None,
    )?;
    let out = model_got(&mut mock, "c3").await?;
    assert_eq!(out["transferring"], false, "{out}");

    // end_call after the goodbye: the conversation ends.
    tool_turn(
        &mock,
        "r5",
        "c4",
        "end_call",
        r#"{"reason":"booked"}"#,
        Some("Goodbye!"),
    )?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ended").await);
    let ended = &got.of_type("ended")[0];
    assert!(
        ended["reason"].as_str().unwrap_or("").contains("end_call"),
        "{ended}"
    );
    let tools: Vec<(String, bool)> = got
        .of_type("tool_call")
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or("").to_owned(), t["ok"] == true))
        .collect();
    assert_eq!(
        tools,
        [
            ("complete_intake".to_owned(), false),
            ("complete_intake".to_owned(), true),
            ("escalate_to_human".to_owned(), true),
            ("end_call".to_owned(), true)
        ],
        "each tool shown once, end_call too"
    );
    assert!(
        got.of_type("tool_call")[0]["result"]
            .as_str()
            .unwrap_or("")
            .contains("/urgency"),
        "the panel shows what the model was told"
    );
    let lines: Vec<&str> = got
        .of_type("transcript")
        .iter()
        .filter_map(|t| t["text"].as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "How can I help?",
            "I'd like to book a visit.",
            "Also my neighbour's kitchen is on fire.",
            "Goodbye!"
        ]
    );

    // Nothing reached a person or the call records: no transfer, no attention item, no call row.
    assert!(transfers.transfers().is_empty());
    let attention = s.rpc("attention.list", json!({})).await?;
    assert_eq!(
        attention.body["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        attention.body
    );
    let rows: i64 = s
        .test
        .app
        .store
        .read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM calls) + (SELECT COUNT(*) FROM call_tool_calls) \
                 + (SELECT COUNT(*) FROM call_realtime) + (SELECT COUNT(*) FROM call_phases)",
                [],
                |r| r.get(0),
            )?)
        })
        .await?;
    assert_eq!(rows, 0);
    let audit = audit_details(&s, agent_id).await?;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["backend"], "openai-realtime");
    assert_eq!(audit[0]["transcript"].as_array().map(Vec::len), Some(4));
    assert_eq!(audit[0]["tool_calls"].as_array().map(Vec::len), Some(4));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_demo_without_an_openai_key_talks_to_the_simulator_instead() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mock = realtime_mock::start().await?;
    // The backend is installed (as launch always does) but no OpenAI key is set.
    realtime_mock::use_realtime(
        &s.test.app,
        &mock,
        realtime_mock::setup(EscalationPolicy::default()),
    );
    s.test.app.set_demo(true);
    let agent_id = add_agent(&s, "openai-realtime", None).await?;
    let mut ws = open(&s, agent_id).await?;
    let mut got = Got::default();
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ready").await);
    assert_eq!(got.of_type("ready")[0]["backend"], "sim");
    ws.send(Message::text(json!({"type": "stop"}).to_string()))
        .await?;
    assert!(read_until(&mut ws, &mut got, |v| v["type"] == "ended").await);
    s.stop().await;
    Ok(())
}
