//! The control socket of an accepted Realtime SIP call runs the same conversation as a bridged call: the
//! model's function calls are carried out and answered on the socket (`function_call_output` then
//! `response.create`) and recorded for the call drawer, a key the caller presses and a supervisor's
//! escalation reach the model, and the model's `end_call` hangs the call up through REST once OpenAI has
//! played the goodbye.

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::openai_sip::{
    ALWAYS, Seen, incoming, mock_openai_scripted, next, next_rest, served, sip_agent, sip_settings,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The next frame the control socket got (REST requests skipped).
async fn next_ws(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Result<Value, Box<dyn std::error::Error>> {
    loop {
        let seen = next(rx).await?;
        if seen.path == "ws" {
            return Ok(seen.body);
        }
    }
}

/// The model calls `name` in response `r`, having said `said` (OpenAI playing it when `playing`).
pub(crate) fn function_call(
    r: &str,
    call: &str,
    name: &str,
    arguments: &str,
    said: Option<&str>,
) -> Vec<Value> {
    let mut msgs = vec![json!({"type": "response.created", "response": {"id": r, "status": "in_progress"}})];
    if let Some(text) = said {
        msgs.push(json!({"type": "output_audio_buffer.started", "response_id": r}));
        msgs.push(json!({"type": "response.output_audio_transcript.done", "response_id": r, "item_id": format!("item_{r}"),
            "output_index": 0, "content_index": 0, "transcript": text}));
    }
    msgs.extend([
        json!({"type": "response.function_call_arguments.done", "response_id": r, "item_id": format!("item_{call}"),
            "output_index": 0, "call_id": call, "name": name, "arguments": arguments}),
        json!({"type": "response.output_item.done", "response_id": r, "output_index": 0, "item": {"id": format!("item_{call}"),
            "type": "function_call", "status": "completed", "name": name, "call_id": call, "arguments": arguments}}),
        json!({"type": "response.done", "response": {"id": r, "status": "completed", "usage": null}}),
    ]);
    msgs
}

fn tool_output(v: &Value, call: &str) -> Result<Value, Box<dyn std::error::Error>> {
    assert_eq!(v["type"], "conversation.item.create", "{v}");
    assert_eq!(v["item"]["type"], "function_call_output", "{v}");
    assert_eq!(v["item"]["call_id"], call);
    Ok(serde_json::from_str(v["item"]["output"].as_str().unwrap_or(""))?)
}

#[tokio::test]
async fn the_control_socket_runs_the_models_tools_and_hears_the_supervisor() -> TestResult {
    let (base, mut rx, script) = mock_openai_scripted().await?;
    let s = served(&base).await?;
    sip_agent(&s, ALWAYS, sip_settings(true)).await?;
    let mut controls = HashMap::new();
    callboard_core::openai::sip_dialer::add_to(&s.test.app, &mut controls);
    s.test.app.call_controls.set(controls);
    incoming(&s, "wh_tools", "rtc_tools").await?;
    assert_eq!(
        next_rest(&mut rx).await?.path,
        "/v1/realtime/calls/rtc_tools/accept"
    );
    assert_eq!(next_ws(&mut rx).await?, json!({ "type": "response.create" }));
    let board = s
        .rpc("call.list", json!({ "provider": "openai-sip" }))
        .await?
        .body;
    let id = board[0]["id"].as_i64().ok_or("no SIP call on the board")?;

    // Arguments that are not JSON: a tool error back to the model within the turn, then a response.
    for m in function_call("r1", "c1", "complete_intake", "{oops", None) {
        script.send(m.to_string())?;
    }
    let out = tool_output(&next_ws(&mut rx).await?, "c1")?;
    assert!(
        out["error"].as_str().unwrap_or("").contains("not valid JSON"),
        "{out}"
    );
    assert_eq!(next_ws(&mut rx).await?["type"], "response.create");
    // Recorded as for a bridged call.
    let state = s.rpc("call.agent_state", json!({ "id": id })).await?.body;
    assert_eq!(state["tool_calls"][0]["name"], "complete_intake", "{state}");
    assert_eq!(state["tool_calls"][0]["ok"], false);
    assert_eq!(state["realtime"]["model"], "gpt-realtime-2.1", "{state}");
    assert_eq!(state["phases"][0]["phase"], "greeting");

    // A key pressed on the caller's keypad (a SIP-only event) is told to the model, which answers it.
    script.send(
        json!({"type": "input_audio_buffer.dtmf_event_received", "event": "5", "received_at": 1_780_000_000})
            .to_string(),
    )?;
    let key = next_ws(&mut rx).await?;
    assert_eq!(key["item"]["role"], "user", "{key}");
    assert!(
        key["item"]["content"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("pressed the key 5"),
        "{key}"
    );
    assert_eq!(next_ws(&mut rx).await?["type"], "response.create");

    // A supervisor's escalation reaches the model.
    let esc = s
        .rpc(
            "call.escalate",
            json!({ "id": id, "reason": "check on the caller" }),
        )
        .await?;
    assert_eq!(esc.status, 200, "{}", esc.body);
    let told = next_ws(&mut rx).await?;
    assert_eq!(told["item"]["role"], "system", "{told}");
    assert!(
        told["item"]["content"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("check on the caller"),
        "{told}"
    );
    assert_eq!(next_ws(&mut rx).await?["type"], "response.create");

    // end_call while OpenAI plays the goodbye: answered at once, hung up once the playout stopped.
    for m in function_call(
        "r2",
        "c2",
        "end_call",
        r#"{"reason":"the caller is done"}"#,
        Some("Goodbye."),
    ) {
        script.send(m.to_string())?;
    }
    let out = tool_output(&next_ws(&mut rx).await?, "c2")?;
    assert_eq!(out["ok"], true, "{out}");
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "nothing more (no hang-up) while the goodbye plays"
    );
    script.send(json!({"type": "output_audio_buffer.stopped", "response_id": "r2"}).to_string())?;
    assert_eq!(
        next_rest(&mut rx).await?.path,
        "/v1/realtime/calls/rtc_tools/hangup"
    );
    let state = s.rpc("call.agent_state", json!({ "id": id })).await?.body;
    assert_eq!(state["tool_calls"].as_array().map(Vec::len), Some(2));
    assert_eq!(state["realtime"]["ended_reason"], "the caller is done", "{state}");
    s.stop().await;
    Ok(())
}
