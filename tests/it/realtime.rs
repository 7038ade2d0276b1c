//! The OpenAI Realtime backend through the real public listener: the recorded Twilio and Exotel bridge
//! sessions replayed by a mock Realtime server (µ-law passthrough and the Exotel transcoding, transcripts,
//! barge-in truncated at the mark-confirmed position plus the time since, late audio dropped, an
//! escalation from the caller's words alone, usage and cost, an `error` event ending the call).

use std::time::Duration;

use callboard_core::{events::Event, openai::realtime::EscalationPolicy};
use callboard_testkit::{EXOTEL_SECRET, TestApp};
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::realtime_mock::{
    self, TestResult, agent_state, barrier, from, next_any, next_event, next_json, say, seed_call, send,
    session_lines, setup, twilio_socket, until_closed, use_realtime, with_call,
};

#[tokio::test]
async fn the_twilio_bridge_session_replays_end_to_end() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(EscalationPolicy::default()));
    let mut bus = s.test.app.events.subscribe();
    let call_id = seed_call(&s.test.app, "twilio").await?;
    let token = s.test.app.media_token(call_id);
    let lines = session_lines("twilio_bridge_call.jsonl");
    let twilio = from(&lines, "twilio->bridge");
    let openai = from(&lines, "openai->bridge");
    let at = |t: i64| -> Vec<Value> {
        lines
            .iter()
            .filter(|l| l["dir"] == "openai->bridge" && l["t_ms"].as_i64() == Some(t))
            .map(|l| l["msg"].clone())
            .collect()
    };
    let between = |from_ms: i64, to_ms: i64| -> Vec<Value> {
        lines
            .iter()
            .filter(|l| {
                let t = l["t_ms"].as_i64().unwrap_or(-1);
                l["dir"] == "openai->bridge" && t >= from_ms && t <= to_ms
            })
            .map(|l| l["msg"].clone())
            .collect()
    };
    assert_eq!(openai[0]["type"], "session.created");

    let mut ws = twilio_socket(&s).await?;
    send(&mut ws, &twilio[0]).await?;
    send(
        &mut ws,
        &with_call(twilio[1].clone(), "customParameters", call_id, &token),
    )
    .await?;

    // The session: the profile's instructions, µ-law both ways, the three call tools beside its own.
    let update = next_event(&mut mock).await.ok_or("no session.update")?;
    assert_eq!(update["type"], "session.update");
    let want = realtime_mock::fixture("ws/client_to_server/session_update_twilio_pcmu.json");
    assert_eq!(update["session"]["type"], "realtime");
    assert_eq!(update["session"]["instructions"], want["session"]["instructions"]);
    assert_eq!(
        update["session"]["audio"]["input"]["format"],
        json!({"type": "audio/pcmu"})
    );
    assert_eq!(
        update["session"]["audio"]["output"]["format"],
        json!({"type": "audio/pcmu"})
    );
    let tools: Vec<&str> = update["session"]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for t in ["escalate_to_human", "complete_intake", "end_call"] {
        assert!(tools.contains(&t), "{tools:?}");
    }
    let greet = next_event(&mut mock).await.ok_or("no greeting")?;
    assert_eq!(greet["type"], "response.create");
    assert!(
        greet["response"]["instructions"]
            .as_str()
            .unwrap_or("")
            .contains("Thanks for calling")
    );

    // The greeting: three deltas, each forwarded untouched with a mark.
    say(&mock, &between(140, 523)[2..])?;
    let deltas: Vec<Value> = between(140, 523)
        .iter()
        .filter(|m| m["type"] == "response.output_audio.delta")
        .map(|m| m["delta"].clone())
        .collect();
    assert_eq!(deltas.len(), 3);
    let mut marks = Vec::new();
    for delta in &deltas {
        let media = next_json(&mut ws).await.ok_or("no media")?;
        assert_eq!(media["event"], "media");
        assert_eq!(
            &media["media"]["payload"], delta,
            "µ-law passes through untouched"
        );
        let mark = next_json(&mut ws).await.ok_or("no mark")?;
        assert_eq!(mark["event"], "mark");
        marks.push(mark["mark"]["name"].clone());
    }
    // Twilio plays it all (marks echoed), then the caller talks: audio goes to OpenAI untouched.
    for (i, echo) in twilio.iter().filter(|m| m["event"] == "mark").take(3).enumerate() {
        let mut echo = echo.clone();
        echo["mark"]["name"] = marks[i].clone();
        send(&mut ws, &echo).await?;
    }
    let frames: Vec<&Value> = twilio.iter().filter(|m| m["event"] == "media").collect();
    for frame in &frames {
        send(&mut ws, frame).await?;
        let heard = next_any(&mut mock).await.ok_or("no append")?;
        assert_eq!(heard["type"], "input_audio_buffer.append");
        assert_eq!(heard["audio"], frame["media"]["payload"]);
    }

    // The caller's question, the model's lookup_order call (not a tool we know: an error back, then a
    // response.create only after the response is done). No barge-in: the greeting had played.
    say(&mock, &between(6900, 9852))?;
    let out = next_event(&mut mock).await.ok_or("no tool output")?;
    assert_eq!(out["type"], "conversation.item.create");
    assert_eq!(out["item"]["type"], "function_call_output");
    assert_eq!(out["item"]["call_id"], "call_FAKEfncall0000000001");
    assert!(
        out["item"]["output"]
            .as_str()
            .unwrap_or("")
            .contains("unknown tool")
    );
    let create = next_event(&mut mock).await.ok_or("no response.create")?;
    assert_eq!(create["type"], "response.create");

    // The answer: 1000 ms and 600 ms deltas.
    say(&mock, &between(10010, 10290))?;
    let mut answer_marks = Vec::new();
    for _ in 0..2 {
        assert_eq!(next_json(&mut ws).await.ok_or("no media")?["event"], "media");
        let mark = next_json(&mut ws).await.ok_or("no mark")?;
        answer_marks.push(mark["mark"]["name"].clone());
    }
    // Twilio confirms the first 1000 ms; 240 ms later the caller talks over the rest.
    let mut echo = twilio
        .iter()
        .find(|m| m["event"] == "mark" && m["sequenceNumber"] == "120")
        .cloned()
        .ok_or("m4")?;
    echo["mark"]["name"] = answer_marks[0].clone();
    send(&mut ws, &echo).await?;
    barrier(&mut ws, &mut mock, frames[0]).await?;
    s.test.clock.advance(SignedDuration::from_millis(240));
    say(&mock, &at(11480))?;
    assert_eq!(next_json(&mut ws).await.ok_or("no clear")?["event"], "clear");
    let truncate = next_event(&mut mock).await.ok_or("no truncate")?;
    let want = lines
        .iter()
        .find(|l| l["msg"]["type"] == "conversation.item.truncate")
        .map(|l| l["msg"].clone())
        .ok_or("fixture")?;
    assert_eq!(truncate["type"], "conversation.item.truncate");
    assert_eq!(truncate["item_id"], want["item_id"]);
    assert_eq!(truncate["audio_end_ms"], 1240);
    assert_eq!(truncate["audio_end_ms"], want["audio_end_ms"]);

    // A late delta of the cancelled response, the stale mark, the cancelled response.done, then the
    // caller asks for a person: the rules escalate without the model calling the tool.
    say(&mock, &at(11490))?;
    let mut stale = twilio
        .iter()
        .find(|m| m["event"] == "mark" && m["sequenceNumber"] == "121")
        .cloned()
        .ok_or("m5")?;
    stale["mark"]["name"] = answer_marks[1].clone();
    send(&mut ws, &stale).await?;
    say(&mock, &between(11510, 13400))?;
    let system = next_event(&mut mock).await.ok_or("no system message")?;
    assert_eq!(system["item"]["role"], "system");
    assert!(
        system["item"]["content"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("asked for a person")
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no response.create")?["type"],
        "response.create"
    );

    // Twilio hangs up: the bridge closes the Realtime socket; nothing else went to Twilio.
    send(&mut ws, twilio.last().ok_or("stop")?).await?;
    assert_eq!(next_event(&mut mock).await, None);
    let rest = until_closed(&mut ws).await;
    assert!(
        rest.iter().all(|m| m["event"] != "media"),
        "the late delta was dropped: {rest:?}"
    );

    let state = agent_state(&s, call_id).await?;
    let phases: Vec<&str> = state["phases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["phase"].as_str())
        .collect();
    assert_eq!(phases, ["greeting", "intake", "escalation"]);
    assert_eq!(state["phase"], "escalation");
    assert_eq!(state["phases"][2]["source"], "rule");
    assert_eq!(state["tool_calls"][0]["name"], "lookup_order");
    assert_eq!(state["tool_calls"][0]["ok"], false);
    assert_eq!(state["realtime"]["prompt_version"], 7);
    assert_eq!(state["realtime"]["model"], "gpt-realtime-2.1");
    // Three response.done (11494.4 µ$) + 4.8 s of transcription (1360 µ$).
    let cost = state["realtime"]["cost_micros"].as_f64().unwrap_or(0.0);
    assert!((cost - 12_854.4).abs() < 1e-6, "cost {cost}");
    let att = s.rpc("attention.list", json!({})).await?;
    let items = att.body["items"].as_array().cloned().unwrap_or_default();
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "escalation" && i["call_id"] == call_id),
        "{items:?}"
    );

    // Both sides' transcripts went on the bus (the recorder stores them).
    let mut said = Vec::new();
    while let Ok(Some(batch)) = tokio::time::timeout(Duration::from_millis(300), bus.next_batch()).await {
        for e in batch {
            if let Event::CallTranscript { role, text, .. } = e {
                said.push((role, text));
            }
        }
    }
    assert!(
        said.contains(&(
            "agent".into(),
            "Thanks for calling Example Corp, how can I help?".into()
        )),
        "{said:?}"
    );
    assert!(said.contains(&("contact".into(), "Where is my order four one seven two?".into())));
    assert!(said.contains(&("contact".into(), "Actually, can I talk to a person?".into())));
    s.stop().await;
    Ok(())
}

