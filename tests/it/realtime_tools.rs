//! The OpenAI Realtime backend's tools and endings through the real listener: each tool's round trip
//! within the turn (invalid intake, arguments that are not JSON, a valid intake, an escalation with its
//! transfer, `end_call` after the goodbye played), the supervisor's overrides, a dropped socket falling
//! back to a transfer, a broken intake schema, and the session winding down before its time limit.

use std::time::Duration;

use callboard_core::openai::realtime::EscalationPolicy;
use callboard_testkit::TestApp;
use serde_json::{Value, json};

use crate::realtime_mock::{
    self, MockRealtime, Socket, TestResult, agent_state, from, next_event, next_json, say, seed_call, send,
    session_lines, setup, twilio_socket, until_closed, use_realtime, with_call,
};

pub const TRANSFER_TO: &str = "+15550001111";

pub fn transferring() -> EscalationPolicy {
    EscalationPolicy {
        transfer_to: Some(TRANSFER_TO.into()),
        transfer_on_escalation: true,
    }
}

/// Connects a Twilio call to the mock and takes the session setup and greeting off the mock.
pub async fn twilio_call(
    s: &callboard_testkit::Served,
    mock: &mut MockRealtime,
) -> Result<(Socket, i64), Box<dyn std::error::Error>> {
    let call_id = seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let twilio = from(&session_lines("twilio_bridge_call.jsonl"), "twilio->bridge");
    let mut ws = twilio_socket(s).await?;
    send(&mut ws, &twilio[0]).await?;
    send(
        &mut ws,
        &with_call(twilio[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    assert_eq!(
        next_event(mock).await.ok_or("no update")?["type"],
        "session.update"
    );
    assert_eq!(
        next_event(mock).await.ok_or("no greeting")?["type"],
        "response.create"
    );
    Ok((ws, call_id))
}

/// The model calls `name` with `arguments` in response `r` (created here unless it already runs);
/// returns what came back to the model.
async fn tool_turn(
    mock: &mut MockRealtime,
    r: &str,
    call: &str,
    name: &str,
    arguments: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    mock.say.send(
        json!({"type": "response.created", "response": {"id": r, "status": "in_progress"}}).to_string(),
    )?;
    tool_call(mock, r, call, name, arguments).await
}

async fn tool_call(
    mock: &mut MockRealtime,
    r: &str,
    call: &str,
    name: &str,
    arguments: &str,
) -> Result<Value, Box<dyn std::error::Error>> {
    say(
        mock,
        &[
            json!({"type": "response.function_call_arguments.done", "response_id": r, "item_id": format!("item_{call}"),
                "output_index": 0, "call_id": call, "name": name, "arguments": arguments}),
            json!({"type": "response.output_item.done", "response_id": r, "output_index": 0, "item": {"id": format!("item_{call}"),
                "type": "function_call", "status": "completed", "name": name, "call_id": call, "arguments": arguments}}),
            json!({"type": "response.done", "response": {"id": r, "status": "completed", "usage": null}}),
        ],
    )?;
    let out = next_event(mock).await.ok_or("no tool output")?;
    assert_eq!(out["type"], "conversation.item.create");
    assert_eq!(out["item"]["type"], "function_call_output");
    assert_eq!(out["item"]["call_id"], call);
    Ok(serde_json::from_str(
        out["item"]["output"].as_str().unwrap_or(""),
    )?)
}

#[tokio::test]
async fn each_tool_round_trips_within_the_turn() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let transfers = realtime_mock::TransferLog::install(&s.test.app, "twilio");
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(transferring()));
    let (mut ws, call_id) = twilio_call(&s, &mut mock).await?;

    // An intake that does not match the schema goes back with the problems; so do arguments that are
    // not JSON. Each result is followed by a response.create once the response is done.
    let out = tool_turn(
        &mut mock,
        "r1",
        "c1",
        "complete_intake",
        r#"{"data":{"name":"Ana","urgency":"soon"}}"#,
    )
    .await?;
    let problems = out["problems"].as_array().cloned().unwrap_or_default();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap_or("").starts_with("/urgency: ")),
        "{out}"
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no create")?["type"],
        "response.create"
    );
    let out = tool_turn(&mut mock, "r2", "c2", "complete_intake", "{name: Ana").await?;
    assert!(
        out["error"].as_str().unwrap_or("").contains("not valid JSON"),
        "{out}"
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no create")?["type"],
        "response.create"
    );
    let out = tool_turn(
        &mut mock,
        "r3",
        "c3",
        "complete_intake",
        r#"{"data":{"name":"Ana","urgency":"high","reason":"billing"}}"#,
    )
    .await?;
    assert_eq!(out["ok"], true, "{out}");
    assert_eq!(
        next_event(&mut mock).await.ok_or("no create")?["type"],
        "response.create"
    );

    // Escalation: flagged, the supervisor alerted, and transferred as the policy says.
    let out = tool_turn(
        &mut mock,
        "r4",
        "c4",
        "escalate_to_human",
        r#"{"reason":"wants a manager","urgency":"high"}"#,
    )
    .await?;
    assert_eq!(out["transferring"], true, "{out}");
    assert_eq!(
        next_event(&mut mock).await.ok_or("no create")?["type"],
        "response.create"
    );
    assert_eq!(transfers.transfers(), vec![(call_id, TRANSFER_TO.to_owned())]);

    // end_call after a spoken goodbye: no new response; the call ends once the goodbye has played.
    let goodbye = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![0xFFu8; 800]);
    say(
        &mock,
        &[
            json!({"type": "response.created", "response": {"id": "r5"}}),
            json!({"type": "response.output_audio.delta", "response_id": "r5", "item_id": "item_bye", "delta": goodbye}),
        ],
    )?;
    assert_eq!(next_json(&mut ws).await.ok_or("no media")?["event"], "media");
    let mark = next_json(&mut ws).await.ok_or("no mark")?;
    let out = tool_call(&mut mock, "r5", "c5", "end_call", r#"{"reason":"all done"}"#).await?;
    assert_eq!(out["ok"], true);
    // Still up while the goodbye plays; Twilio confirms it, then the bridge hangs up.
    send(
        &mut ws,
        &json!({"event": "mark", "streamSid": mark["streamSid"], "mark": {"name": mark["mark"]["name"]}}),
    )
    .await?;
    let rest = until_closed(&mut ws).await;
    assert!(rest.iter().all(|m| m["event"] != "media"), "{rest:?}");
    assert_eq!(
        next_event(&mut mock).await,
        None,
        "the Realtime socket was closed without another response"
    );

    let state = agent_state(&s, call_id).await?;
    assert_eq!(
        state["intake"]["data"],
        json!({"name": "Ana", "urgency": "high", "reason": "billing"})
    );
    let oks: Vec<bool> = state["tool_calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["ok"].as_bool())
        .collect();
    assert_eq!(oks, [false, false, true, true, true]);
    assert_eq!(state["tool_calls"][1]["arguments"], "{name: Ana");
    let phases: Vec<&str> = state["phases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    assert_eq!(phases, ["greeting", "clarification", "completed", "escalation"]);
    assert_eq!(state["phases"][3]["source"], "agent");

    // The supervisor's overrides are audited and validated.
    let bad = s
        .rpc("call.set_phase", json!({"id": call_id, "phase": "lunch"}))
        .await?;
    assert_eq!(bad.code(), "validation");
    let set = s
        .rpc(
            "call.set_phase",
            json!({"id": call_id, "phase": "completed", "reason": "handled"}),
        )
        .await?;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["phase"], "completed");
    assert_eq!(set.body["phases"][4]["source"], "supervisor");
    let missing = s.rpc("call.agent_state", json!({"id": 999_999})).await?;
    assert_eq!(missing.code(), "not_found");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_dropped_realtime_socket_ends_the_call_and_falls_back_to_a_transfer() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let transfers = realtime_mock::TransferLog::install(&s.test.app, "twilio");
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(transferring()));
    let (mut ws, call_id) = twilio_call(&s, &mut mock).await?;
    mock.say.send(realtime_mock::CLOSE.into())?;
    until_closed(&mut ws).await;
    let state = agent_state(&s, call_id).await?;
    let why = state["realtime"]["ended_reason"].as_str().unwrap_or("");
    assert!(why.contains("socket"), "{state}");
    assert_eq!(transfers.transfers(), vec![(call_id, TRANSFER_TO.to_owned())]);
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_broken_intake_schema_ends_the_call_without_a_session() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut mock = realtime_mock::start().await?;
    let mut bad = setup(EscalationPolicy::default());
    bad.intake_schema = Some(json!({"type": 12}));
    use_realtime(&s.test.app, &mock, bad);
    let call_id = seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let twilio = from(&session_lines("twilio_bridge_call.jsonl"), "twilio->bridge");
    let mut ws = twilio_socket(&s).await?;
    send(&mut ws, &twilio[0]).await?;
    send(
        &mut ws,
        &with_call(twilio[1].clone(), "customParameters", call_id, &token),
    )
    .await?;
    // A broken intake schema is a configuration problem: no session is opened and the stream ends.
    until_closed(&mut ws).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(200), mock.seen.recv())
            .await
            .is_err(),
        "no session opened"
    );
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_session_says_goodbye_and_ends_before_its_time_limit() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut mock = realtime_mock::start().await?;
    realtime_mock::use_realtime_limited(
        &s.test.app,
        &mock,
        setup(EscalationPolicy::default()),
        Duration::from_millis(300),
    );
    let (mut ws, call_id) = twilio_call(&s, &mut mock).await?;
    let bye = next_event(&mut mock).await.ok_or("no goodbye request")?;
    assert_eq!(bye["type"], "response.create");
    assert!(
        bye["response"]["instructions"]
            .as_str()
            .unwrap_or("")
            .contains("time limit"),
        "{bye}"
    );
    let goodbye = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![0xFFu8; 800]);
    say(
        &mock,
        &[
            json!({"type": "response.created", "response": {"id": "r9"}}),
            json!({"type": "response.output_audio.delta", "response_id": "r9", "item_id": "item_bye", "delta": goodbye}),
            json!({"type": "response.done", "response": {"id": "r9", "status": "completed"}}),
        ],
    )?;
    assert_eq!(next_json(&mut ws).await.ok_or("no media")?["event"], "media");
    let mark = next_json(&mut ws).await.ok_or("no mark")?;
    send(
        &mut ws,
        &json!({"event": "mark", "streamSid": mark["streamSid"], "mark": {"name": mark["mark"]["name"]}}),
    )
    .await?;
    until_closed(&mut ws).await;
    assert_eq!(next_event(&mut mock).await, None);
    let state = agent_state(&s, call_id).await?;
    let why = state["realtime"]["ended_reason"].as_str().unwrap_or("");
    assert!(why.contains("time limit"), "{state}");
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn an_emergency_word_escalates_and_transfers_without_the_tool_and_cost_sums_per_campaign() -> TestResult
{
    let s = TestApp::new()?.serve().await?;
    let transfers = realtime_mock::TransferLog::install(&s.test.app, "twilio");
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(transferring()));
    let (mut ws, call_id) = twilio_call(&s, &mut mock).await?;
    let campaign_id = s
        .test
        .app
        .store
        .with_tx(move |tx| {
            tx.execute(
                "INSERT INTO campaigns(name, status, provider, max_concurrent, calls_per_second, created_at, updated_at) \
                 VALUES ('Intake line', 'running', 'twilio', 5, 1, '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z')",
                [],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute("UPDATE calls SET campaign_id = ?1 WHERE id = ?2", [id, call_id])?;
            Ok::<_, callboard_core::store::StoreError>(id)
        })
        .await?;
    let done = realtime_mock::fixture("ws/server_to_client/response_done_function_call.json");
    say(
        &mock,
        &[
            json!({"type": "response.created", "response": {"id": "resp_FAKEresponse000000002"}}),
            done,
            json!({"type": "conversation.item.input_audio_transcription.completed", "item_id": "item_u1",
                "content_index": 0, "transcript": "There's smoke everywhere, the kitchen is on FIRE!",
                "usage": {"type": "tokens", "input_tokens": 12}}),
        ],
    )?;
    let system = next_event(&mut mock).await.ok_or("no system message")?;
    assert_eq!(system["item"]["role"], "system");
    assert!(
        system["item"]["content"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("emergency keyword \"fire\""),
        "{system}"
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no response.create")?["type"],
        "response.create"
    );
    assert_eq!(transfers.transfers(), vec![(call_id, TRANSFER_TO.to_owned())]);
    // The model escalating too flags the call again but never starts a second transfer.
    let out = tool_turn(
        &mut mock,
        "r7",
        "c7",
        "escalate_to_human",
        r#"{"reason":"fire","urgency":"emergency"}"#,
    )
    .await?;
    assert_eq!(out["transferring"], false, "{out}");
    assert_eq!(
        next_event(&mut mock).await.ok_or("no create")?["type"],
        "response.create"
    );
    assert_eq!(transfers.transfers().len(), 1);
    let att = s.rpc("attention.list", json!({})).await?;
    let item = att.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["call_id"] == call_id)
        .cloned()
        .ok_or("no attention item")?;
    assert_eq!(item["kind"], "escalation");
    assert_eq!(item["severity"], "critical");

    send(
        &mut ws,
        from(&session_lines("twilio_bridge_call.jsonl"), "twilio->bridge")
            .last()
            .ok_or("stop")?,
    )
    .await?;
    until_closed(&mut ws).await;
    let state = agent_state(&s, call_id).await?;
    assert_eq!(state["phase"], "escalation");
    assert_eq!(
        state["phases"][2]["source"], "rule",
        "greeting, intake, then the rule"
    );
    assert_eq!(
        state["tool_calls"].as_array().map(Vec::len),
        Some(1),
        "only the model's late call"
    );
    let cost = s
        .rpc("campaign.realtime_cost", json!({"id": campaign_id}))
        .await?;
    assert_eq!(cost.status, 200, "{}", cost.body);
    assert_eq!(cost.body["calls"], 1);
    // The response's usage ($0.0032304) and the transcription's 12 input tokens, billed in tokens and
    // priced as gpt-4o-transcribe ($2.50 per 1M): 12 × 2.5 = 30 micro-USD.
    assert!(
        (cost.body["cost_micros"].as_f64().unwrap_or(0.0) - 3_260.4).abs() < 1e-6,
        "{}",
        cost.body
    );
    let missing = s.rpc("campaign.realtime_cost", json!({"id": 999_999})).await?;
    assert_eq!(missing.code(), "not_found");
    s.stop().await;
    Ok(())
}