#[tokio::test]
async fn the_exotel_session_transcodes_truncates_and_an_error_event_ends_the_call() -> TestResult {
    let s = TestApp::new()?.serve().await?;
    let mut mock = realtime_mock::start().await?;
    use_realtime(&s.test.app, &mock, setup(EscalationPolicy::default()));
    let call_id = seed_call(&s.test.app, "exotel").await?;
    let token = s.test.app.media_token(call_id);
    let lines = session_lines("exotel_bridge_call.jsonl");
    let exotel = from(&lines, "exotel->bridge");
    let to_exotel = from(&lines, "bridge->exotel");
    let to_openai = from(&lines, "bridge->openai");
    let openai = from(&lines, "openai->bridge");
    let url = format!(
        "ws://{}/media/exotel/{EXOTEL_SECRET}?call_id={call_id}&token={token}",
        s.running.public_addr
    );
    let mut ws = tokio_tungstenite::connect_async(url).await?.0;
    send(&mut ws, &exotel[0]).await?;
    send(&mut ws, &exotel[1]).await?;
    let update = next_event(&mut mock).await.ok_or("no update")?;
    assert_eq!(
        update["session"]["audio"]["input"]["format"],
        to_openai[0]["session"]["audio"]["input"]["format"]
    );
    assert_eq!(
        next_event(&mut mock).await.ok_or("no greeting")?["type"],
        "response.create"
    );

    // 100 ms of PCM16 in → 800 bytes of µ-law out, as the fixture has it.
    send(&mut ws, &exotel[2]).await?;
    let append = next_any(&mut mock).await.ok_or("no append")?;
    assert_eq!(append["audio"], to_openai[1]["audio"]);

    // 250 ms of µ-law: a 200 ms chunk now, the rest padded once the agent pauses.
    say(
        &mock,
        &[
            json!({"type": "response.created", "response": {"id": "resp_FAKEresponse000000001"}}),
            openai[0].clone(),
            openai[1].clone(),
        ],
    )?;
    // The bridge's chunker sends the largest conforming chunk (3840 B) where the fixture sent 3200 B;
    // the audio is the same.
    let b64 = |v: &Value| {
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            v.as_str().unwrap_or(""),
        )
        .unwrap_or_default()
    };
    let first = next_json(&mut ws).await.ok_or("no media")?;
    let (ours, theirs) = (
        b64(&first["media"]["payload"]),
        b64(&to_exotel[0]["media"]["payload"]),
    );
    assert_eq!(ours.len() % 320, 0);
    assert!(ours.len() >= 3200 && ours[..3200] == theirs[..], "the same PCM");
    let mark1 = next_json(&mut ws).await.ok_or("no mark")?;
    assert_eq!(mark1["event"], "mark");
    let tail = next_json(&mut ws).await.ok_or("no tail")?;
    assert_eq!(b64(&tail["media"]["payload"]).len(), 3200, "the rest, padded");
    assert_eq!(next_json(&mut ws).await.ok_or("no mark")?["event"], "mark");

    // The first chunk played; 100 ms later the caller talks: truncate at min(250, 240 + 100).
    let mut echo = exotel[3].clone();
    echo["mark"]["name"] = mark1["mark"]["name"].clone();
    send(&mut ws, &echo).await?;
    barrier(&mut ws, &mut mock, &exotel[2]).await?;
    s.test.clock.advance(SignedDuration::from_millis(100));
    say(&mock, &[openai[2].clone()])?;
    assert_eq!(next_json(&mut ws).await.ok_or("no clear")?["event"], "clear");
    let truncate = next_event(&mut mock).await.ok_or("no truncate")?;
    assert_eq!(truncate["item_id"], to_openai[2]["item_id"]);
    assert_eq!(truncate["audio_end_ms"], to_openai[2]["audio_end_ms"]);

    // The session expires with an error event: the call ends and says why.
    say(
        &mock,
        &[realtime_mock::fixture(
            "ws/server_to_client/error_session_expired.json",
        )],
    )?;
    until_closed(&mut ws).await;
    assert_eq!(next_event(&mut mock).await, None);
    let state = agent_state(&s, call_id).await?;
    let why = state["realtime"]["ended_reason"].as_str().unwrap_or("");
    assert!(why.contains("session_expired"), "{state}");
    s.stop().await;
    Ok(())
}
